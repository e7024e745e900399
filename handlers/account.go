package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

const keyAccountFlash = "accountFlash"

// accountPage serves GET /account: the player's settings (for now whether
// their name may appear on the statistics page).
func (s *Server) accountPage(c echo.Context) error {
	ctx := s.ctx(c)
	d := views.AccountData{User: s.viewUser(c), Flash: s.sessions.PopString(ctx, keyAccountFlash)}
	if d.User != nil && !d.User.IsGuest && s.statsReader != nil {
		out, err := s.statsReader.StatsOptOut(ctx, d.User.ID)
		if err != nil {
			return err
		}
		d.StatsOptOut = out
	}
	if s.teams != nil {
		v := s.pickerData(c, "account")
		d.Teams = &v
	}
	return render(c, http.StatusOK, views.AccountPage(d))
}

// accountStats serves POST /account/stats: listed=1 keeps the player on the
// top placers list, anything else takes them off. The page then shows the
// setting again (Post/Redirect/Get). This instance's statistics are
// computed again for the next request; other instances' within statsTTL.
func (s *Server) accountStats(c echo.Context) error {
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
