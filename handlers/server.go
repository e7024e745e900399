// Package handlers is the HTTP face of the server: the JSON API, the
// server-rendered pages, the WebSocket upgrade and health endpoints, on echo.
package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/internal/budget"
	"github.com/placecanvas/place/joining"
	"github.com/placecanvas/place/netbans"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/teams"
)

// Options configure the HTTP server. Hub, Placements, NetworkBans and
// Sessions are required; the store roles are each the small interface the
// handlers use of it, so that a test passes only the roles its routes read
// (a nil role fails the route that needs it).
type Options struct {
	Config place.Config
	Hub    *realtime.Hub
	// Placements decides the placements of the form and the rollbacks,
	// with every rule of the game: the handlers never build their own.
	Placements *placing.Service
	// NetworkBans is the list of network bans in force, shared with the
	// placement service.
	NetworkBans *netbans.List

	// The store, by role.
	History    HistoryReader
	Accounts   Accounts
	Users      UserFinder
	Moderation Moderation
	Sessions   Sessions
	Counters   place.Counters
	Health     Health
	Secrets    place.Secrets
	Devices    place.Devices // which browsers each user used
	// NetworkBanList lists the bans for the moderators' page.
	NetworkBanList NetworkBanList
	// Sizes keeps the canvas's size and growths; Notices tells the other
	// instances of a growth.
	Sizes   place.Sizes
	Notices Notices

	Logger *slog.Logger
	// Event is the live state of the event (settings, schedule, areas);
	// Events stores its templates and final image (both nil: no event).
	Event  *event.Live
	Events EventAssets
	// AllowedOrigins are origins besides the site's own that may open
	// WebSockets and send state-changing requests.
	AllowedOrigins []string
	// TrustedProxies are the address ranges whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// GuestLimit is the number of new identities (guests and accounts,
	// together) per client address (IPv6: /64) per hour (0: no limit);
	// --identity-limit.
	GuestLimit int
	// NetworkAllowances replace GuestLimit for the addresses of some
	// networks (shared NATs).
	NetworkAllowances []NetworkAllowance
	// MaxConnsPerAddress and MaxConnsPerSession cap the live WebSockets and
	// SSE streams of one client address (IPv6: /64) and of one session on
	// each instance (0: no cap).
	MaxConnsPerAddress int
	MaxConnsPerSession int
	// MetricsElsewhere: /metrics is served on a listener of its own
	// (--metrics-listen), and the public one answers 404.
	MetricsElsewhere bool
	SecureCookies    bool
	Now              func() time.Time
	// BcryptCost is the bcrypt work factor (12; lower only in tests).
	BcryptCost int
	// EndsAt tells when the canvas closes, for the screen's countdown;
	// nil or ok=false when it has no end.
	EndsAt func() (end time.Time, ok bool)
	// Stats computes the statistics page and keeps the players' opt-out;
	// nil: no /stats.
	Stats place.StatsReader
	// Join is the join-code rule (nil: no join codes).
	Join *joining.Gate
	// Teams keeps the teams and the players' choices (nil: no teams).
	Teams *teams.Roster
	// Archive serves past canvases, timelapses and exports (off when nil).
	Archive place.Archive
	// PublicExport opens the history export (without user hashes) to
	// everyone; otherwise only admins may download it.
	PublicExport bool
	// Budget bounds the expensive responses (past canvases, overlays,
	// timelapses, exports, previews, template checks); nil: the defaults.
	Budget *budget.Budget
	// CostlyPerMinute is the per-address rate of expensive responses that
	// must be computed (0: DefaultCostlyPerMinute; negative: no limit).
	CostlyPerMinute int
	// TemplateHealth and Leaderboard are kept from the placement feed
	// (nil: no such routes); Names (the store's factions role) names their
	// players.
	TemplateHealth HealthTracker
	Leaderboard    Leaders
	Names          place.PublicNames
}

