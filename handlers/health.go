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
