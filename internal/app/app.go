// Package app assembles a running server from its configuration: the store
// of the chosen mode, the realtime hub and the HTTP handlers, with graceful
// shutdown. cmd/place parses flags into a Config; tests use it directly.
package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/handlers"
	"github.com/placecanvas/place/internal/budget"
	"github.com/placecanvas/place/joining"
	"github.com/placecanvas/place/leaderboard"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/netbans"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/teams"
	"github.com/placecanvas/place/templatehealth"
)

// Config is everything `place serve` can be told.
type Config struct {
	Addr           string
	DataDir        string
	Width, Height  int
	Cooldown       time.Duration
	BatchInterval  time.Duration
	AllowedOrigins []string
	TrustedProxies []netip.Prefix
	// GuestLimit is --identity-limit: new guests and accounts per address
	// per hour.
	GuestLimit int
	// NetworkAllowances are --network-allowance: other limits for the
	// addresses of some networks.
	NetworkAllowances []handlers.NetworkAllowance
	// MaxConnsPerAddress and MaxConnsPerSession cap the live WebSockets
	// and SSE streams per address and per session on each instance.
	MaxConnsPerAddress int
	MaxConnsPerSession int
	SecureCookies      bool
	RedisURL           string
	DatabaseURL        string
	// RedisPrefix starts every Redis key, so several canvases (or test
	// runs) can share one Redis.
	RedisPrefix string
	// HistoryClaimIdle is how long another instance's unwritten history may
	// sit before this instance takes it over (cluster mode; default 30 s).
	HistoryClaimIdle time.Duration
	// ShutdownTimeout bounds graceful shutdown (10 s).
	ShutdownTimeout time.Duration
	// DrainPeriod is how long a stopping instance keeps listening and
	// answers every new request 503 (which a proxy retries on another
	// instance) before it stops listening.
	DrainPeriod time.Duration
	// MinBatchInterval is the shortest time between two broadcasts (0:
	// 1 ms; see realtime.Options.MinGap): raising it toward BatchInterval
	// trades a small room's delivery time for less CPU.
	MinBatchInterval time.Duration
	// BcryptCost is for tests only; 0 means the production cost of 12.
	BcryptCost int
	// PublicExport opens the history export (without user hashes) to
	// everyone; otherwise only admins may download it.
	PublicExport bool
	// KeyframeEvery is the number of placements between keyframes (0: the
	// timetravel default).
	KeyframeEvery int
	// MetricsAddr is --metrics-listen: when set, /metrics is served on this
	// address only, and the public listener answers it 404.
	MetricsAddr string
	// BudgetWorkers and BudgetMemoryMiB size the shared budget of expensive
	// responses (past canvases, overlays, timelapses, exports, previews;
	// 0: the defaults, half the cores and 256 MiB); BudgetPerMinute is the per-address rate of those
	// that must be computed (0: no limit).
	BudgetWorkers   int
	BudgetMemoryMiB int
	BudgetPerMinute int
	// AddressPlayers is --address-players: the placements the identities
	// of one address share, in players' worth (0: no address budget).
	// The networks of NetworkAllowances are exempt.
	AddressPlayers int
	// AddressEarnAfter is --address-earn-after: the age at which a
	// registered account places on a budget of its own (0: never).
	AddressEarnAfter time.Duration
	// ChallengeBits is --challenge-bits: the proof-of-work difficulty for
	// two identities on one address (0: no challenge).
	ChallengeBits int
	// Charges is --charges: the placements a player may store, one more
	// per cooldown (the event's first value; 1: the plain cooldown).
	Charges int
}

// Defaults returns the documented defaults.
func Defaults() Config {
	return Config{
		Addr: ":3000", DataDir: "./data", Width: 500, Height: 500,
		Cooldown: 5 * time.Second, BatchInterval: 50 * time.Millisecond,
		GuestLimit: 30, MaxConnsPerAddress: 300, MaxConnsPerSession: 20, ShutdownTimeout: 10 * time.Second, DrainPeriod: time.Second, RedisPrefix: "place:",
		PublicExport:    true,
		BudgetMemoryMiB: budget.DefaultMemory >> 20, BudgetPerMinute: handlers.DefaultCostlyPerMinute,
		AddressPlayers: 3, AddressEarnAfter: 24 * time.Hour, ChallengeBits: 14, Charges: 1,
	}
}

// CanvasConfig returns the canvas rules of the configuration.
func (c Config) CanvasConfig() place.Config {
	return place.Config{Width: c.Width, Height: c.Height, Cooldown: c.Cooldown}
}

