package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// joinInfo is the join link shown to this visitor and its QR code. The
// join code is only shown to moderators (the screen on the wall is opened
// by one): anyone else is shown the site, where they may watch.
func (s *Server) joinInfo(c echo.Context) views.JoinInfo {
	url := siteOrigin(c) + "/"
	var code string
	if cur := s.joinCode(); cur.Code != "" && s.viewerIsAdmin(c) {
		code = cur.Code
		url = siteOrigin(c) + "/join/" + code
	}
	return views.JoinInfo{URL: url, QR: "/join/qr.svg?v=" + s.joinVersion(), Code: code}
}

func (s *Server) joinCode() place.JoinCode {
	if s.join == nil {
		return place.JoinCode{}
	}
	return s.join.Current()
}

// joinVersion changes whenever the join link changes.
func (s *Server) joinVersion() string { return strconv.FormatInt(s.joinCode().Version, 10) }

// viewerIsAdmin reports whether the request's session is a moderator's.
func (s *Server) viewerIsAdmin(c echo.Context) bool {
	u := s.viewUser(c)
	return u != nil && u.IsAdmin
}

// siteOrigin is the scheme and host the visitor reached this server by
// (behind nginx, its Host header and X-Forwarded-Proto).
func siteOrigin(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// joinPage serves GET /join: the form to type a join code.
func (s *Server) joinPage(c echo.Context) error {
	return render(c, http.StatusOK, views.JoinPage(views.JoinPageData{User: s.viewUser(c), CodeSet: s.joinCode().Code != ""}))
}

// joinByLink serves GET /join/CODE, where the QR code leads.
func (s *Server) joinByLink(c echo.Context) error { return s.joinWith(c, c.Param("code")) }

// joinByForm serves POST /join (field code).
func (s *Server) joinByForm(c echo.Context) error { return s.joinWith(c, c.FormValue("code")) }

// joinWith lets this visitor place from now on if code is the current join
// code (a guest is made for a visitor without one), then opens the game.
// A wrong or replaced code shows the form again with why; wrong codes are
// throttled (join_throttle.go).
func (s *Server) joinWith(c echo.Context, typed string) error {
	ctx := s.ctx(c)
	if s.join == nil || s.joinCode().Code == "" {
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
		if u, err = s.newGuestSession(ctx, c); err != nil {
			return err
		}
	}
	if err := s.join.Join(ctx, u.ID, code); err != nil {
		return err
	}
	s.sessions.Put(ctx, keyPlaceFlash, "You joined: place your pixels!")
	return c.Redirect(http.StatusSeeOther, "/#flash")
}

// adminJoin serves GET /admin/join.
func (s *Server) adminJoin(c echo.Context) error {
	return s.renderAdminJoin(c, http.StatusOK, s.sessions.PopString(s.ctx(c), keyAccountFlash), "")
}

func (s *Server) renderAdminJoin(c echo.Context, status int, flash, problem string) error {
	cur := s.joinCode()
	d := views.AdminJoinData{User: infoOf(adminOf(c)), Code: cur.Code, Version: cur.Version, Flash: flash, Error: problem}
	if cur.Code != "" {
		d.JoinURL = siteOrigin(c) + "/join/" + cur.Code
	}
	return render(c, status, views.AdminJoin(d))
}

// adminJoinChange serves POST /admin/join: action=rotate (a new random
// code), action=set with code, or action=clear. The old code stops working
// at once here and, through a join-code notice, on every instance.
func (s *Server) adminJoinChange(c echo.Context) error {
	if s.join == nil {
		return place.Errorf(place.ENOTFOUND, "Not found.")
	}
	var code, detail string
	switch c.FormValue("action") {
	case "rotate":
		code = place.NewJoinCode()
	case "set":
		var err error
		if code, err = place.NormalizeJoinCode(c.FormValue("code")); err != nil {
			return s.renderAdminJoin(c, http.StatusBadRequest, "", place.ErrorMessage(err))
		}
	case "clear":
	default:
		return place.Errorf(place.EVALIDATION, "action must be rotate, set or clear.")
	}
	ctx := s.ctx(c)
	j, err := s.join.Set(ctx, code)
	if err != nil {
		return err
	}
	detail = "join code removed (version " + strconv.FormatInt(j.Version, 10) + ")"
	flash := "The join code is removed: anyone may place."
	if code != "" {
		detail = "join code set to " + code + " (version " + strconv.FormatInt(j.Version, 10) + ")"
		flash = "The join code is now " + code + "; the old one no longer works."
	}
	if err := s.audit(ctx, adminOf(c), place.User{}, "join-code", detail); err != nil {
		s.log.Error("audit failed", "err", err)
	}
	s.sessions.Put(ctx, keyAccountFlash, flash)
	return c.Redirect(http.StatusSeeOther, "/admin/join")
}
