package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// startPlaying serves POST /api/v1/session: watching needs no session, and
// a player gets one here on their first placement (the WebSocket cannot set
// cookies once upgraded). A visitor without a session becomes a new guest,
// which counts against the identity limit of its network and is refused on
// a banned network; the answer sets the session and device cookies, after
// which the client reconnects its socket. A visitor who has a session keeps
// it. Answers {"userId","username","isGuest","isAdmin","created"}.
func (s *Server) startPlaying(c echo.Context) error {
	ctx := s.ctx(c)
	u, ok, err := s.currentUser(ctx)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !ok {
		if u, err = s.newGuestSession(ctx, c); err != nil {
			return err
		}
		s.deviceFor(c) // the device cookie comes with the session's
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{
		"userId": u.ID, "username": u.Username, "isGuest": u.IsGuest, "isAdmin": u.IsAdmin, "created": !ok,
	})
}
