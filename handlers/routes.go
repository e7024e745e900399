package handlers

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/assets"
)

// Routes lists every route of the server in one place, by handler group
// (docs/architecture.md, "Handlers"). Routes that only read shared state
// (canvas, PNG, SSE streams, assets, health) do not load sessions, so a
// session store failure cannot break them and reads create no session.
func (s *Server) Routes() *echo.Echo {
	w := s.web
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = w.errorHandler
	e.Use(w.recoverPanics, w.logRequests, securityHeaders, s.ops.admit)

	// Reads answer HEAD as they answer GET (net/http drops the body), for
	// monitors and `curl -I`; the streams and the WebSocket answer GET only.
	read := []string{http.MethodGet, http.MethodHead}
	withSession := []echo.MiddlewareFunc{w.loadSession}
	// State-changing routes refuse cross-site requests (docs/protocol.md, "HTTP").
	changing := []echo.MiddlewareFunc{w.crossOriginProtection, bodyLimit(64 << 10), w.loadSession}
	// Moderation (docs/protocol.md, "HTTP"): admins only; the check runs after the session
	// is loaded, and for POSTs after the cross-site check.
	adminPage := append(withSession[:len(withSession):len(withSession)], w.requireAdmin)
	adminChange := append(changing[:len(changing):len(changing)], w.requireAdmin)
	api := e.Group("/api/v1")

	// Playing (play.go): the canvas page, the form, the socket, the canvas.
	// A past canvas (?at=) is time travel's, when there is an archive.
	p := s.play
	e.Match(read, "/", p.index, withSession...)
	e.POST("/place", p.placeByForm, changing...)
	e.GET("/ws", p.websocket)
	e.GET("/panels/events", p.panelEvents)
	api.Match(read, "/canvas", s.withPast(p.canvasBinary, func(t *timeTravel) echo.HandlerFunc { return t.canvasAtBinary }))
	api.Match(read, "/canvas.png", s.withPast(p.canvasPNG, func(t *timeTravel) echo.HandlerFunc { return t.canvasAtPNG }))
	api.Match(read, "/canvas/info", p.canvasInfo)
	api.GET("/events", p.events)
	api.POST("/session", p.startPlaying, changing...)

	// History (history.go, history_pages.go).
	h := s.history
	e.Match(read, "/history", h.historyPage, withSession...)
	e.Match(read, "/history/recent", h.recentPage, withSession...)
	api.Match(read, "/history/pixel", h.pixelHistory, withSession...) // moderators see every placer

	// Time travel (timetravel.go, timelapse_page.go, export.go): the
	// timelapse page and its downloads, open data and overlays.
	if t := s.past; t != nil {
		e.Match(read, "/timelapse", t.timelapsePage, withSession...)
		api.Match(read, "/history/summary", t.historySummary)
		api.Match(read, "/timelapse.gif", t.timelapseGIF)
		api.Match(read, "/export/history.csv.gz", t.exportCSV, withSession...)
		api.Match(read, "/overlay/heatmap.png", t.heatmapPNG)
		api.Match(read, "/overlay/virgin.png", t.virginPNG)
	}

	// Accounts (auth.go, auth_pages.go, account.go, join.go).
	a := s.accounts
	api.Match(read, "/auth/me", a.me, withSession...)
	api.POST("/auth/register", a.apiRegister, changing...)
	api.POST("/auth/login", a.apiLogin, changing...)
	api.POST("/auth/logout", a.apiLogout, changing...)
	e.Match(read, "/login", a.loginPage, withSession...)
	e.POST("/login", a.loginSubmit, changing...)
	e.Match(read, "/register", a.registerPage, withSession...)
	e.POST("/register", a.registerSubmit, changing...)
	e.POST("/logout", a.logoutSubmit, changing...)
	e.Match(read, "/account", a.accountPage, withSession...)
	e.POST("/account/stats", a.accountStats, changing...)
	e.Match(read, "/join", a.joinPage, withSession...)
	e.POST("/join", a.joinByForm, changing...)
	e.Match(read, "/join/:code", a.joinByLink, withSession...)

	// Teams (teams.go, admin_teams.go), when there are teams.
	if t := s.teams; t.roster != nil {
		e.Match(read, "/api/v1/teams", t.teamsAPI, withSession...)
		e.POST("/api/v1/team", t.pickTeamAPI, changing...)
		e.POST("/team", t.pickTeamByForm, changing...)
		e.Match(read, "/admin/teams", t.adminTeams, adminPage...)
		e.POST("/admin/teams", t.adminTeamCreate, adminChange...)
		e.POST("/admin/teams/:id", t.adminTeamUpdate, adminChange...)
		e.POST("/admin/teams/:id/delete", t.adminTeamDelete, adminChange...)
	}

	// Admin (admin.go, admin_canvas.go, admin_join.go).
	ad := s.admin
	e.Match(read, "/admin", ad.adminOverview, adminPage...)
	e.Match(read, "/admin/users", ad.adminUsers, adminPage...)
	e.Match(read, "/admin/users/:id", ad.adminUser, adminPage...)
	e.POST("/admin/users/:id/ban", ad.adminBan, adminChange...)
	e.POST("/admin/users/:id/unban", ad.adminUnban, adminChange...)
	e.POST("/admin/users/:id/rollback", ad.adminRollback, adminChange...)
	e.Match(read, "/admin/audit", ad.adminAudit, adminPage...)
	e.Match(read, "/admin/canvas", ad.adminCanvas, adminPage...)
	e.POST("/admin/canvas/grow", ad.adminCanvasGrow, adminChange...)
	e.POST("/admin/canvas/undo", ad.adminCanvasUndo, adminChange...)
	e.Match(read, "/admin/join", ad.adminJoin, adminPage...)
	e.POST("/admin/join", ad.adminJoinChange, adminChange...)

	// Suspects and network bans (admin_suspects.go, admin_group_ban.go,
	// admin_networks.go).
	su := s.suspects
	e.Match(read, "/admin/networks", su.adminNetworks, adminPage...)
	e.POST("/admin/networks", su.adminBanNetwork, adminChange...)
	e.POST("/admin/networks/:id/lift", su.adminLiftNetworkBan, adminChange...)
	e.Match(read, "/admin/suspects", su.adminSuspects, adminPage...)
	e.Match(read, "/admin/suspects/list", su.adminSuspectsList, adminPage...)
	e.Match(read, "/admin/suspects/group", su.adminSuspectGroup, adminPage...)
	e.POST("/admin/suspects/group", su.adminSuspectAction, adminChange...)

	// The event (event_settings.go, event_areas.go, event_templates.go,
	// areas_public.go), when there is a live event state.
	if ev := s.events; ev != nil {
		e.Match(read, "/admin/settings", ev.adminSettings, adminPage...)
		e.POST("/admin/settings", ev.adminSettingsSave, adminChange...)
		e.POST("/admin/settings/state", ev.adminSettingsState, adminChange...)
		e.Match(read, "/admin/areas", ev.adminAreas, adminPage...)
		e.POST("/admin/areas/protect", ev.adminProtect, adminChange...)
		e.POST("/admin/areas/:id/delete", ev.adminUnprotect, adminChange...)
		e.POST("/admin/areas/wipe", ev.adminWipe, adminChange...)
		e.POST("/admin/areas/rollback", ev.adminAreaRollback, adminChange...)
		e.Match(read, "/admin/templates", ev.adminTemplates, adminPage...)
		// The upload sets its own, larger body limit.
		e.POST("/admin/templates", ev.adminTemplateUpload, w.crossOriginProtection, w.loadSession, w.requireAdmin)
		e.POST("/admin/templates/:id/delete", ev.adminTemplateDelete, adminChange...)
		api.Match(read, "/event", ev.eventState)
		api.Match(read, "/canvas/final.png", ev.finalImage)
		api.Match(read, "/templates", ev.templateList)
		api.Match(read, "/areas", ev.areaList)
		api.Match(read, "/templates/:id/image", ev.templateImage)
	}

	// Template health and the leaderboards (template_health.go,
	// leaderboard.go), each when it is kept.
	if hl := s.health; hl != nil {
		api.Match(read, "/templates/health", hl.list)
		api.Match(read, "/templates/:id/health", hl.get)
	}
	if l := s.leaders; l != nil {
		api.Match(read, "/leaderboard", l.get)
	}

	// The screen, its join code and the statistics (screen.go, qr.go, stats.go).
	sc := s.screen
	e.Match(read, "/screen", sc.screenPage, withSession...)
	e.GET("/screen/events", sc.screenEvents)
	e.Match(read, "/screen/join", sc.screenJoin, withSession...)
	e.Match(read, "/join/qr.svg", sc.joinQR, withSession...)
	e.Match(read, "/join/qr.png", sc.joinQR, withSession...)
	e.Match(read, "/stats", sc.statsPage, withSession...)

	// Running the server (health.go, metrics.go) and the static files.
	e.Match(read, "/healthz", s.ops.healthz)
	e.Match(read, "/readyz", s.ops.readyz)
	e.Match(read, "/metrics", s.ops.metrics, withSession...)
	e.Match(read, "/assets/*", serveAssets(assets.Handler()))
	e.Match(read, "/favicon.ico", favicon)
	return e
}

// withPast serves a canvas route as it is now, or, with ?at= and an
// archive, as it was then.
func (s *Server) withPast(now echo.HandlerFunc, past func(*timeTravel) echo.HandlerFunc) echo.HandlerFunc {
	if s.past == nil {
		return now
	}
	then := past(s.past)
	return func(c echo.Context) error {
		if c.QueryParams().Has("at") {
			return then(c)
		}
		return now(c)
	}
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

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
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
