package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// adminJoin serves GET /admin/join.
func (s *adminPages) adminJoin(c echo.Context) error {
	return s.renderAdminJoin(c, http.StatusOK, s.sessions.PopString(s.ctx(c), keyAccountFlash), "")
}

func (s *adminPages) renderAdminJoin(c echo.Context, status int, flash, problem string) error {
	cur := s.join.code()
	d := views.AdminJoinData{User: infoOf(adminOf(c)), Code: cur.Code, Version: cur.Version, Flash: flash, Error: problem}
	if cur.Code != "" {
		d.JoinURL = siteOrigin(c) + "/join/" + cur.Code
	}
	return render(c, status, views.AdminJoin(d))
}

// adminJoinChange serves POST /admin/join: action=rotate (a new random
// code), action=set with code, or action=clear. The old code stops working
// at once here and, through a join-code notice, on every instance.
func (s *adminPages) adminJoinChange(c echo.Context) error {
	if s.join.gate == nil {
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
	j, err := s.join.gate.Set(ctx, code)
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
