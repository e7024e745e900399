package handlers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/views"
)

// adminAreas serves GET /admin/areas.
func (s *eventPages) adminAreas(c echo.Context) error {
	form := views.AreaForm{X: "0", Y: "0", W: "10", H: "10", Since: s.now().Add(-time.Hour).UTC().Format(time.RFC3339)}
	return s.renderAreas(c, http.StatusOK, form, "")
}

func (s *eventPages) renderAreas(c echo.Context, status int, form views.AreaForm, errMsg string) error {
	return render(c, status, views.AdminAreas(views.AdminAreasData{
		User: infoOf(adminOf(c)), Areas: s.live.Event().Areas, Width: s.canvasCfg().Width, Height: s.canvasCfg().Height,
		Form: form, Palette: place.Palette, Flash: s.sessions.PopString(s.ctx(c), keyFlash), Error: errMsg,
	}))
}

func areaForm(c echo.Context) views.AreaForm {
	f := views.AreaForm{
		X: strings.TrimSpace(c.FormValue("x")), Y: strings.TrimSpace(c.FormValue("y")),
		W: strings.TrimSpace(c.FormValue("w")), H: strings.TrimSpace(c.FormValue("h")),
		Name: strings.TrimSpace(c.FormValue("name")), Since: strings.TrimSpace(c.FormValue("since")),
		UserName: strings.TrimSpace(c.FormValue("user")),
	}
	f.Color, _ = strconv.Atoi(c.FormValue("color"))
	return f
}

// rect reads the form's rectangle and checks it against the canvas.
func (s *eventPages) formRect(f views.AreaForm) (place.Rect, error) {
	var r place.Rect
	for _, v := range []struct {
		dst   *int
		text  string
		label string
	}{{&r.X, f.X, "x"}, {&r.Y, f.Y, "y"}, {&r.W, f.W, "width"}, {&r.H, f.H, "height"}} {
		n, err := strconv.Atoi(v.text)
		if err != nil {
			return r, place.Errorf(place.EVALIDATION, "The rectangle's %s must be a whole number.", v.label)
		}
		*v.dst = n
	}
	return r, r.Validate(s.canvasCfg().Width, s.canvasCfg().Height)
}

// areaFailed shows the areas page again with a validation message.
func (s *eventPages) areaFailed(c echo.Context, form views.AreaForm, err error) error {
	var e *place.Error
	if errors.As(err, &e) && e.Code == place.EVALIDATION {
		return s.renderAreas(c, http.StatusBadRequest, form, e.Message)
	}
	return err
}

func (s *eventPages) afterAreas(c echo.Context, msg string) error {
	s.sessions.Put(s.ctx(c), keyFlash, msg)
	return c.Redirect(http.StatusSeeOther, "/admin/areas")
}

// adminProtect serves POST /admin/areas/protect.
func (s *eventPages) adminProtect(c echo.Context) error {
	ctx := s.ctx(c)
	form := areaForm(c)
	r, err := s.formRect(form)
	if err == nil && (form.Name == "" || utf8.RuneCountInString(form.Name) > place.MaxAreaNameLen) {
		err = place.Errorf(place.EVALIDATION, "Give the area a name of 1 to %d characters.", place.MaxAreaNameLen)
	}
	if err != nil {
		return s.areaFailed(c, form, err)
	}
	actor := adminOf(c)
	a, err := s.live.AddArea(ctx, place.Area{Name: form.Name, Rect: r, CreatedBy: actor.ID, CreatedAt: s.now()}, s.canvasCfg().Width, s.canvasCfg().Height)
	if err != nil {
		return s.areaFailed(c, form, err)
	}
	detail := fmt.Sprintf("protected %q: %s", a.Name, rectText(r))
	if err := s.audit(ctx, actor, place.User{}, "protect", detail); err != nil {
		return err
	}
	return s.afterAreas(c, "Protected "+a.Name+".")
}

func rectText(r place.Rect) string {
	return fmt.Sprintf("%d×%d at %d,%d", r.W, r.H, r.X, r.Y)
}

// adminUnprotect serves POST /admin/areas/{id}/delete.
func (s *eventPages) adminUnprotect(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return place.Errorf(place.ENOTFOUND, "No such protected area.")
	}
	a, err := s.live.DeleteArea(s.ctx(c), id)
	if err != nil {
		return err
	}
	if err := s.audit(s.ctx(c), adminOf(c), place.User{}, "unprotect", fmt.Sprintf("lifted %q: %s", a.Name, rectText(a.Rect))); err != nil {
		return err
	}
	return s.afterAreas(c, "Lifted the protection of "+a.Name+".")
}

