package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// credentials are the fields of the login and register requests.
type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// decodeOneJSON decodes one JSON value from r into v, and refuses a body
// with anything after it (not what the client meant to send). A body over
// the limit gives echo's 413 error as it is.
func decodeOneJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	if err := dec.Decode(v); err != nil {
		return err
	}
	switch err := dec.Decode(&struct{}{}); err {
	case io.EOF:
		return nil
	case nil:
		return errors.New("more than one JSON value")
	default:
		return err
	}
}

// readCredentials reads a JSON or form-encoded body.
func readCredentials(c echo.Context) (credentials, error) {
	var cr credentials
	r := c.Request()
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		err := decodeOneJSON(r.Body, &cr)
		var tooLarge *echo.HTTPError
		if errors.As(err, &tooLarge) {
			return credentials{}, err // over the body limit, read in chunks
		}
		if err != nil {
			return credentials{}, place.Errorf(place.EVALIDATION, "The body must be one JSON object with string fields username and password.")
		}
	case "application/x-www-form-urlencoded", "multipart/form-data":
		cr.Username, cr.Password = c.FormValue("username"), c.FormValue("password")
	default:
		return cr, place.Errorf(place.EVALIDATION, "Send the fields as JSON or as a form.")
	}
	if cr.Username == "" || cr.Password == "" {
		return cr, place.Errorf(place.EVALIDATION, "Username and password are required.")
	}
	return cr, nil
}

var errInvalidCredentials = place.Errorf(place.EINVALIDCREDENTIAL, "Wrong username or password.")

// login checks the credentials and moves the request's session to the
// account. Unknown users, guests and wrong passwords get one answer, after
// the same bcrypt work.
func (s *accountPages) login(c echo.Context, cr credentials) (place.User, error) {
	ctx := s.ctx(c)
	if len(cr.Password) > 72 {
		return place.User{}, place.ValidatePassword(cr.Password)
	}
	ip := s.clientIP(c.Request())
	release, err := s.passwords.claim(ipKey(ip))
	if err != nil {
		return place.User{}, err
	}
	defer release()
	keys := newLoginKeys(cr.Username, ip)
	if err := s.takeLoginAttempt(ctx, keys); err != nil {
		return place.User{}, err
	}
	u, err := s.accounts.UserByName(ctx, cr.Username)
	var hash []byte
	switch {
	case err == nil && !u.IsGuest:
		hash = u.PasswordHash
	case err == nil, place.ErrorCode(err) == place.ENOTFOUND:
		// a guest name or no such user: compare against the dummy hash
	default:
		s.giveBackLoginAttempt(ctx, keys)
		return place.User{}, err
	}
	ok, err := s.passwords.check(ctx, hash, cr.Password)
	if err != nil {
		s.giveBackLoginAttempt(ctx, keys)
		return place.User{}, err
	}
	if !ok {
		return place.User{}, errInvalidCredentials
	}
	s.loginSucceeded(ctx, keys)
	if u.Banned {
		return place.User{}, place.Errorf(place.EBANNED, "This account is banned.")
	}
	if err := s.switchSession(ctx, u); err != nil {
		return place.User{}, err
	}
	return u, nil
}

// register creates an account. From a guest session the guest becomes the
// account (same id, so its pixels and cooldown stay); otherwise (no
// session, or logged in to another account) it is a new identity and
// counts against --identity-limit like a new guest.
func (s *accountPages) register(c echo.Context, cr credentials) (place.User, error) {
	ctx := s.ctx(c)
	if err := place.ValidateUsername(cr.Username); err != nil {
		return place.User{}, err
	}
	if err := place.ValidatePassword(cr.Password); err != nil {
		return place.User{}, err
	}
	// One hash under way per address, as for logins: a burst of
	// registrations cannot queue bcrypt work ahead of others.
	release, err := s.passwords.claim(ipKey(s.clientIP(c.Request())))
	if err != nil {
		return place.User{}, err
	}
	defer release()
	prev, hadPrev, err := s.currentUser(ctx)
	if err != nil {
		return place.User{}, err
	}
	if err := s.guests.refuseBannedNetwork(ctx, c.Request()); err != nil {
		return place.User{}, err
	}
	// A taken name is answered before the bcrypt work it would waste (unless
	// it may be this registration's own, see registerAgain); the store's
	// unique index still decides races.
	if u, err := s.accounts.UserByName(ctx, cr.Username); err == nil {
		return s.registerAgain(ctx, c.Request(), u, cr, hadPrev && prev.ID == u.ID)
	} else if place.ErrorCode(err) != place.ENOTFOUND {
		return place.User{}, err
	}
	if !hadPrev || !prev.IsGuest {
		if err := s.guests.countNewIdentity(ctx, c.Request()); err != nil {
			return place.User{}, err
		}
	}
	hash, err := s.passwords.hash(ctx, cr.Password)
	if err != nil {
		return place.User{}, err
	}
	var u place.User
	if hadPrev && prev.IsGuest {
		u, err = s.accounts.UpgradeGuest(ctx, prev.ID, cr.Username, hash)
	} else {
		u, err = s.accounts.CreateAccount(ctx, cr.Username, hash, s.now())
	}
	if err != nil {
		return place.User{}, err
	}
	if err := s.switchSession(ctx, u); err != nil {
		return place.User{}, err
	}
	return u, nil
}

