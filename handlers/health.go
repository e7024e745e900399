package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// healthz is liveness: the process answers.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is readiness: stores reachable and sound, canvas loaded, not draining.
func (s *Server) readyz(c echo.Context) error {
	if s.draining() {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "draining"})
	}
	if !s.hub.Ready() {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "loading canvas"})
	}
	ctx, cancel := context.WithTimeout(s.ctx(c), 2*time.Second)
	defer cancel()
	if err := s.health.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		detail := "a store is unreachable"
		if place.ErrorCode(err) != place.EINTERNAL {
			detail = place.ErrorMessage(err)
		}
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": detail})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// admit turns reads and WebSocket upgrades away with 503 while the
// instance is starting (the canvas not loaded yet) or draining (SIGTERM
// received), so that a proxy retries them on another instance. The answer
// closes the connection, so a proxy's kept-alive connections to a draining
// instance end cleanly, each after one answer, rather than being cut while
// a request is on its way.
//
// Requests that change something (POST) are served as usual: the store is
// open from before the instance listens until after it stops, so they
// succeed here, and a proxy must not retry them blindly elsewhere (a 503
// from a store that failed after it was sent a placement does not prove
// that nothing was placed). The health checks and metrics always answer.
func (s *Server) admit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return next(c)
		}
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			return next(c)
		}
		draining := s.draining()
		if !draining && s.started() {
			return next(c)
		}
		h := c.Response().Header()
		h.Set("Retry-After", "1")
		if draining {
			h.Set("Connection", "close")
			return errDraining
		}
		return errStarting
	}
}

var (
	errDraining = place.Errorf(place.EUNAVAILABLE, "This server is restarting; try again in a moment.")
	errStarting = place.Errorf(place.EUNAVAILABLE, "This server is starting; try again in a moment.")
)
