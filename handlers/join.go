package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place/views"
)

// joinInfo is the join link shown to this visitor and its QR code.
func (s *Server) joinInfo(c echo.Context) views.JoinInfo {
	url := siteOrigin(c) + "/"
	return views.JoinInfo{URL: url, QR: "/join/qr.svg?v=" + s.joinVersion()}
}

// joinVersion changes whenever the join link changes.
func (s *Server) joinVersion() string { return "0" }

// siteOrigin is the scheme and host the visitor reached this server by
// (behind nginx, its Host header and X-Forwarded-Proto).
func siteOrigin(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}
