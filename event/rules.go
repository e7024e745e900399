package event

import (
	"context"
	"time"

	"github.com/placecanvas/place"
)

// UserFunc looks a user up; the rules ask only when the answer matters
// (guests may not place, or the pixel is protected).
type UserFunc func(ctx context.Context, id string) (place.User, error)

// stateError is the refusal of a placement on a canvas that is not open, or nil.
func stateError(st place.Settings, now time.Time) error {
	switch st.State(now) {
	case place.StateScheduled:
		return place.Errorf(place.ECANVASNOTOPEN, "The canvas opens at %s.", st.OpensAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	case place.StatePaused:
		msg := "The canvas is paused."
		if st.PauseMessage != "" {
			msg += " " + st.PauseMessage
		}
		return place.Errorf(place.ECANVASPAUSED, "%s", msg)
	case place.StateClosed:
		return place.Errorf(place.ECANVASCLOSED, "The canvas is closed; it can no longer be changed.")
	}
	return nil
}

var (
	errGuests    = place.Errorf(place.EACCOUNTREQUIRED, "Guests cannot place right now: register or log in to place.")
	errProtected = place.Errorf(place.EAREAPROTECTED, "This pixel is in a protected area; only moderators may place there.")
)

// CheckOpen is the placement rule of the canvas state and of guest
// placement for userID (empty: a visitor who would place as a new guest).
func (l *Live) CheckOpen(ctx context.Context, userID string, user UserFunc) error {
	st := l.Settings()
	if err := stateError(st, l.opts.Now()); err != nil {
		return err
	}
	if st.GuestPlacement {
		return nil
	}
	if userID == "" {
		return errGuests
	}
	u, err := user(ctx, userID)
	if err != nil {
		return err
	}
	if u.IsGuest {
		return errGuests
	}
	return nil
}

// CheckArea is the placement rule of protected areas: only admins place
// in them.
func (l *Live) CheckArea(ctx context.Context, userID string, x, y int, user UserFunc) error {
	if !l.Event().Protected(x, y) {
		return nil
	}
	if userID == "" {
		return errProtected
	}
	u, err := user(ctx, userID)
	if err != nil {
		return err
	}
	if !u.IsAdmin {
		return errProtected
	}
	return nil
}
