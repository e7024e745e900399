package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

const keyAccountFlash = "accountFlash"

// accountPages are the routes of who plays: logging in and out,
// registering, the account page, and joining with the join code.
type accountPages struct {
	*web
	guests     *identities
	accounts   Accounts
	sessionIdx Sessions // a renewed or ended session leaves the index, and its sockets close
	counters   place.Counters
	passwords  *passwords
	// statsReader keeps the opt-out of the statistics page, whose cache
	// stats is (both nil: no statistics).
	statsReader place.StatsReader
	stats       *statsCache
	teams       *teamPages // the picker on the account page
	join        joinLink
}

// accountPage serves GET /account: the player's settings (for now whether
// their name may appear on the statistics page).
func (s *accountPages) accountPage(c echo.Context) error {
	ctx := s.ctx(c)
	d := views.AccountData{User: s.viewUser(c), Flash: s.sessions.PopString(ctx, keyAccountFlash)}
	if d.User != nil && !d.User.IsGuest && s.statsReader != nil {
		out, err := s.statsReader.StatsOptOut(ctx, d.User.ID)
		if err != nil {
			return err
		}
		d.StatsOptOut = out
	}
	if s.teams.roster != nil {
		v := s.teams.pickerData(c, "account")
		d.Teams = &v
	}
	return render(c, http.StatusOK, views.AccountPage(d))
}

// accountStats serves POST /account/stats: listed=1 keeps the player on the
// top placers list, anything else takes them off. The page then shows the
// setting again (Post/Redirect/Get). This instance's statistics are
// computed again for the next request; other instances' within statsTTL.
func (s *accountPages) accountStats(c echo.Context) error {
	ctx := s.ctx(c)
	u, ok, err := s.currentUser(ctx)
	if err != nil {
		return err
	}
	if !ok || u.IsGuest {
		return place.Errorf(place.EUNAUTHORIZED, "Log in to a registered account to change its settings.")
	}
	if s.statsReader == nil {
		return place.Errorf(place.ENOTFOUND, "Not found.")
	}
	listed := c.FormValue("listed")
	if listed != "" && listed != "1" {
		return place.Errorf(place.EVALIDATION, "listed must be 1 or absent.")
	}
	if err := s.statsReader.SetStatsOptOut(ctx, u.ID, listed == ""); err != nil {
		return err
	}
	s.stats.invalidate()
	msg := "Saved: your name is shown on the statistics page."
	if listed == "" {
		msg = "Saved: your name is kept off the statistics page."
	}
	s.sessions.Put(ctx, keyAccountFlash, msg)
	return c.Redirect(http.StatusSeeOther, "/account")
}

// me serves GET /api/v1/auth/me. A visitor without a session is reported as
// an anonymous guest-to-be rather than getting a session created by a read.
func (s *accountPages) me(c echo.Context) error {
	if down, _ := s.ctx(c).Value(sessionDownKey{}).(bool); down {
		// The visitor sent a session cookie that could not be looked up:
		// who they are is unknown, not "nobody".
		return place.ErrUnavailable
	}
	u, ok, err := s.currentUser(s.ctx(c))
	if err != nil {
		return err
	}
	if !ok {
		return place.Errorf(place.EUNAUTHORIZED, "No session yet; one is created when you first connect or place.")
	}
	return c.JSON(http.StatusOK, map[string]any{"userId": u.ID, "username": u.Username, "isGuest": u.IsGuest, "isAdmin": u.IsAdmin})
}