// check refuses Options without what every route needs.
func (o Options) check() error {
	var missing []string
	if o.Hub == nil {
		missing = append(missing, "Hub")
	}
	if o.Placements == nil {
		missing = append(missing, "Placements")
	}
	if o.NetworkBans == nil {
		missing = append(missing, "NetworkBans")
	}
	if o.Sessions == nil {
		missing = append(missing, "Sessions")
	}
	if len(missing) > 0 {
		return fmt.Errorf("handlers: Options.%s required", strings.Join(missing, ", Options."))
	}
	return nil
}

// Server is the HTTP face of the server: the handler groups, each with
// the dependencies it uses, and the routes that join them (routes.go).
type Server struct {
	web      *web
	play     *playPages
	history  *historyPages
	past     *timeTravel // nil without an archive
	accounts *accountPages
	teams    *teamPages
	admin    *adminPages
	suspects *suspectPages
	events   *eventPages // nil without a live event
	screen   *screenPages
	ops      *ops
	// Template health and the leaderboards (template_health.go,
	// leaderboard.go); each nil without it.
	health  *templateHealth
	leaders *leaderboardAPI
}

// New builds the Server; it refuses Options without a hub, a placement
// service, a network-ban list or sessions.
func New(opts Options) (*Server, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = 12
	}
	w := &web{
		clientNet: newClientNet(opts.TrustedProxies, opts.AllowedOrigins),
		log:       opts.Logger, now: opts.Now, sessions: newSessionManager(opts),
		users: opts.Users, userSessions: opts.Sessions,
		devices: &deviceCookies{secrets: opts.Secrets, seen: opts.Devices, secure: opts.SecureCookies, now: opts.Now, log: opts.Logger},
		csrf:    http.NewCrossOriginProtection(),
	}
	for _, o := range opts.AllowedOrigins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			_ = w.csrf.AddTrustedOrigin(o)
		}
	}
	canvas := liveCanvas{cfg: opts.Config, hub: opts.Hub}
	audits := auditLog{entries: opts.Moderation, clock: opts.Now}
	join := joinLink{gate: opts.Join}
	cs := newCostly(opts.Budget, opts.CostlyPerMinute)
	st := &streams{conns: newConnCap(opts.MaxConnsPerAddress, opts.MaxConnsPerSession), client: w.clientNet, cookie: w.sessions.Cookie.Name}
	own := &ownWrites{hub: opts.Hub, history: opts.History, log: opts.Logger}
	guests := &identities{web: w, guests: opts.Accounts, counters: opts.Counters, netBans: opts.NetworkBans,
		live: opts.Event, guestLimit: opts.GuestLimit, allowances: opts.NetworkAllowances}
	bans := &userBans{moderation: opts.Moderation, devices: opts.Devices, sessionIdx: opts.Sessions, store: w.sessions.Store}
	var stats *statsCache
	if opts.Stats != nil {
		stats = newStatsCache(opts.Stats, opts.Now, opts.Logger)
	}

	s := &Server{web: w}
	s.teams = &teamPages{web: w, auditLog: audits, guests: guests, roster: opts.Teams,
		list: &teamList{roster: opts.Teams, now: opts.Now}, stats: stats}
	s.play = &playPages{web: w, liveCanvas: canvas, guests: guests, placements: opts.Placements, live: opts.Event,
		history: opts.History, ownWrites: own, streams: st, teams: s.teams,
		panels: newPanelFeed(opts.Hub, opts.History, opts.Logger)}
	s.history = &historyPages{web: w, liveCanvas: canvas, history: opts.History, ownWrites: own}
	if opts.Archive != nil {
		s.past = newTimeTravel(w, canvas, opts.Archive, opts.Sizes, opts.PublicExport, cs)
	}
	s.accounts = &accountPages{web: w, guests: guests, accounts: opts.Accounts, sessionIdx: opts.Sessions,
		counters: opts.Counters, passwords: newPasswords(opts.BcryptCost), statsReader: opts.Stats, stats: stats,
		teams: s.teams, join: join}
	s.admin = &adminPages{web: w, liveCanvas: canvas, auditLog: audits, moderation: opts.Moderation,
		history: opts.History, placements: opts.Placements, bans: bans, sizes: opts.Sizes, notices: opts.Notices, join: join}
	s.suspects = &suspectPages{web: w, auditLog: audits, hub: opts.Hub, placements: opts.Placements,
		history: opts.History, bans: bans, netBans: opts.NetworkBans, networks: opts.NetworkBanList}
	s.health, s.leaders = factionHandlers(opts, s.teams.list.get)
	if opts.Event != nil && opts.Events != nil {
		s.events = &eventPages{web: w, liveCanvas: canvas, auditLog: audits, live: opts.Event, store: opts.Events,
			history: opts.History, placements: opts.Placements, costly: cs, health: s.health}
	}
	state := &screenState{hub: opts.Hub, now: opts.Now, endsAt: endsAt(opts.EndsAt, opts.Event), join: join}
	s.screen = &screenPages{web: w, liveCanvas: canvas, join: join, streams: st, state: state,
		feed: newFeed(screenInterval, state.frames), stats: stats}
	s.ops = &ops{web: w, hub: opts.Hub, health: opts.Health, metricsElsewhere: opts.MetricsElsewhere,
		draining: func() bool { return false }, started: func() bool { return true }}
	return s, nil
}

