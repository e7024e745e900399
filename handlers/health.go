package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
)

// ops are the routes of running the server: the health checks, the
// metrics, and the gate that turns requests away while the instance starts
// or drains.
type ops struct {
	*web
	hub              *realtime.Hub
	health           Health
	ready            readyCache // the stores' last readiness answer
	draining         func() bool
	started          func() bool
	metricsElsewhere bool
}

// healthz is liveness: the process answers.
func (s *ops) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is readiness: stores reachable, sound and taking writes (each
// store's Ready writes a little: a full disk or a Redis at maxmemory is not
// ready), canvas loaded, not draining. The stores' answer is reused for
// readyFresh, so frequent probes cost one store check a second.
func (s *ops) readyz(c echo.Context) error {
	if s.draining() {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "draining"})
	}
	if !s.hub.Ready() {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "loading canvas"})
	}
	if err := s.ready.check(s.ctx(c), s.health); err != nil {
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
func (s *ops) admit(next echo.HandlerFunc) echo.HandlerFunc {
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

// readyFresh is how long the stores' readiness is reused.
const readyFresh = time.Second

// readyCache is the stores' last readiness answer; one check runs at a
// time, the others reuse the answer.
type readyCache struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

func (r *readyCache) check(ctx context.Context, h Health) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && time.Since(r.at) < readyFresh {
		return r.err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r.err, r.at = h.Ready(ctx), time.Now()
	return r.err
}
