package handlers

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

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
	e.Use(s.recoverPanics, s.logRequests, s.securityHeaders, s.admit)

	// Reads answer HEAD as they answer GET (net/http drops the body), for
	// monitors and `curl -I`; the streams and the WebSocket answer GET only.
	read := []string{http.MethodGet, http.MethodHead}
	withSession := []echo.MiddlewareFunc{s.loadSession}
	// State-changing routes refuse cross-site requests (docs/protocol.md, "HTTP").
	changing := []echo.MiddlewareFunc{s.crossOriginProtection, bodyLimit(64 << 10), s.loadSession}

	e.Match(read, "/", s.index, withSession...)
	e.POST("/place", s.placeByForm, changing...)
	e.Match(read, "/history", s.historyPage, withSession...)
	e.Match(read, "/history/recent", s.recentPage, withSession...)
	e.GET("/panels/events", s.panelEvents)
	e.Match(read, "/screen", s.screenPage, withSession...)
	e.GET("/screen/events", s.screenEvents)
	e.Match(read, "/screen/join", s.screenJoin, withSession...)
	e.Match(read, "/join/qr.svg", s.joinQR, withSession...)
	e.Match(read, "/join/qr.png", s.joinQR, withSession...)
	e.Match(read, "/join", s.joinPage, withSession...)
	e.POST("/join", s.joinByForm, changing...)
	e.Match(read, "/join/:code", s.joinByLink, withSession...)
	e.Match(read, "/stats", s.statsPage, withSession...)
	e.Match(read, "/account", s.accountPage, withSession...)
	e.POST("/account/stats", s.accountStats, changing...)
	e.GET("/ws", s.websocket)

	api := e.Group("/api/v1")
	api.Match(read, "/canvas", s.canvasBinary)
	api.Match(read, "/canvas.png", s.canvasPNG)
	api.Match(read, "/canvas/info", s.canvasInfo)
	api.Match(read, "/history/pixel", s.pixelHistory, withSession...) // moderators see every placer
	api.GET("/events", s.events)
	api.Match(read, "/auth/me", s.me, withSession...)
	if s.healthAPI != nil {
		api.Match(read, "/templates/health", s.healthAPI.list)
		api.Match(read, "/templates/:id/health", s.healthAPI.get)
	}
	if s.leadersAPI != nil {
		api.Match(read, "/leaderboard", s.leadersAPI.get)
	}
	api.POST("/session", s.startPlaying, changing...)
	api.POST("/auth/register", s.apiRegister, changing...)
	api.POST("/auth/login", s.apiLogin, changing...)
	api.POST("/auth/logout", s.apiLogout, changing...)

	e.Match(read, "/login", s.loginPage, withSession...)
	e.POST("/login", s.loginSubmit, changing...)
	e.Match(read, "/register", s.registerPage, withSession...)
	e.POST("/register", s.registerSubmit, changing...)
	e.POST("/logout", s.logoutSubmit, changing...)

	// Moderation (docs/protocol.md, "HTTP"): admins only; the check runs after the session
	// is loaded, and for POSTs after the cross-site check.
	adminPage := append(withSession[:len(withSession):len(withSession)], s.requireAdmin)
	adminChange := append(changing[:len(changing):len(changing)], s.requireAdmin)
	e.Match(read, "/admin", s.adminOverview, adminPage...)
	e.Match(read, "/admin/users", s.adminUsers, adminPage...)
	e.Match(read, "/admin/users/:id", s.adminUser, adminPage...)
	e.POST("/admin/users/:id/ban", s.adminBan, adminChange...)
	e.POST("/admin/users/:id/unban", s.adminUnban, adminChange...)
	e.POST("/admin/users/:id/rollback", s.adminRollback, adminChange...)
	e.Match(read, "/admin/audit", s.adminAudit, adminPage...)
	e.Match(read, "/admin/canvas", s.adminCanvas, adminPage...)
	e.POST("/admin/canvas/grow", s.adminCanvasGrow, adminChange...)
	e.Match(read, "/admin/join", s.adminJoin, adminPage...)
	e.POST("/admin/join", s.adminJoinChange, adminChange...)
	s.eventRoutes(e, adminPage, adminChange)
	s.adminTeamRoutes(e, adminPage, adminChange)
	s.teamRoutes(e, withSession, changing)

	// Time travel: past canvases (?at= on the canvas routes above), the
	// timelapse page and its downloads, open data and overlays.
	if s.tt != nil {
		e.Match(read, "/timelapse", s.timelapsePage, withSession...)
		api.Match(read, "/history/summary", s.historySummary)
		api.Match(read, "/timelapse.gif", s.timelapseGIF)
		api.Match(read, "/export/history.csv.gz", s.exportCSV, withSession...)
		api.Match(read, "/overlay/heatmap.png", s.heatmapPNG)
		api.Match(read, "/overlay/virgin.png", s.virginPNG)
	}
	e.Match(read, "/admin/networks", s.adminNetworks, adminPage...)
	e.POST("/admin/networks", s.adminBanNetwork, adminChange...)
	e.POST("/admin/networks/:id/lift", s.adminLiftNetworkBan, adminChange...)
	e.Match(read, "/admin/suspects", s.adminSuspects, adminPage...)
	e.Match(read, "/admin/suspects/list", s.adminSuspectsList, adminPage...)
	e.Match(read, "/admin/suspects/group", s.adminSuspectGroup, adminPage...)
	e.POST("/admin/suspects/group", s.adminSuspectAction, adminChange...)

	e.Match(read, "/healthz", s.healthz)
	e.Match(read, "/readyz", s.readyz)
	e.Match(read, "/metrics", s.metrics, withSession...)
	e.Match(read, "/assets/*", serveAssets(assets.Handler()))
	e.Match(read, "/favicon.ico", favicon)
	return e
}

// bodyLimit refuses a request body over limit bytes with 413, whether its
// length was announced or it came chunked: the body (small by then) is
// read in full before the handler runs.
func bodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return errBodyTooLarge
			}
			b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
			if err != nil {
				return place.Errorf(place.EVALIDATION, "The request body could not be read.")
			}
			if int64(len(b)) > limit {
				return errBodyTooLarge
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			return next(c)
		}
	}
}

var errBodyTooLarge = &statusError{place.Errorf(place.EVALIDATION, "The request body is too large (64 KiB at most)."), http.StatusRequestEntityTooLarge}

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

// serveAssets serves the embedded files; anything else under /assets/ (an
// old version, a directory, a path that climbs out) is the server's usual
// 404 rather than the file server's plain-text one.
func serveAssets(files http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !assets.Exists(c.Request().URL.Path) {
			return place.Errorf(place.ENOTFOUND, "Not found.")
		}
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// favicon serves GET /favicon.ico, which browsers ask for on their own
// (a raw GIF or PNG in a tab, bookmarks): the site's icon, as a PNG.
func favicon(c echo.Context) error {
	b, err := fs.ReadFile(assets.FS, "icons/icon-192.png")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", b)
}
