package handlers

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

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

func (w *web) renderErrorPage(c echo.Context, err error) {
	status, body := toAPIError(err)
	if body.RemainingSeconds > 0 {
		c.Response().Header().Set("Retry-After", itoa(body.RemainingSeconds))
	}
	_ = render(c, status, views.ErrorPage(views.ErrorData{Status: status, Code: string(body.Code), Message: body.Message, User: w.viewUser(c)}))
}
