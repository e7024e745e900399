package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// adminCanvas serves GET /admin/canvas: the size and the grow form.
func (s *adminPages) adminCanvas(c echo.Context) error {
	sz := s.canvasCfg().Size()
	form := views.CanvasSizeForm{Width: strconv.Itoa(sz.Width), Height: strconv.Itoa(sz.Height)}
	return s.renderCanvas(c, http.StatusOK, form, "")
}

func (s *adminPages) renderCanvas(c echo.Context, status int, form views.CanvasSizeForm, errMsg string) error {
	return s.renderCanvasPage(c, status, form, errMsg, nil)
}

// renderCanvasPreview shows the page with a preview of growing to size to.
func (s *adminPages) renderCanvasPreview(c echo.Context, form views.CanvasSizeForm, to place.Size) error {
	return s.renderCanvasPage(c, http.StatusOK, form, "", &to)
}

func (s *adminPages) renderCanvasPage(c echo.Context, status int, form views.CanvasSizeForm, errMsg string, preview *place.Size) error {
	ctx := s.ctx(c)
	growths, err := s.sizes.Growths(ctx)
	if err != nil {
		return err
	}
	return render(c, status, views.AdminCanvas(views.AdminCanvasData{
		User: infoOf(adminOf(c)), Size: s.canvasCfg().Size(), Growths: growths, Form: form,
		Flash: s.sessions.PopString(ctx, keyFlash), Error: errMsg, Preview: preview,
	}))
}

// parseGrowForm reads the new size: whole numbers only.
func parseGrowForm(f views.CanvasSizeForm) (place.Size, error) {
	w, errW := strconv.Atoi(f.Width)
	h, errH := strconv.Atoi(f.Height)
	if errW != nil || errH != nil {
		return place.Size{}, place.Errorf(place.EVALIDATION, "The width and height must be whole numbers of pixels, from the current size up to %d.", place.MaxSide)
	}
	return place.Size{Width: w, Height: h}, nil
}

// adminCanvasGrow serves POST /admin/canvas/grow (fields width, height).
// A refused size (not a whole number, smaller than now in either
// direction, the same, beyond place.MaxSide) changes nothing. Otherwise the
// store grows the canvas atomically with the placements, this instance's
// live canvas follows at once, every other instance within a second
// (notice place.NoticeGrow), each sending resize to its clients; the audit
// log records the old and new size.
func (s *adminPages) adminCanvasGrow(c echo.Context) error {
	ctx := s.ctx(c)
	form := views.CanvasSizeForm{Width: strings.TrimSpace(c.FormValue("width")), Height: strings.TrimSpace(c.FormValue("height"))}
	to, err := parseGrowForm(form)
	if err == nil {
		err = place.CheckGrowth(s.canvasCfg().Size(), to) // the store checks again, atomically
	}
	if err == nil && c.FormValue("preview") == "1" {
		// A preview changes nothing: the page shows the new size.
		return s.renderCanvasPreview(c, form, to)
	}
	var g place.Growth
	if err == nil {
		// The audit entry is written with the growth, in the same commit.
		actor, now := adminOf(c), s.now()
		g, err = s.sizes.Grow(ctx, to, now, place.AuditEntry{At: now, ActorID: actor.ID, ActorName: actor.Username, Action: "grow"})
	}
	var pe *place.Error
	if errors.As(err, &pe) && pe.Code == place.EVALIDATION {
		return s.renderCanvas(c, http.StatusBadRequest, form, pe.Message)
	}
	if err != nil {
		return err
	}
	s.hub.Grow(g.To)
	data, _ := json.Marshal(g.To)
	if err := s.notices.PublishNotice(ctx, place.Notice{Kind: place.NoticeGrow, Data: data}); err != nil {
		// Every other instance still learns of it from its first placement
		// beyond its canvas (realtime: broadcaster.enqueue) or at restart.
		s.log.Warn("publishing a canvas growth failed", "err", err)
	}
	s.sessions.Put(ctx, keyFlash, fmt.Sprintf("The canvas is now %d × %d.", g.To.Width, g.To.Height))
	return c.Redirect(http.StatusSeeOther, "/admin/canvas")
}
