package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/views"
)

// playPages are the routes of playing: the canvas page, the placement form,
// the WebSocket, the canvas and its PNG, the SSE streams of placements and
// of the live panels, and the start of a guest session.
type playPages struct {
	*web
	liveCanvas
	guests     *identities
	placements *placing.Service
	live       *event.Live // nil: no event (the configured cooldown)
	history    HistoryReader
	ownWrites  *ownWrites
	streams    *streams
	panels     *panelFeed
	teams      *teamPages // the picker on the canvas page
	png        pngCache
}

// startPlaying serves POST /api/v1/session: watching needs no session, and
// a player gets one here on their first placement (the WebSocket cannot set
// cookies once upgraded). A visitor without a session becomes a new guest,
// which counts against the identity limit of its network and is refused on
// a banned network; the answer sets the session and device cookies, after
// which the client reconnects its socket. A visitor who has a session keeps
// it. Answers {"userId","username","isGuest","isAdmin","created"}.
func (s *playPages) startPlaying(c echo.Context) error {
	ctx := s.ctx(c)
	u, ok, err := s.currentUser(ctx)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !ok {
		if u, err = s.guests.newGuestSession(ctx, c); err != nil {
			return err
		}
		s.devices.deviceFor(c) // the device cookie comes with the session's
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{
		"userId": u.ID, "username": u.Username, "isGuest": u.IsGuest, "isAdmin": u.IsAdmin, "created": !ok,
	})
}

// pageData is the data of the canvas page.
func (s *playPages) pageData(c echo.Context, flash string) views.PageData {
	return views.PageData{
		Title:           "Canvas",
		User:            s.viewUser(c),
		Width:           s.canvasCfg().Width,
		Height:          s.canvasCfg().Height,
		CooldownSeconds: int(s.cooldown().Seconds()),
		Palette:         place.Palette,
		Flash:           flash,
		EventNotice:     s.eventNotice(),
		EventFinal:      s.live != nil && s.live.FinalKept(),
	}
}

// index serves the canvas page. After a placement by the no-JS form it
// shows the outcome (a flash kept in the session for one page view) and
// keeps the form filled in for the next pixel.
func (s *playPages) index(c echo.Context) error {
	ctx := s.ctx(c)
	d := s.pageData(c, s.sessions.PopString(ctx, keyPlaceFlash))
	if x, y, ok := s.placedParam(c); ok {
		d.FormX, d.FormY = x, y
		d.FormColor = s.sessions.GetInt(ctx, keyFormColor)
		// The flash is the outcome of that placement: mark the pixel on the image.
		d.Placed = d.Flash != ""
	}
	d.Panels = s.panelsData(ctx)
	d.Teams = s.teams.pickerData(c, "")
	return render(c, http.StatusOK, views.CanvasPage(d))
}

// cooldown is the cooldown that applies now.
func (s *playPages) cooldown() time.Duration {
	if s.live != nil {
		return s.live.Cooldown()
	}
	return s.cfg.Cooldown
}

// eventNotice is what the canvas page says about the event's state without
// JavaScript ("" while open).
func (s *playPages) eventNotice() string {
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