// registerRetryWindow is how long after an account is made a registration
// of the same name and password is taken for that registration again.
const registerRetryWindow = 10 * time.Minute

var errUsernameTaken = place.Errorf(place.EUSERNAMETAKEN, "That username is taken.")

// registerAgain answers a registration of a name that exists. The account
// is stored before the session moves to it (in cluster mode: PostgreSQL,
// then Redis), so a registration can be refused (503: Redis down or at
// maxmemory) after its account was made. Its retry, with the same password,
// from the same session or soon after, finishes it: the session moves to
// the account, as a login would (and counts as a login attempt, so it is
// no way round the login throttle). Anyone else is told the name is taken.
func (s *accountPages) registerAgain(ctx context.Context, r *http.Request, u place.User, cr credentials, ownSession bool) (place.User, error) {
	if u.IsGuest || (!ownSession && s.now().Sub(u.CreatedAt) > registerRetryWindow) {
		return place.User{}, errUsernameTaken
	}
	keys := newLoginKeys(cr.Username, s.clientIP(r))
	if err := s.takeLoginAttempt(ctx, keys); err != nil {
		return place.User{}, err
	}
	ok, err := s.passwords.check(ctx, u.PasswordHash, cr.Password)
	if err != nil {
		s.giveBackLoginAttempt(ctx, keys)
		return place.User{}, err
	}
	if !ok || u.Banned {
		return place.User{}, errUsernameTaken
	}
	s.loginSucceeded(ctx, keys)
	if err := s.switchSession(ctx, u); err != nil {
		return place.User{}, err
	}
	return u, nil
}

// switchSession binds the session to u under a new token (no session
// fixation). The later of the previous identity's and u's cooldowns
// applies, so switching identities never frees a pixel. Sockets opened
// under the old token are closed; the client reconnects as u.
func (s *accountPages) switchSession(ctx context.Context, u place.User) error {
	prev, hadPrev, err := s.currentUser(ctx)
	if err != nil {
		return err
	}
	if hadPrev && prev.ID != u.ID {
		until, err := s.accounts.CooldownUntil(ctx, prev.ID)
		if err != nil {
			return err
		}
		if !until.IsZero() {
			if err := s.accounts.SetCooldownUntil(ctx, u.ID, until); err != nil {
				return err
			}
		}
	}
	oldToken := s.sessions.Token(ctx)
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	if _, _, err := s.bindSession(ctx, u.ID); err != nil {
		return err
	}
	if oldToken != "" {
		if hadPrev {
			if err := s.sessionIdx.RemoveUserSession(ctx, prev.ID, oldToken); err != nil {
				s.log.Warn("removing a renewed session from the index", "err", err)
			}
		}
		if err := s.sessionIdx.PublishKick(ctx, place.Kick{Token: oldToken, Reason: "session renewed"}); err != nil {
			s.log.Warn("closing the sockets of a renewed session", "err", err)
		}
	}
	return nil
}

// logout destroys the session server-side, drops it from the user's index
// and closes its sockets everywhere.
func (s *accountPages) logout(ctx context.Context) error {
	token := s.sessions.Token(ctx)
	if token == "" {
		return nil
	}
	userID := s.sessions.GetString(ctx, keyUserID)
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	if userID != "" {
		if err := s.sessionIdx.RemoveUserSession(ctx, userID, token); err != nil {
			s.log.Warn("removing a session from the index", "err", err)
		}
	}
	if err := s.sessionIdx.PublishKick(ctx, place.Kick{Token: token, Reason: "logged out"}); err != nil {
		s.log.Warn("closing the sockets of a logged-out session", "err", err)
	}
	return nil
}

// apiRegister serves POST /api/v1/auth/register.
func (s *accountPages) apiRegister(c echo.Context) error {
	cr, err := readCredentials(c)
	if err != nil {
		return err
	}
	u, err := s.register(c, cr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "username": u.Username})
}

// apiLogin serves POST /api/v1/auth/login.
func (s *accountPages) apiLogin(c echo.Context) error {
	cr, err := readCredentials(c)
	if err != nil {
		return err
	}
	u, err := s.login(c, cr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "username": u.Username, "isAdmin": u.IsAdmin})
}

// apiLogout serves POST /api/v1/auth/logout.
func (s *accountPages) apiLogout(c echo.Context) error {
	if err := s.logout(s.ctx(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true})
}

// formFailure decides how a failed form submission is answered: errors a
// person can act on re-render the form with their status; anything else
// goes to the one error handler.
func formFailure(c echo.Context, err error) (int, string, bool) {
	var e *place.Error
	if !errors.As(err, &e) || e.Code == place.EINTERNAL || e.Code == place.EUNAVAILABLE {
		return 0, "", false
	}
	if e.RemainingSeconds > 0 {
		c.Response().Header().Set("Retry-After", itoa(e.RemainingSeconds))
	}
	return httpStatus(e.Code), e.Message, true
}
