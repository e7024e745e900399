package handlers

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// render writes a templ component into a buffer first, so that a rendering
// error still becomes a clean error response.
func render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// wantsHTML reports whether an error should be shown as a page: always on
// the pages themselves, elsewhere when the client asks for HTML.
func wantsHTML(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/ws" || r.URL.Path == "/metrics" {
		return false
	}
	if isPage(r.URL.Path) {
		return true
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html") || r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// isPage reports whether path is a server-rendered page whose errors are
// pages whatever the Accept header says.
func isPage(path string) bool {
	return path == "/" || path == "/place" || path == "/history" || strings.HasPrefix(path, "/history/") || path == "/timelapse"
}

func (s *Server) renderErrorPage(c echo.Context, err error) {
	status, body := toAPIError(err)
	if body.RemainingSeconds > 0 {
		c.Response().Header().Set("Retry-After", itoa(body.RemainingSeconds))
	}
	_ = render(c, status, views.ErrorPage(views.ErrorData{Status: status, Code: string(body.Code), Message: body.Message, User: s.viewUser(c)}))
}

// viewUser returns the signed-in user for page chrome, or nil.
func (s *Server) viewUser(c echo.Context) *views.UserInfo {
	ctx := s.ctx(c)
	if loaded, _ := ctx.Value(sessionLoadedKey{}).(bool); !loaded {
		return nil // a route without sessions (an error page for an asset, say)
	}
	u, ok, err := s.currentUser(ctx)
	if err != nil || !ok {
		return nil
	}
	return &views.UserInfo{ID: u.ID, Username: u.Username, IsGuest: u.IsGuest, IsAdmin: u.IsAdmin}
}

// pageData is the data of the canvas page.
func (s *Server) pageData(c echo.Context, flash string) views.PageData {
	return views.PageData{
		Title:           "Canvas",
		User:            s.viewUser(c),
		Width:           s.canvasCfg().Width,
		Height:          s.canvasCfg().Height,
		CooldownSeconds: int(s.cooldown().Seconds()),
		Palette:         place.Palette,
		Flash:           flash,
		EventNotice:     s.eventNotice(),
		EventFinal:      s.live != nil && s.live.FinalKept(),
	}
}

// index serves the canvas page. After a placement by the no-JS form it
// shows the outcome (a flash kept in the session for one page view) and
// keeps the form filled in for the next pixel.
func (s *Server) index(c echo.Context) error {
	ctx := s.ctx(c)
	d := s.pageData(c, s.sessions.PopString(ctx, keyPlaceFlash))
	if x, y, ok := s.placedParam(c); ok {
		d.FormX, d.FormY = x, y
		d.FormColor = s.sessions.GetInt(ctx, keyFormColor)
		// The flash is the outcome of that placement: mark the pixel on the image.
		d.Placed = d.Flash != ""
	}
	d.Panels = s.panelsData(ctx)
	d.Teams = s.pickerData(c, "")
	return render(c, http.StatusOK, views.CanvasPage(d))
}

// me serves GET /api/v1/auth/me. A visitor without a session is reported as
// an anonymous guest-to-be rather than getting a session created by a read.
func (s *Server) me(c echo.Context) error {
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
