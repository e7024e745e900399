package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// Session keys.
const (
	keyUserID  = "userId"
	keyTouched = "touched"
)

// touchEvery is how often an active session is re-saved to push its idle
// expiry forward (scs only saves modified sessions).
const touchEvery = time.Hour

// loadSession loads the request's session and saves it (with its cookie)
// just before the response is written, as scs's LoadAndSave does. When the
// session store is down, a request that only reads (a page) goes on without
// its session, as a visitor, rather than failing; a state change answers
// 503 SERVICE_UNAVAILABLE.
func (w *web) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.Response().Header().Add("Vary", "Cookie")
		var token string
		if ck, err := r.Cookie(w.sessions.Cookie.Name); err == nil {
			token = ck.Value
		}
		ctx, err := w.sessions.Load(r.Context(), token)
		if err != nil {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.log.Warn("session store unavailable", "err", err)
				return place.ErrUnavailable
			}
			w.log.Warn("session store unavailable; serving without the session", "err", err, "path", r.URL.Path)
			ctx, err = w.sessions.Load(r.Context(), "") // a fresh session: no store access
			if err != nil {
				return err
			}
			ctx = context.WithValue(ctx, sessionDownKey{}, true)
		}
		ctx = context.WithValue(ctx, sessionLoadedKey{}, true)
		ctx = withPendingDevice(ctx)
		r = r.WithContext(ctx)
		c.SetRequest(r)
		c.Response().Before(func() {
			status := w.sessions.Status(ctx)
			w.saveSession(c.Response(), ctx)
			if down, _ := ctx.Value(sessionDownKey{}).(bool); !down {
				w.devices.issue(c.Response(), r, w.sessions.GetString(ctx, keyUserID), status)
			}
		})
		return next(c)
	}
}

type sessionDownKey struct{}

// sessionLoadedKey marks a request whose session was loaded, so that page
// chrome rendered on other routes (error pages) does not touch scs.
type sessionLoadedKey struct{}

// saveSession commits a modified session and writes its cookie, or clears
// the cookie of a destroyed one.
func (w *web) saveSession(rw http.ResponseWriter, ctx context.Context) {
	if down, _ := ctx.Value(sessionDownKey{}).(bool); down {
		return
	}
	switch w.sessions.Status(ctx) {
	case scs.Modified:
		token, expiry, err := w.sessions.Commit(ctx)
		if err != nil {
			w.log.Error("saving the session failed", "err", err)
			return
		}
		w.sessions.WriteSessionCookie(ctx, rw, token, expiry)
	case scs.Destroyed:
		w.sessions.WriteSessionCookie(ctx, rw, "", time.Time{})
	}
}

// inWords says a wait of n seconds as a player reads it.
func inWords(n int) string {
	switch {
	case n >= 120:
		return itoa((n+59)/60) + " minutes"
	case n == 1:
		return "1 second"
	default:
		return itoa(n) + " seconds"
	}
}
