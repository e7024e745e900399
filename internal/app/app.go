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
	"sync/atomic"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/handlers"
	"github.com/placecanvas/place/internal/budget"
	"github.com/placecanvas/place/internal/feedloop"
	"github.com/placecanvas/place/joining"
	"github.com/placecanvas/place/leaderboard"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/netbans"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/teams"
	"github.com/placecanvas/place/templatehealth"
)

// App is a running server.
type App struct {
	cfg Config
	log *slog.Logger
	// Store is the store of the configured mode, one service per role.
	Store  place.Stores
	Hub    *realtime.Hub
	Event  *event.Live
	Server *handlers.Server
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
	// The embedded store commits once per broadcast gap, so that a commit's
	// placements leave in the flush that follows it (realtime.Hub.CommitGap);
	// the cluster store's placements wait a quarter of the gap to go to
	// Redis together (realtime.Hub.FlushGap).
	var hubRef atomic.Pointer[realtime.Hub]
	st, fedAtCommit, err := openStore(ctx, cfg, log, lc, liveRules{
		commitGap: func() time.Duration {
			if h := hubRef.Load(); h != nil {
				return h.CommitGap()
			}
			return 0
		},
		flushGap: func() time.Duration {
			if h := hubRef.Load(); h != nil {
				return h.FlushGap()
			}
			return 0
		},
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
	gate := joining.New(st.JoinCodes, st.Notices, log)
	roster := teams.New(st.Teams, st.Notices, log)
	var hub *realtime.Hub
	ev := event.New(event.Options{
		Store: st.Events, Initial: cfg.InitialSettings(), Online: func() int { return hub.Online() }, Logger: log,
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
	bans := netbans.New(st.NetworkBans, log, nil)
	placements := placing.New(placing.Options{
		Config: cfg.CanvasConfig(), Size: lc.Size, Placer: st.Placer, Users: st.Users, Logger: log, Acknowledged: lc.Acknowledged, Joined: gate.Rule,
		Team: roster.TeamOf, AddressBudget: cfg.addressBudget(), Challenge: challenge,
		Charges:     func() (int, time.Duration) { return ev.Settings().ChargeLimit(), ev.Cooldown() },
		NetworkBans: bans,
		CanvasOpen: func(ctx context.Context, a placing.Attempt) error {
			return ev.CheckOpen(ctx, a.UserID, st.Users.UserByID)
		},
		Areas: func(ctx context.Context, a placing.Attempt) error {
			return ev.CheckArea(ctx, a.UserID, a.X, a.Y, st.Users.UserByID)
		},
	})
	// The state kept from the feed (template health, the leaderboards)
	// follows it through the hub's read: in the cluster, one reader of the
	// Redis stream per instance, as the capacity plan counts. In embedded
	// mode the hub reads nothing (the store feeds it at commit) and the
	// store's feed is in memory.
	hubFeed, stateFeed := st.Feed, st.Feed
	if !fedAtCommit {
		tee := feedloop.NewTee(st.Feed)
		hubFeed, stateFeed = tee.Source(), tee
	}
	hub = realtime.New(realtime.Options{
		Config: cfg.CanvasConfig(), Feed: hubFeed, Live: lc, FedAtCommit: fedAtCommit, CommitPaced: fedAtCommit, Placements: placements,
		BatchInterval: ev.Settings().BatchInterval, Interval: func() time.Duration { return ev.Settings().BatchInterval },
		MinGap:   cfg.MinBatchInterval,
		Cooldown: ev.Cooldown,
		State: func() []byte {
			b, _ := json.Marshal(realtime.NewStateMessage(ev.Settings(), ev.Cooldown(), ev.FinalKept(), time.Now()))
			return b
		},
		Logger: log, SessionAlive: sessionAlive(st.Sessions, log), Size: st.Sizes.CanvasSize,
	})
	hubRef.Store(hub)
	// Every change of the event, made here, elsewhere or by the clock,
	// reaches every connected client.
	ev.OnChange(func(place.Event) { hub.BroadcastState() })
	health := templatehealth.New(templatehealth.Stores{Feed: stateFeed, Templates: st.Events, History: st.History, Latest: st.Factions}, log, nil)
	leaders := leaderboard.New(leaderboard.Stores{Feed: stateFeed, Counts: st.Factions}, log, nil)
	expensive := budget.New(budget.Options{Workers: cfg.BudgetWorkers, Memory: int64(cfg.BudgetMemoryMiB) << 20})
	opts := handlers.Options{
		Config: cfg.CanvasConfig(), Hub: hub, Placements: placements, Event: ev, Logger: log,
		AllowedOrigins: cfg.AllowedOrigins, TrustedProxies: cfg.TrustedProxies,
		GuestLimit: cfg.GuestLimit, NetworkAllowances: cfg.NetworkAllowances,
		MaxConnsPerAddress: cfg.MaxConnsPerAddress, MaxConnsPerSession: cfg.MaxConnsPerSession, MetricsElsewhere: cfg.MetricsAddr != "", SecureCookies: cfg.SecureCookies, BcryptCost: cfg.BcryptCost,
		Archive: st.Archive, PublicExport: cfg.PublicExport,
		Budget:          expensive,
		CostlyPerMinute: cmp.Or(cfg.BudgetPerMinute, -1), // 0 on the command line: no limit
		Stats:           st.Stats, Join: gate, Teams: roster, NetworkBans: bans,
		TemplateHealth: health, Leaderboard: leaders,
	}
	opts.UseStores(st)
	srv, err := handlers.New(opts)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	a := &App{cfg: cfg, log: log, Store: st, Hub: hub, Event: ev, Server: srv, Join: gate, Teams: roster, Budget: expensive,
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
			if err := a.Store.Notices.SubscribeNotices(hubCtx, a.notice); err != nil && hubCtx.Err() == nil {
				a.log.Warn("notice subscription ended; retrying", "err", err)
				time.Sleep(500 * time.Millisecond)
			}
		}
	}()
	go a.Join.Run(hubCtx)

	go a.keepKeyframes(hubCtx)
	go a.Health.RunWith(hubCtx, a.Leaders)

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