// InitialSettings are the event settings the flags give; they apply only
// until settings are stored (the first start, or until an admin changes them).
func (c Config) InitialSettings() place.Settings {
	return place.Settings{
		Cooldown: c.Cooldown, GuestPlacement: true, GuestLimit: c.GuestLimit, BatchInterval: c.BatchInterval, Charges: c.Charges,
	}
}

// Validate checks the configuration before anything is opened.
func (c Config) Validate() error {
	if err := c.CanvasConfig().Validate(); err != nil {
		return err
	}
	if (c.RedisURL == "") != (c.DatabaseURL == "") {
		return errors.New("cluster mode needs both --redis-url and --database-url; embedded mode needs neither")
	}
	if c.BatchInterval < time.Millisecond || c.BatchInterval > 10*time.Second {
		return errors.New("--batch-interval must be between 1ms and 10s")
	}
	if c.MinBatchInterval < 0 || c.MinBatchInterval > 10*time.Second {
		return errors.New("--min-batch-interval must be between 0 and 10s")
	}
	if c.DrainPeriod < 0 || c.DrainPeriod > c.ShutdownTimeout/2 {
		return errors.New("--drain-period must be between 0 and half of --shutdown-timeout")
	}
	if c.GuestLimit < 0 {
		return errors.New("--identity-limit must not be negative")
	}
	if c.MaxConnsPerAddress < 0 || c.MaxConnsPerSession < 0 {
		return errors.New("--max-conns-per-address and --max-conns-per-session must not be negative")
	}
	if c.BudgetWorkers < 0 || c.BudgetPerMinute < 0 || (c.BudgetMemoryMiB != 0 && c.BudgetMemoryMiB < 16) {
		return errors.New("--budget-workers and --budget-per-minute must not be negative, --budget-memory must be at least 16 (MiB)")
	}
	if c.AddressPlayers < 0 || c.AddressEarnAfter < 0 {
		return errors.New("--address-players and --address-earn-after must not be negative")
	}
	if c.Charges < 0 || c.Charges > place.MaxCharges {
		return fmt.Errorf("--charges must be between 1 and %d", place.MaxCharges)
	}
	if c.ChallengeBits < 0 || c.ChallengeBits > fairplay.MaxBits {
		return fmt.Errorf("--challenge-bits must be between 0 and %d", fairplay.MaxBits)
	}
	return nil
}

// App is a running server.
type App struct {
	cfg     Config
	log     *slog.Logger
	Store   place.Store
	Archive place.Archive
	Hub     *realtime.Hub
	Event   *event.Live
	Server  *handlers.Server
	// Join is the join-code rule of this instance.
	Join *joining.Gate
	// Teams is this instance's view of the teams.
	Teams *teams.Roster
	// Budget bounds this instance's expensive responses.
	Budget *budget.Budget
	// Health and Leaders follow the placements for template health and
	// the leaderboards.
	Health   *templatehealth.Tracker
	Leaders  *leaderboard.Board
	draining atomic.Bool
	started  atomic.Bool // the canvas was loaded once
	stopAt   time.Time
	// metricsLn is the --metrics-listen listener (nil: none).
	metricsLn net.Listener
}