// newSessionManager is the scs manager over the store's sessions.
func newSessionManager(opts Options) *scs.SessionManager {
	sm := scs.New()
	sm.Store = unavailableSessions{opts.Sessions.Sessions()}
	sm.IdleTimeout = 24 * time.Hour
	sm.Lifetime = 30 * 24 * time.Hour
	sm.Cookie.Name = "session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = true
	if opts.SecureCookies {
		sm.Cookie.Secure = true
		sm.Cookie.Name = "__Host-session"
	}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		opts.Logger.Error("session store failed", "err", err, "path", r.URL.Path)
		writeJSONError(w, place.ErrUnavailable)
	}
	return sm
}

// SetDraining makes /readyz and every request but the health checks
// answer 503 while fn returns true (SIGTERM).
func (s *Server) SetDraining(fn func() bool) { s.ops.draining = fn }

// SetStarted makes every request but the health checks answer 503 until fn
// returns true (the canvas is loaded).
func (s *Server) SetStarted(fn func() bool) { s.ops.started = fn }

// Sessions returns the session manager (for tests and the auth handlers).
func (s *Server) Sessions() *scs.SessionManager { return s.web.sessions }

// DeviceID returns the id of the request's device cookie when its
// signature holds; ok is false when there is none, it was tampered with,
// or the signing key cannot be read.
func (s *Server) DeviceID(r *http.Request) (id string, ok bool) { return s.web.devices.DeviceID(r) }

// Handler returns the complete HTTP handler.
func (s *Server) Handler() http.Handler { return s.Routes() }

// CloseStreams ends the server's own SSE streams (the live panels, the
// screen's counters) and refuses new ones; call it when shutdown begins.
// The /api/v1/events streams end with the hub's Shutdown.
func (s *Server) CloseStreams() {
	s.play.panels.subs.Close()
	s.screen.feed.subs.Close()
}

// unavailableSessions marks every failure of the session store as the
// store being unavailable, so that whatever route meets it answers 503
// rather than 500.
type unavailableSessions struct{ place.SessionStore }

func (u unavailableSessions) Find(token string) ([]byte, bool, error) {
	b, found, err := u.SessionStore.Find(token)
	return b, found, sessionStoreError(err)
}

func (u unavailableSessions) Commit(token string, b []byte, expiry time.Time) error {
	return sessionStoreError(u.SessionStore.Commit(token, b, expiry))
}

func (u unavailableSessions) Delete(token string) error {
	return sessionStoreError(u.SessionStore.Delete(token))
}

func sessionStoreError(err error) error {
	if err == nil || place.ErrorCode(err) != place.EINTERNAL {
		return err
	}
	return fmt.Errorf("%w (session store: %v)", place.ErrUnavailable, err)
}
