package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/views"
)

// maxTemplateRequest bounds a template upload request: the image plus the
// form's other fields.
const maxTemplateRequest = event.MaxTemplateBytes + 64<<10

// adminTemplates serves GET /admin/templates.
func (s *eventPages) adminTemplates(c echo.Context) error {
	return s.renderTemplates(c, http.StatusOK, views.TemplateForm{X: "0", Y: "0"}, "")
}

func (s *eventPages) renderTemplates(c echo.Context, status int, form views.TemplateForm, errMsg string) error {
	list, err := s.store.Templates(s.ctx(c))
	if err != nil {
		return err
	}
	return render(c, status, views.AdminTemplates(views.AdminTemplatesData{
		User: infoOf(adminOf(c)), Templates: list, Width: s.canvasCfg().Width, Height: s.canvasCfg().Height,
		MaxBytes: event.MaxTemplateBytes, Form: form, Flash: s.sessions.PopString(s.ctx(c), keyFlash), Error: errMsg,
		Health: s.health.cells(),
	}))
}

// adminTemplateUpload serves POST /admin/templates (multipart: name, x, y,
// image). A file that is too large, not a PNG, off the palette or off the
// canvas is refused with the reason, and nothing is stored.
func (s *eventPages) adminTemplateUpload(c echo.Context) error {
	ctx := s.ctx(c)
	req := c.Request()
	form := views.TemplateForm{}
	if req.ContentLength > maxTemplateRequest {
		return s.renderTemplates(c, http.StatusRequestEntityTooLarge, form, tooLarge(req.ContentLength))
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, maxTemplateRequest)
	if err := req.ParseMultipartForm(maxTemplateRequest); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return s.renderTemplates(c, http.StatusRequestEntityTooLarge, form, tooLarge(-1))
		}
		return s.renderTemplates(c, http.StatusBadRequest, form, "Send the form as multipart/form-data with a PNG file.")
	}
	form = views.TemplateForm{
		Name: strings.TrimSpace(req.FormValue("name")), X: strings.TrimSpace(req.FormValue("x")), Y: strings.TrimSpace(req.FormValue("y")),
	}
	t, err := s.readTemplate(c, form)
	if err != nil {
		var e *place.Error
		if errors.As(err, &e) && e.Code == place.EVALIDATION {
			return s.renderTemplates(c, http.StatusBadRequest, form, e.Message)
		}
		return err
	}
	actor := adminOf(c)
	t.CreatedBy, t.CreatedAt = actor.ID, s.now()
	if t, err = s.store.AddTemplate(ctx, t); err != nil {
		return err
	}
	s.health.changed()
	detail := fmt.Sprintf("template %q (%d×%d at %d,%d)", t.Name, t.Width, t.Height, t.X, t.Y)
	if err := s.audit(ctx, actor, place.User{}, "template-add", detail); err != nil {
		return err
	}
	s.sessions.Put(ctx, keyFlash, "Uploaded "+t.Name+".")
	return c.Redirect(http.StatusSeeOther, "/admin/templates")
}

func tooLarge(n int64) string {
	if n > 0 {
		return fmt.Sprintf("The upload is %.1f MiB; a template may be at most 2 MiB.", float64(n)/(1<<20))
	}
	return "The upload is too large; a template may be at most 2 MiB."
}

// readTemplate checks the upload form's fields and image.
func (s *eventPages) readTemplate(c echo.Context, form views.TemplateForm) (place.Template, error) {
	t := place.Template{Name: form.Name}
	if t.Name == "" || utf8.RuneCountInString(t.Name) > place.MaxAreaNameLen {
		return t, place.Errorf(place.EVALIDATION, "Give the template a name of 1 to %d characters.", place.MaxAreaNameLen)
	}
	var err error
	if t.X, err = strconv.Atoi(form.X); err != nil {
		return t, place.Errorf(place.EVALIDATION, "x must be a whole number.")
	}
	if t.Y, err = strconv.Atoi(form.Y); err != nil {
		return t, place.Errorf(place.EVALIDATION, "y must be a whole number.")
	}
	fh, err := c.FormFile("image")
	if err != nil {
		return t, place.Errorf(place.EVALIDATION, "Choose a PNG file to upload.")
	}
	f, err := fh.Open()
	if err != nil {
		return t, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, event.MaxTemplateBytes+1))
	if err != nil {
		return t, err
	}
	// The header is checked before anything is decoded; the decoding runs
	// under the shared budget at the cost the header implies.
	cost, err := event.TemplateCost(data)
	if err != nil {
		return t, err
	}
	err = s.costly.underBudget(s.ctx(c), cost, func() (err error) {
		t.Width, t.Height, err = event.CheckTemplate(data, t.X, t.Y, s.canvasCfg().Width, s.canvasCfg().Height)
		return err
	})
	if err != nil {
		return t, err
	}
	t.PNG = data
	return t, nil
}

// adminTemplateDelete serves POST /admin/templates/{id}/delete.
func (s *eventPages) adminTemplateDelete(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return place.Errorf(place.ENOTFOUND, "No such template.")
	}
	t, err := s.store.DeleteTemplate(s.ctx(c), id)
	if err != nil {
		return err
	}
	s.health.changed()
	if err := s.audit(s.ctx(c), adminOf(c), place.User{}, "template-delete", fmt.Sprintf("template %q", t.Name)); err != nil {
		return err
	}
	s.sessions.Put(s.ctx(c), keyFlash, "Deleted "+t.Name+".")
	return c.Redirect(http.StatusSeeOther, "/admin/templates")
}

// templateEntry is one template in GET /api/v1/templates.
type templateEntry struct {
	place.Template
	Image string `json:"image"`
}

// templateList serves GET /api/v1/templates.
func (s *eventPages) templateList(c echo.Context) error {
	list, err := s.store.Templates(s.ctx(c))
	if err != nil {
		return err
	}
	out := make([]templateEntry, 0, len(list))
	for _, t := range list {
		out = append(out, templateEntry{Template: t, Image: views.TemplateImageURL(t.ID)})
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, map[string]any{"templates": out})
}

// templateImage serves GET /api/v1/templates/{id}/image.
func (s *eventPages) templateImage(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return place.Errorf(place.ENOTFOUND, "No such template.")
	}
	t, err := s.store.Template(s.ctx(c), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "image/png", t.PNG)
}
