// Package handlers is the HTTP face of the server: the JSON API, the
// server-rendered pages, the WebSocket upgrade and health endpoints, on echo.
package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/internal/budget"
	"github.com/placecanvas/place/joining"
	"github.com/placecanvas/place/netbans"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/teams"
)

// Options configure the HTTP server.
type Options struct {
	Config place.Config
	Store  place.Store
	Hub    *realtime.Hub
	// Placements decides the placements of the form and the rollbacks
	// (default: a service over Store).
	Placements *placing.Service
	Logger     *slog.Logger
	// Event is the live state of the event (settings, schedule, areas);
	// Events stores it with the templates and the final image.
	Event  *event.Live
	Events place.Events
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
	// NetworkBans is the list of network bans in force, shared with the
	// placement service (default: a list over Store).
	NetworkBans *netbans.List
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
	// (nil: no such routes); Names names their players.
	TemplateHealth HealthTracker
	Leaderboard    Leaders
	Names          place.PublicNames
}

// Server holds every dependency of the handlers.
type Server struct {
	opts       Options
	cfg        place.Config
	history    HistoryReader
	accounts   Accounts
	moderation Moderation
	sessionIdx Sessions
	counters   place.Counters
	health     Health
	hub        *realtime.Hub
	placements *placing.Service
	live       *event.Live
	eventStore place.Events
	log        *slog.Logger
	sessions   *scs.SessionManager
	passwords  *passwords
	csrf       *http.CrossOriginProtection
	origins    map[string]bool
	now        func() time.Time
	png        pngCache
	draining   func() bool
	started    func() bool
	panels     *panelFeed
	tt         *timeTravel // nil without an archive
	costly     *costly     // the budget, cache and rate of expensive responses
	// historySeen is a seq up to which history is known to be readable
	// (see awaitOwnWrites).
	historySeen atomic.Uint64
	// The projector screen's live counters.
	screen      *panelFeed
	screenState *screenState
	// The statistics page's cache and the opt-out setting.
	stats       *statsCache
	statsReader place.StatsReader
	join        *joining.Gate
	teams       *teams.Roster
	teamList    *teamList
	secrets     place.Secrets
	networks    place.NetworkBans // moderators' bans of networks
	conns       *connCap
	devices     deviceKeys
	netBans     *netbans.List
	deviceLog   place.Devices   // which browsers each user used
	ready       readyCache      // the stores' last readiness answer
	healthAPI   *templateHealth // nil without template health
	leadersAPI  *leaderboardAPI // nil without leaderboards
}

// New builds the Server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = 12
	}
	s := &Server{
		opts:       opts,
		cfg:        opts.Config,
		history:    opts.Store,
		accounts:   opts.Store,
		moderation: opts.Store,
		sessionIdx: opts.Store,
		counters:   opts.Store,
		health:     opts.Store,
		hub:        opts.Hub,
		placements: opts.Placements,
		live:       opts.Event,
		eventStore: opts.Events,
		log:        opts.Logger,
		csrf:       http.NewCrossOriginProtection(),
		origins:    make(map[string]bool),
		now:        opts.Now,
		draining:   func() bool { return false },
		started:    func() bool { return true },
		passwords:  newPasswords(opts.BcryptCost),
		secrets:    opts.Store,
		networks:   opts.Store,
		conns:      newConnCap(opts.MaxConnsPerAddress, opts.MaxConnsPerSession),
		deviceLog:  opts.Store,
		costly:     newCostly(opts.Budget, opts.CostlyPerMinute),
		netBans:    opts.NetworkBans,
	}
	if s.netBans == nil {
		s.netBans = netbans.New(opts.Store, opts.Logger, opts.Now)
	}
	if s.placements == nil {
		s.placements = placing.New(placing.Options{Config: opts.Config, Placer: opts.Store, Users: opts.Store,
			Logger: opts.Logger, Now: opts.Now, NetworkBans: s.netBans})
	}
	for _, o := range opts.AllowedOrigins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		s.origins[strings.ToLower(o)] = true
		_ = s.csrf.AddTrustedOrigin(o)
	}
	sm := scs.New()
	sm.Store = unavailableSessions{s.sessionIdx.Sessions()}
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
		s.log.Error("session store failed", "err", err, "path", r.URL.Path)
		writeJSONError(w, place.ErrUnavailable)
	}
	s.sessions = sm
	s.panels = newPanelFeed(s)
	s.screenState = &screenState{s: s}
	s.screen = newFeed(screenInterval, s.screenState.frames)
	s.join = opts.Join
	s.teams, s.teamList = opts.Teams, &teamList{roster: opts.Teams, now: opts.Now}
	if opts.Stats != nil {
		s.statsReader = opts.Stats
		s.stats = newStatsCache(opts.Stats, opts.Now, opts.Logger)
	}
	s.healthAPI, s.leadersAPI = factionHandlers(opts, s.teamList.get)
	if opts.Archive != nil {
		s.tt = newTimeTravel(opts.Archive, opts.Store, opts.Config, opts.PublicExport, opts.Logger)
	}
	return s
}

// SetDraining makes /readyz and every request but the health checks
// answer 503 while fn returns true (SIGTERM).
func (s *Server) SetDraining(fn func() bool) { s.draining = fn }

// SetStarted makes every request but the health checks answer 503 until fn
// returns true (the canvas is loaded).
func (s *Server) SetStarted(fn func() bool) { s.started = fn }

// Sessions returns the session manager (for tests and the auth handlers).
func (s *Server) Sessions() *scs.SessionManager { return s.sessions }

// Handler returns the complete HTTP handler.
func (s *Server) Handler() http.Handler { return s.Routes() }

func (s *Server) ctx(c echo.Context) context.Context { return c.Request().Context() }

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
