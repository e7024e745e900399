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

// currentUser returns the user of the request's session, or ok=false when
// the session has none (or names a user that no longer exists).
func (s *Server) currentUser(ctx context.Context) (place.User, bool, error) {
	u, ok, err := s.sessionUser(ctx)
	if err != nil || !ok {
		return place.User{}, false, err
	}
	if u.Banned {
		// A banned user's sessions are destroyed; one that slipped through
		// is treated as logged out.
		_ = s.sessions.Destroy(ctx)
		return place.User{}, false, nil
	}
	s.touchSession(ctx)
	return u, true, nil
}

// sessionUser returns the user the session names, banned or not.
func (s *Server) sessionUser(ctx context.Context) (place.User, bool, error) {
	id := s.sessions.GetString(ctx, keyUserID)
	if id == "" {
		return place.User{}, false, nil
	}
	u, err := s.accounts.UserByID(ctx, id)
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
func (s *Server) touchSession(ctx context.Context) {
	if t := s.sessions.GetInt64(ctx, keyTouched); time.Since(time.Unix(t, 0)) > touchEvery {
		s.sessions.Put(ctx, keyTouched, s.now().Unix())
	}
}

// newGuest creates a guest user for a request without one, unless its
// network is banned, within the per-address limit of new identities.
func (s *Server) newGuest(ctx context.Context, r *http.Request) (place.User, error) {
	if err := s.refuseBannedNetwork(ctx, r); err != nil {
		return place.User{}, err
	}
	if err := s.countNewIdentity(ctx, r); err != nil {
		return place.User{}, err
	}
	return s.accounts.CreateGuest(ctx, s.now())
}

// countNewIdentity applies --identity-limit (and --network-allowance):
// every new identity made from an address counts, a guest or an account,
// so that neither clearing cookies nor registering account after account
// beats the cooldown.
func (s *Server) countNewIdentity(ctx context.Context, r *http.Request) error {
	ip := s.clientIP(r)
	limit := s.identityLimit(ip)
	if limit <= 0 {
		return nil
	}
	n, end, err := s.counters.Incr(ctx, "identities:"+ipKey(ip), time.Hour, s.now())
	if err != nil {
		return err
	}
	if n > int64(limit) {
		e := place.CooldownError(s.now(), end)
		e.Message = "Too many new players from your network in the last hour; log in to an existing account, or try again in " + inWords(e.RemainingSeconds) + "."
		return e
	}
	return nil
}

// newGuestSession makes a guest for a visitor without a session and binds
// it to a new session token.
func (s *Server) newGuestSession(ctx context.Context, c echo.Context) (place.User, error) {
	u, err := s.newGuest(ctx, c.Request())
	if err != nil {
		return u, err
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return u, err
	}
	_, _, err = s.bindSession(ctx, u.ID)
	return u, err
}

// bindSession stores the user in the session and indexes the session token
// under the user, so that a ban can find it. It commits the session and
// returns the token and expiry.
func (s *Server) bindSession(ctx context.Context, userID string) (string, time.Time, error) {
	s.sessions.Put(ctx, keyUserID, userID)
	s.sessions.Put(ctx, keyTouched, s.now().Unix())
	token, expiry, err := s.sessions.Commit(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := s.sessionIdx.AddUserSession(ctx, userID, token, expiry); err != nil {
		return "", time.Time{}, err
	}
	return token, expiry, nil
}

// loadSession loads the request's session and saves it (with its cookie)
// just before the response is written, as scs's LoadAndSave does. When the
// session store is down, a request that only reads (a page) goes on without
// its session, as a visitor, rather than failing; a state change answers
// 503 SERVICE_UNAVAILABLE.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.Response().Header().Add("Vary", "Cookie")
		var token string
		if ck, err := r.Cookie(s.sessions.Cookie.Name); err == nil {
			token = ck.Value
		}
		ctx, err := s.sessions.Load(r.Context(), token)
		if err != nil {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				s.log.Warn("session store unavailable", "err", err)
				return place.ErrUnavailable
			}
			s.log.Warn("session store unavailable; serving without the session", "err", err, "path", r.URL.Path)
			ctx, err = s.sessions.Load(r.Context(), "") // a fresh session: no store access
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
			status := s.sessions.Status(ctx)
			s.saveSession(c.Response(), ctx)
			if down, _ := ctx.Value(sessionDownKey{}).(bool); !down {
				s.issueDevice(c.Response(), r, ctx, status)
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
func (s *Server) saveSession(w http.ResponseWriter, ctx context.Context) {
	if down, _ := ctx.Value(sessionDownKey{}).(bool); down {
		return
	}
	switch s.sessions.Status(ctx) {
	case scs.Modified:
		token, expiry, err := s.sessions.Commit(ctx)
		if err != nil {
			s.log.Error("saving the session failed", "err", err)
			return
		}
		s.sessions.WriteSessionCookie(ctx, w, token, expiry)
	case scs.Destroyed:
		s.sessions.WriteSessionCookie(ctx, w, "", time.Time{})
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
