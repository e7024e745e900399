package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/assets"
)

// Routes lists every route of the server in one place. Routes that only
// read shared state (canvas, PNG, SSE streams, assets, health) do not load sessions,
// so a session store failure cannot break them and reads create no session.
func (s *Server) Routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.errorHandler
	e.Use(s.recoverPanics, s.logRequests, s.securityHeaders)

	withSession := []echo.MiddlewareFunc{s.loadSession}
	// State-changing routes refuse cross-site requests (SPEC §7).
	changing := []echo.MiddlewareFunc{s.crossOriginProtection, middleware.BodyLimit("64K"), s.loadSession}

	e.GET("/", s.index, withSession...)
	e.POST("/place", s.placeByForm, changing...)
	e.GET("/history", s.historyPage, withSession...)
	e.GET("/history/recent", s.recentPage, withSession...)
	e.GET("/panels/events", s.panelEvents)
	e.GET("/ws", s.websocket)

	api := e.Group("/api/v1")
	api.GET("/canvas", s.canvasBinary)
	api.GET("/canvas.png", s.canvasPNG)
	api.GET("/canvas/info", s.canvasInfo)
	api.GET("/history/pixel", s.pixelHistory)
	api.GET("/events", s.events)
	api.GET("/auth/me", s.me, withSession...)
	api.POST("/auth/register", s.apiRegister, changing...)
	api.POST("/auth/login", s.apiLogin, changing...)
	api.POST("/auth/logout", s.apiLogout, changing...)

	e.GET("/login", s.loginPage, withSession...)
	e.POST("/login", s.loginSubmit, changing...)
	e.GET("/register", s.registerPage, withSession...)
	e.POST("/register", s.registerSubmit, changing...)
	e.POST("/logout", s.logoutSubmit, changing...)

	// Moderation (SPEC §7): admins only; the check runs after the session
	// is loaded, and for POSTs after the cross-site check.
	adminPage := append(withSession[:len(withSession):len(withSession)], s.requireAdmin)
	adminChange := append(changing[:len(changing):len(changing)], s.requireAdmin)
	e.GET("/admin", s.adminOverview, adminPage...)
	e.GET("/admin/users", s.adminUsers, adminPage...)
	e.GET("/admin/users/:id", s.adminUser, adminPage...)
	e.POST("/admin/users/:id/ban", s.adminBan, adminChange...)
	e.POST("/admin/users/:id/unban", s.adminUnban, adminChange...)
	e.POST("/admin/users/:id/rollback", s.adminRollback, adminChange...)
	e.GET("/admin/audit", s.adminAudit, adminPage...)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.Handler()))
	e.GET("/assets/*", echo.WrapHandler(assets.Handler()))
	return e
}

// crossOriginProtection refuses cross-site state-changing requests with
// 403 FORBIDDEN, as net/http's CrossOriginProtection decides.
func (s *Server) crossOriginProtection(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.csrf.Check(c.Request()); err != nil {
			return place.Errorf(place.EFORBIDDEN, "Cross-site requests are not allowed.")
		}
		return next(c)
	}
}

func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic in handler", "panic", r, "path", c.Request().URL.Path)
				err = place.Errorf(place.EINTERNAL, "Internal error.")
			}
		}()
		return next(c)
	}
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.log.Debug("request", "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", c.Response().Status, "duration", time.Since(start), "ip", s.clientIP(c.Request()).String())
		return nil
	}
}

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		return next(c)
	}
}