// adminWipe serves POST /admin/areas/wipe: paints the rectangle one color.
// The first POST previews; the one with confirm=1 does it.
func (s *eventPages) adminWipe(c echo.Context) error {
	form := areaForm(c)
	r, err := s.formRect(form)
	if err == nil && (form.Color < 0 || form.Color >= place.ColorCount || c.FormValue("color") == "") {
		err = place.Errorf(place.EVALIDATION, "Choose a color of the palette.")
	}
	if err != nil {
		return s.areaFailed(c, form, err)
	}
	canvas, sz, _ := s.hub.SizedCanvas()
	color := uint8(form.Color)
	// The preview counts and draws the wipe without making its plan (a
	// whole 4096² canvas would be 16 Mi pixels of it).
	change := areaPlan{
		count: func() int { return event.WipeCount(canvas, sz.Width, r, color) },
		after: func() ([]byte, error) { return event.WipedRegionPNG(r, color) },
		plan:  func() []place.Pixel { return event.WipePlan(canvas, sz.Width, r, color) },
	}
	detail := fmt.Sprintf("wiped %s to %s", rectText(r), place.ColorName(form.Color))
	return s.areaChange(c, "wipe", "Wipe "+rectText(r)+" to "+place.ColorName(form.Color), r, canvas, sz.Width, change, detail,
		[]string{"x", form.X, "y", form.Y, "w", form.W, "h", form.H, "color", strconv.Itoa(form.Color)})
}

// adminAreaRollback serves POST /admin/areas/rollback: undoes every
// placement in the rectangle since a time, optionally by one user.
func (s *eventPages) adminAreaRollback(c echo.Context) error {
	ctx := s.ctx(c)
	form := areaForm(c)
	r, err := s.formRect(form)
	var since time.Time
	if err == nil {
		since, err = parseSince(form.Since)
	}
	var userID, who string
	if err == nil && form.UserName != "" {
		u, uerr := s.users.UserByName(ctx, form.UserName)
		if place.ErrorCode(uerr) == place.ENOTFOUND {
			uerr = place.Errorf(place.EVALIDATION, "There is no user named %q.", form.UserName)
		}
		err = uerr
		userID, who = u.ID, " by "+u.Username
	}
	if err != nil {
		return s.areaFailed(c, form, err)
	}
	if err := s.waitHistory(ctx); err != nil {
		return err
	}
	plan, err := s.store.AreaRollbackPlan(ctx, r, since, userID)
	if err != nil {
		return err
	}
	canvas, sz, _ := s.hub.SizedCanvas()
	sinceText := since.UTC().Format(time.RFC3339Nano)
	detail := fmt.Sprintf("rolled back %s: placements%s since %s", rectText(r), who, sinceText)
	change := areaPlan{
		count: func() int { return len(plan) },
		after: func() ([]byte, error) { return event.RegionAfterPNG(canvas, sz.Width, r, plan) },
		plan:  func() []place.Pixel { return plan },
	}
	return s.areaChange(c, "rollback", "Roll back "+rectText(r), r, canvas, sz.Width, change, detail,
		[]string{"x", form.X, "y", form.Y, "w", form.W, "h", form.H, "since", sinceText, "user", form.UserName})
}

// waitHistory waits until history holds every placement broadcast so far
// (cluster mode's history lags the canvas by a moment).
func (s *eventPages) waitHistory(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return s.history.WaitHistory(wctx, s.hub.Seq())
}

// areaPlan is a change of an area: the number of pixels it changes, the
// image of the area after it, and its pixels (made only to apply it).
type areaPlan struct {
	count func() int
	after func() ([]byte, error)
	plan  func() []place.Pixel
}

// areaChange previews the change (before and after images of r, and a
// count), under the shared budget, or, with confirm=1, applies it as
// rollback placements with new seqs and audits it. canvas is the live
// canvas, width wide; fields are the form's name/value pairs to send again.
func (s *eventPages) areaChange(c echo.Context, action, title string, r place.Rect, canvas []byte, width int, change areaPlan, detail string, fields []string) error {
	ctx := s.ctx(c)
	if c.FormValue("confirm") != "1" {
		var before, after []byte
		var count int
		err := s.costly.underBudget(ctx, event.PreviewCost(r), func() (err error) {
			count = change.count()
			if before, err = event.RegionPNG(canvas, width, r); err != nil {
				return err
			}
			after, err = change.after()
			return err
		})
		if err != nil {
			return err
		}
		d := views.AreaPreviewData{
			User: infoOf(adminOf(c)), Action: action, Title: title, Rect: r, Count: count,
			Before: dataURL(before), After: dataURL(after), Hidden: map[string]string{},
		}
		for i := 0; i+1 < len(fields); i += 2 {
			d.HiddenOrder = append(d.HiddenOrder, fields[i])
			d.Hidden[fields[i]] = fields[i+1]
		}
		return render(c, http.StatusOK, views.AreaPreview(d))
	}
	plan := change.plan()
	actor := adminOf(c)
	placed, err := s.placements.Rollback(ctx, actor.ID, plan)
	if err != nil {
		return err
	}
	detail = fmt.Sprintf("%s (%d pixels)", detail, len(placed))
	if err := s.audit(ctx, actor, place.User{}, "area-"+action, detail); err != nil {
		return err
	}
	return s.afterAreas(c, "Done: "+detail+".")
}

func dataURL(png []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}
