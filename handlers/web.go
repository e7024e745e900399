package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// web is what every handler group shares: the session and the user it
// names, the client's address, the device cookie, the clock and the log.
// The groups embed it; it holds no store but the lookups of the session's
// user and the index of their sessions.
type web struct {
	clientNet
	log      *slog.Logger
	now      func() time.Time
	sessions *scs.SessionManager
	users    UserFinder
	// userSessions indexes each user's session tokens (bindSession).
	userSessions place.SessionIndex
	devices      *deviceCookies
	csrf         *http.CrossOriginProtection
}

func (w *web) ctx(c echo.Context) context.Context { return c.Request().Context() }

// currentUser returns the user of the request's session, or ok=false when
// the session has none (or names a user that no longer exists).
func (w *web) currentUser(ctx context.Context) (place.User, bool, error) {
	u, ok, err := w.sessionUser(ctx)
	if err != nil || !ok {
		return place.User{}, false, err
	}
	if u.Banned {
		// A banned user's sessions are destroyed; one that slipped through
		// is treated as logged out.
		_ = w.sessions.Destroy(ctx)
		return place.User{}, false, nil
	}
	w.touchSession(ctx)
	return u, true, nil
}

// sessionUser returns the user the session names, banned or not.
func (w *web) sessionUser(ctx context.Context) (place.User, bool, error) {
	id := w.sessions.GetString(ctx, keyUserID)
	if id == "" {
		return place.User{}, false, nil
	}
	u, err := w.users.UserByID(ctx, id)
	if place.ErrorCode(err) == place.ENOTFOUND {
		return place.User{}, false, nil
	}
	if err != nil {
		return place.User{}, false, err
	}
	return u, true, nil
}

// touchSession re-saves an active session now and then, so that its idle
// expiry moves forward.
func (w *web) touchSession(ctx context.Context) {
	if t := w.sessions.GetInt64(ctx, keyTouched); time.Since(time.Unix(t, 0)) > touchEvery {
		w.sessions.Put(ctx, keyTouched, w.now().Unix())
	}
}

// bindSession stores the user in the session and indexes the session token
// under the user, so that a ban can find it. It commits the session and
// returns the token and expiry.
func (w *web) bindSession(ctx context.Context, userID string) (string, time.Time, error) {
	w.sessions.Put(ctx, keyUserID, userID)
	w.sessions.Put(ctx, keyTouched, w.now().Unix())
	token, expiry, err := w.sessions.Commit(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := w.userSessions.AddUserSession(ctx, userID, token, expiry); err != nil {
		return "", time.Time{}, err
	}
	return token, expiry, nil
}

// viewUser returns the signed-in user for page chrome, or nil.
func (w *web) viewUser(c echo.Context) *views.UserInfo {
	ctx := w.ctx(c)
	if loaded, _ := ctx.Value(sessionLoadedKey{}).(bool); !loaded {
		return nil // a route without sessions (an error page for an asset, say)
	}
	u, ok, err := w.currentUser(ctx)
	if err != nil || !ok {
		return nil
	}
	return &views.UserInfo{ID: u.ID, Username: u.Username, IsGuest: u.IsGuest, IsAdmin: u.IsAdmin}
}

// viewerIsAdmin reports whether the request's session is a moderator's.
func (w *web) viewerIsAdmin(c echo.Context) bool {
	u := w.viewUser(c)
	return u != nil && u.IsAdmin
}

// requireAdmin lets only admins through; everyone else gets 403 FORBIDDEN.
// Admin rights are read from the store on every request, so a grant or
// revoke takes effect at the user's next request.
func (w *web) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, ok, err := w.currentUser(w.ctx(c))
		if err != nil {
			return err
		}
		if !ok || !u.IsAdmin {
			return place.Errorf(place.EFORBIDDEN, "Only moderators may use the admin pages.")
		}
		c.Set(ctxAdmin, u)
		return next(c)
	}
}

// crossOriginProtection refuses cross-site state-changing requests with
// 403 FORBIDDEN, as net/http's CrossOriginProtection decides.
func (w *web) crossOriginProtection(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := w.csrf.Check(c.Request()); err != nil {
			return place.Errorf(place.EFORBIDDEN, "Cross-site requests are not allowed.")
		}
		return next(c)
	}
}

func (w *web) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				w.log.Error("panic in handler", "panic", r, "path", c.Request().URL.Path)
				err = place.Errorf(place.EINTERNAL, "Internal error.")
			}
		}()
		return next(c)
	}
}

func (w *web) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		w.log.Debug("request", "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", c.Response().Status, "duration", time.Since(start), "ip", w.clientIP(c.Request()).String())
		return nil
	}
}