// New opens the store and builds the hub and handlers.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// One live canvas per process: in embedded mode the store applies each
	// commit to it; in cluster mode the hub follows the Redis stream into it.
	lc := live.New(cfg.Width, cfg.Height)
	// The store asks the event for the cooldown and the charges of each
	// placement; the event is loaded from the store, so it is set once
	// both are open.
	var evRef atomic.Pointer[event.Live]
	st, fedAtCommit, err := openStore(ctx, cfg, log, lc, liveRules{
		cooldown: func() time.Duration {
			if l := evRef.Load(); l != nil {
				return l.Cooldown()
			}
			return cfg.Cooldown
		},
		charges: func() int {
			if l := evRef.Load(); l != nil {
				return l.Settings().ChargeLimit()
			}
			return max(1, cfg.Charges)
		},
	})
	if err != nil {
		return nil, err
	}
	js, ok := st.(joining.Store)
	if !ok {
		_ = st.Close()
		return nil, errors.New("the store keeps no join codes")
	}
	gate := joining.New(js, log)
	roster := teams.New(st, log)
	var hub *realtime.Hub
	ev := event.New(event.Options{
		Store: st, Initial: cfg.InitialSettings(), Online: func() int { return hub.Online() }, Logger: log,
		FinalPNG: func() ([]byte, error) {
			if !hub.Ready() {
				return nil, event.ErrNotReady
			}
			canvas, sz, _ := hub.SizedCanvas()
			return event.CanvasPNG(canvas, sz.Width, sz.Height)
		},
	})
	if err := ev.Load(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("load the event settings: %w", err)
	}
	evRef.Store(ev)
	challenge, err := cfg.challengeRule(ctx, st, ev.Cooldown)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	bans := netbans.New(st, log, nil)
	placements := placing.New(placing.Options{
		Config: cfg.CanvasConfig(), Size: lc.Size, Placer: st, Users: st, Logger: log, Acknowledged: lc.Acknowledged, Joined: gate.Rule,
		Team: roster.TeamOf, AddressBudget: cfg.addressBudget(), Challenge: challenge,
		Charges:     func() (int, time.Duration) { return ev.Settings().ChargeLimit(), ev.Cooldown() },
		NetworkBans: bans,
		CanvasOpen:  func(ctx context.Context, a placing.Attempt) error { return ev.CheckOpen(ctx, a.UserID, st.UserByID) },
		Areas: func(ctx context.Context, a placing.Attempt) error {
			return ev.CheckArea(ctx, a.UserID, a.X, a.Y, st.UserByID)
		},
	})
	hub = realtime.New(realtime.Options{
		Config: cfg.CanvasConfig(), Feed: st, Live: lc, FedAtCommit: fedAtCommit, Placements: placements,
		BatchInterval: ev.Settings().BatchInterval, Interval: func() time.Duration { return ev.Settings().BatchInterval },
		MinGap:   cfg.MinBatchInterval,
		Cooldown: ev.Cooldown,
		State: func() []byte {
			b, _ := json.Marshal(realtime.NewStateMessage(ev.Settings(), ev.Cooldown(), ev.FinalKept(), time.Now()))
			return b
		},
		Logger: log, SessionAlive: sessionAlive(st.Sessions(), log), Size: st.CanvasSize,
	})
	// Every change of the event, made here, elsewhere or by the clock,
	// reaches every connected client.
	ev.OnChange(func(place.Event) { hub.BroadcastState() })
	health := templatehealth.New(st, log, nil)
	leaders := leaderboard.New(st, log, nil)
	expensive := budget.New(budget.Options{Workers: cfg.BudgetWorkers, Memory: int64(cfg.BudgetMemoryMiB) << 20})
	srv := handlers.New(handlers.Options{
		Config: cfg.CanvasConfig(), Store: st, Hub: hub, Placements: placements, Event: ev, Events: st, Logger: log,
		AllowedOrigins: cfg.AllowedOrigins, TrustedProxies: cfg.TrustedProxies,
		GuestLimit: cfg.GuestLimit, NetworkAllowances: cfg.NetworkAllowances,
		MaxConnsPerAddress: cfg.MaxConnsPerAddress, MaxConnsPerSession: cfg.MaxConnsPerSession, MetricsElsewhere: cfg.MetricsAddr != "", SecureCookies: cfg.SecureCookies, BcryptCost: cfg.BcryptCost,
		Archive: st, PublicExport: cfg.PublicExport,
		Budget:          expensive,
		CostlyPerMinute: cmp.Or(cfg.BudgetPerMinute, -1), // 0 on the command line: no limit
		Stats:           statsOf(st), Join: gate, Teams: roster, NetworkBans: bans,
		TemplateHealth: health, Leaderboard: leaders, Names: st,
	})
	a := &App{cfg: cfg, log: log, Store: st, Archive: st, Hub: hub, Event: ev, Server: srv, Join: gate, Teams: roster, Budget: expensive,
		Health: health, Leaders: leaders}
	if cfg.MetricsAddr != "" {
		// Listened on here, so that a wrong address stops the start and
		// the bound address is known before Serve.
		if a.metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			_ = st.Close()
			return nil, fmt.Errorf("--metrics-listen: %w", err)
		}
	}
	srv.SetDraining(a.draining.Load)
	srv.SetStarted(a.hasStarted)
	return a, nil
}

// hasStarted reports whether the canvas has been loaded once: until then
// every request is answered 503. Once started, a store outage is answered
// route by route (cached reads, 503 for placements), not by this gate.
func (a *App) hasStarted() bool {
	if a.started.Load() {
		return true
	}
	if a.Hub.Ready() {
		a.started.Store(true)
		return true
	}
	return false
}

