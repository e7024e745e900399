package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/joining"
	"github.com/placecanvas/place/views"
)

// joinLink is the join code in force (none without a join gate) and the
// link and QR code that lead to it.
type joinLink struct{ gate *joining.Gate }

// info is the join link shown to this visitor and its QR code. The join
// code is only shown to moderators (admin: the screen on the wall is
// opened by one): anyone else is shown the site, where they may watch.
func (j joinLink) info(c echo.Context, admin bool) views.JoinInfo {
	url := siteOrigin(c) + "/"
	var code string
	if cur := j.code(); cur.Code != "" && admin {
		code = cur.Code
		url = siteOrigin(c) + "/join/" + code
	}
	return views.JoinInfo{URL: url, QR: "/join/qr.svg?v=" + j.version(), Code: code}
}

func (j joinLink) code() place.JoinCode {
	if j.gate == nil {
		return place.JoinCode{}
	}
	return j.gate.Current()
}

// version changes whenever the join link changes.
func (j joinLink) version() string { return strconv.FormatInt(j.code().Version, 10) }

// siteOrigin is the scheme and host the visitor reached this server by
// (behind nginx, its Host header and X-Forwarded-Proto).
func siteOrigin(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// joinPage serves GET /join: the form to type a join code.
func (s *accountPages) joinPage(c echo.Context) error {
	return render(c, http.StatusOK, views.JoinPage(views.JoinPageData{User: s.viewUser(c), CodeSet: s.join.code().Code != ""}))
}

// joinByLink serves GET /join/CODE, where the QR code leads.
func (s *accountPages) joinByLink(c echo.Context) error { return s.joinWith(c, c.Param("code")) }

// joinByForm serves POST /join (field code).
func (s *accountPages) joinByForm(c echo.Context) error { return s.joinWith(c, c.FormValue("code")) }

// joinWith lets this visitor place from now on if code is the current join
// code (a guest is made for a visitor without one), then opens the game.
// A wrong or replaced code shows the form again with why; wrong codes are
// throttled (join_throttle.go).
func (s *accountPages) joinWith(c echo.Context, typed string) error {
	ctx := s.ctx(c)
	if s.join.gate == nil || s.join.code().Code == "" {
		s.sessions.Put(ctx, keyPlaceFlash, "No join code is needed here: place away.")
		return c.Redirect(http.StatusSeeOther, "/#flash")
	}
	code, err := place.NormalizeJoinCode(typed)
	if err == nil {
		err = s.checkJoinCode(ctx, joinKeys(s.clientIP(c.Request()), s.sessions.GetString(ctx, keyUserID)), code)
	}
	if err != nil {
		status, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		return render(c, status, views.JoinPage(views.JoinPageData{User: s.viewUser(c), Error: msg, Code: typed, CodeSet: true}))
	}
	u, ok, err := s.currentUser(ctx)
	if err != nil {
		return err
	}
	if !ok {
		if u, err = s.guests.newGuestSession(ctx, c); err != nil {
			return err
		}
	}
	if err := s.join.gate.Join(ctx, u.ID, code); err != nil {
		return err
	}
	s.sessions.Put(ctx, keyPlaceFlash, "You joined: place your pixels!")
	return c.Redirect(http.StatusSeeOther, "/#flash")
}
