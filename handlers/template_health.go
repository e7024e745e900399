package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/templatehealth"
	"github.com/placecanvas/place/views"
)

// HealthTracker is the template health that the handlers read.
type HealthTracker interface {
	Lookup(ctx context.Context, id int64) (templatehealth.Health, bool, error)
	Summaries() []templatehealth.Summary
	// Changed tells that a template was added or deleted here.
	Changed()
}

// templateHealth serves GET /api/v1/templates/{id}/health.
type templateHealth struct {
	tracker HealthTracker
	names   *publicNames
}

func (h *templateHealth) get(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return place.Errorf(place.ENOTFOUND, "No such template.")
	}
	ctx := c.Request().Context()
	health, found, err := h.tracker.Lookup(ctx, id)
	if errors.Is(err, templatehealth.ErrNotReady) {
		return place.ErrUnavailable
	}
	if err != nil {
		return err
	}
	if !found {
		return place.Errorf(place.ENOTFOUND, "No such template.")
	}
	ids := make([]string, 0, len(health.Wrong))
	for _, w := range health.Wrong {
		ids = append(ids, w.UserID)
	}
	names, err := h.names.lookup(ctx, ids)
	if err != nil {
		return err
	}
	for i := range health.Wrong {
		health.Wrong[i].By = names[health.Wrong[i].UserID]
	}
	if health.Wrong == nil {
		health.Wrong = []templatehealth.Wrong{}
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, health)
}

// changed tells template health that the templates changed (nothing
// without template health).
func (h *templateHealth) changed() {
	if h != nil {
		h.tracker.Changed()
	}
}

// list serves GET /api/v1/templates/health: every followed template's
// counts, without wrong pixels (the projector screen shows them all).
func (h *templateHealth) list(c echo.Context) error {
	out := h.tracker.Summaries()
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, map[string]any{"templates": out})
}

// cells are the templates' health for the admin page (nil without
// template health).
func (h *templateHealth) cells() map[int64]views.TemplateHealth {
	if h == nil {
		return nil
	}
	out := map[int64]views.TemplateHealth{}
	for _, t := range h.tracker.Summaries() {
		out[t.ID] = views.TemplateHealth{Correct: t.Correct, Total: t.Total}
	}
	return out
}