// Serve serves on ln until ctx ends, then shuts down gracefully (see
// shutdown). Until the canvas is loaded every request is answered 503, so
// that a proxy sends players to an instance that is ready.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	hubCtx, stopHub := context.WithCancel(context.Background())
	defer stopHub()
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		if err := a.Hub.Run(hubCtx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("hub stopped", "err", err)
		}
	}()
	eventDone := make(chan struct{})
	go func() {
		defer close(eventDone)
		a.Event.Run(hubCtx)
	}()
	go func() {
		for hubCtx.Err() == nil {
			if err := a.Store.SubscribeNotices(hubCtx, a.notice); err != nil && hubCtx.Err() == nil {
				a.log.Warn("notice subscription ended; retrying", "err", err)
				time.Sleep(500 * time.Millisecond)
			}
		}
	}()
	go a.Join.Run(hubCtx)

	go a.keepKeyframes(hubCtx)
	go a.Health.Run(hubCtx)
	go a.Leaders.Run(hubCtx)

	httpServer := &http.Server{
		Handler:           a.Server.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second, // SSE clears its own deadline
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
	}
	// The live panels' streams never end by themselves; Shutdown would wait
	// for them.
	httpServer.RegisterOnShutdown(a.Server.CloseStreams)
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()
	if a.metricsLn != nil {
		metricsServer := &http.Server{
			Handler: handlers.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
		}
		go func() { _ = metricsServer.Serve(a.metricsLn) }() // ends when the listener closes
		defer metricsServer.Close()
		a.log.Info("metrics listening", "addr", a.metricsLn.Addr().String())
	}

	// Announce the address once the canvas is loaded (in cluster mode a
	// store may still be coming up; requests are answered 503 until then).
	readyCtx, readyCancel := context.WithTimeout(ctx, 10*time.Second)
	if err := a.Hub.WaitReady(readyCtx); err != nil && ctx.Err() == nil {
		a.log.Warn("canvas not loaded yet; answering 503 until it is", "err", err)
	}
	readyCancel()
	a.log.Info("listening", "addr", ln.Addr().String(), "url", browseURL(ln.Addr()))

	select {
	case err := <-serveErr:
		stopHub()
		<-hubDone
		<-eventDone
		_ = a.Store.Close()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.shutdown(httpServer)
	stopHub()
	<-hubDone
	<-eventDone
	err := a.Store.Close()
	a.log.Info("stopped", "duration", time.Since(a.stopAt))
	return err
}

// shutdown stops serving without refusing anyone a proxy could send
// elsewhere: /readyz and every new request and upgrade answer 503 (a proxy
// retries them on another instance) while the WebSockets are closed with
// 1001 "going away" and their players reconnect; after DrainPeriod the
// listener closes and the requests in flight finish, within
// ShutdownTimeout.
func (a *App) shutdown(httpServer *http.Server) {
	a.stopAt = time.Now()
	a.log.Info("shutting down", "drain", a.cfg.DrainPeriod)
	deadline := a.cfg.ShutdownTimeout
	if deadline <= 0 {
		deadline = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), deadline-500*time.Millisecond)
	defer cancel()
	a.draining.Store(true)
	// Live panel streams end too, so that their viewers reconnect elsewhere.
	a.Server.CloseStreams()
	// Sockets first: net/http's Shutdown does not close hijacked connections.
	wsCtx, wsCancel := context.WithTimeout(sctx, 2*time.Second)
	a.Hub.Shutdown(wsCtx)
	wsCancel()
	if rest := a.cfg.DrainPeriod - time.Since(a.stopAt); rest > 0 {
		select {
		case <-time.After(rest):
		case <-sctx.Done():
		}
	}
	if err := httpServer.Shutdown(sctx); err != nil {
		a.log.Warn("http shutdown incomplete", "err", err)
		_ = httpServer.Close()
	}
}

// sessionAlive tells the hub whether a socket's session still exists. A
// store error counts as alive: an outage must not close every socket.
func sessionAlive(ss place.SessionStore, log *slog.Logger) func(context.Context, string) bool {
	return func(_ context.Context, token string) bool {
		_, found, err := ss.Find(token)
		if err != nil {
			log.Warn("re-checking a socket's session", "err", err)
			return true
		}
		return found
	}
}

// Close releases the store of an App that was never served.
func (a *App) Close() error {
	if a.metricsLn != nil {
		_ = a.metricsLn.Close()
	}
	return a.Store.Close()
}

// MetricsAddr is the address /metrics is served on with --metrics-listen
// (nil without).
func (a *App) MetricsAddr() net.Addr {
	if a.metricsLn == nil {
		return nil
	}
	return a.metricsLn.Addr()
}

// browseURL is the address to open in a browser: localhost when the server
// listens on every interface.
func browseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// statsOf returns the store's statistics queries (both modes have them).
func statsOf(st place.Store) place.StatsReader {
	r, _ := st.(place.StatsReader)
	return r
}
