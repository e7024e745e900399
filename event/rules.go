package event

import (
	"time"

	"github.com/placecanvas/place"
)

// Check applies the event's rules to a placement by u at x, y at now, in
// order: the canvas state (scheduled, paused and closed canvases take no
// placement, not even an admin's), guest placement, then protected areas
// (only admins place there). The caller checks the ban and coordinates
// before, and the cooldown after.
func Check(e place.Event, u place.User, x, y int, now time.Time) error {
	st := e.Settings
	switch st.State(now) {
	case place.StateScheduled:
		return place.Errorf(place.ECANVASNOTOPEN, "The canvas opens at %s.", st.OpensAt.UTC().Format("2006-01-02 15:04 UTC"))
	case place.StatePaused:
		msg := "The canvas is paused."
		if st.PauseMessage != "" {
			msg += " " + st.PauseMessage
		}
		return place.Errorf(place.ECANVASPAUSED, "%s", msg)
	case place.StateClosed:
		return place.Errorf(place.ECANVASCLOSED, "The canvas is closed; it can no longer be changed.")
	}
	if u.IsGuest && !st.GuestPlacement && !u.IsAdmin {
		return place.Errorf(place.EACCOUNTREQUIRED, "Guests cannot place right now: register or log in to place.")
	}
	if !u.IsAdmin && e.Protected(x, y) {
		return place.Errorf(place.EAREAPROTECTED, "This pixel is in a protected area; only moderators may place there.")
	}
	return nil
}

// Check applies the current event's rules; see the function Check.
func (l *Live) Check(u place.User, x, y int) error {
	return Check(l.Event(), u, x, y, l.opts.Now())
}
