package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// eventRoutes adds the routes of running an event: the admin pages for
// settings, areas and templates, and the public event state, templates
// and final image. Without a live event state (a server built without
// one) there are none.
func (s *Server) eventRoutes(e *echo.Echo, adminPage, adminChange []echo.MiddlewareFunc) {
	if s.live == nil || s.eventStore == nil {
		return
	}
	read := []string{http.MethodGet, http.MethodHead}
	e.Match(read, "/admin/settings", s.adminSettings, adminPage...)
	e.POST("/admin/settings", s.adminSettingsSave, adminChange...)
	e.POST("/admin/settings/state", s.adminSettingsState, adminChange...)
	e.Match(read, "/admin/areas", s.adminAreas, adminPage...)
	e.POST("/admin/areas/protect", s.adminProtect, adminChange...)
	e.POST("/admin/areas/:id/delete", s.adminUnprotect, adminChange...)
	e.POST("/admin/areas/wipe", s.adminWipe, adminChange...)
	e.POST("/admin/areas/rollback", s.adminAreaRollback, adminChange...)
	e.Match(read, "/admin/templates", s.adminTemplates, adminPage...)
	// The upload sets its own, larger body limit.
	e.POST("/admin/templates", s.adminTemplateUpload, s.crossOriginProtection, s.loadSession, s.requireAdmin)
	e.POST("/admin/templates/:id/delete", s.adminTemplateDelete, adminChange...)

	e.Match(read, "/api/v1/event", s.eventState)
	e.Match(read, "/api/v1/canvas/final.png", s.finalImage)
	e.Match(read, "/api/v1/templates", s.templateList)
	e.Match(read, "/api/v1/areas", s.areaList)
	e.Match(read, "/api/v1/templates/:id/image", s.templateImage)
}

// guestLimit is the live identity limit: new identities (guests and accounts)
// per address (IPv6: /64) per hour.
func (s *Server) guestLimit() int {
	if s.live != nil {
		return s.live.Settings().GuestLimit
	}
	return s.opts.GuestLimit
}

// cooldown is the cooldown that applies now.
func (s *Server) cooldown() time.Duration {
	if s.live != nil {
		return s.live.Cooldown()
	}
	return s.cfg.Cooldown
}

// eventNotice is what the canvas page says about the event's state without
// JavaScript ("" while open).
func (s *Server) eventNotice() string {
	if s.live == nil {
		return ""
	}
	st := s.live.Settings()
	switch st.State(s.now()) {
	case place.StateScheduled:
		return "The canvas opens at " + st.OpensAt.UTC().Format("2006-01-02 15:04 UTC") + "."
	case place.StatePaused:
		if st.PauseMessage != "" {
			return "The canvas is paused: " + st.PauseMessage
		}
		return "The canvas is paused."
	case place.StateClosed:
		return "The canvas is closed; it can no longer be changed."
	}
	return ""
}
