package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/placing"
)

// Options configure a Hub.
type Options struct {
	Config place.Config
	Feed   place.Feed
	// Live is the process's live canvas (nil: the hub makes one). With
	// FedAtCommit the store loads it and applies every commit to it (embedded
	// mode); otherwise the hub loads it from Feed and follows the feed into it.
	Live        *live.Canvas
	FedAtCommit bool
	// Placements decides the placements sent over WebSockets.
	Placements    *placing.Service
	BatchInterval time.Duration
	Logger        *slog.Logger
	// MaxBacklog is how many bytes may be queued to one connection before it
	// is closed as a slow consumer (default 1 MiB).
	MaxBacklog int64
	// SendBuffer bounds each socket's kernel send buffer (SO_SNDBUF; the
	// kernel doubles it for its own bookkeeping), so that a client that
	// stops reading pins that much kernel memory at most (default 128 KiB).
	SendBuffer int
	// IdleTimeout closes a connection that neither answered a ping nor sent
	// a message for that long (default 60 s); pings it sends do not count,
	// since a client that never reads can still send them.
	IdleTimeout time.Duration
	// PingInterval is how often the server pings (default 25 s).
	PingInterval time.Duration
	// MessagesPerSecond is the per-connection flood limit (default 20).
	MessagesPerSecond int
	Now               func() time.Time
	// SessionAlive reports whether a session token still exists; open
	// connections are re-checked with it and closed (1008) once their
	// session has expired or was destroyed elsewhere. It should answer true
	// when it cannot tell (a store outage must not drop every socket).
	// Nil turns the re-check off.
	SessionAlive func(ctx context.Context, token string) bool
	// SessionRecheck is how often each connection's session is re-checked
	// (default 30 s); SessionSweep is how often the sweep runs (default 1 s),
	// each run checking the connections whose turn it is.
	SessionRecheck, SessionSweep time.Duration
	// State, when set, returns the current state message (JSON), sent to
	// every connection after its first canvas or replay; BroadcastState
	// sends it again to every connection when it changes.
	State func() []byte
	// Interval, when set, gives the live batch interval (checked before
	// every flush); BatchInterval is then the first value.
	Interval func() time.Duration
	// Cooldown, when set, gives the cooldown the welcome announces.
	Cooldown func() time.Duration
	// Size, when set, reads the store's canvas size (cluster mode: for a
	// placement the feed brings from beyond the live canvas, see
	// broadcaster.enqueue).
	Size func(context.Context) (place.Size, error)
	// MinGap is the shortest time between the starts of two flushes
	// (default 1 ms). Up to the batch interval, a longer one makes the
	// broadcaster batch as it does for a large audience, whose flushes are
	// dear; tests use it to act between two flushes.
	MinGap time.Duration
	// CommitPaced says the store spaces its commits by CommitGap (embedded
	// mode): the broadcaster then sends each commit as it lands, because
	// the commits already keep the gap (see broadcaster.run).
	CommitPaced bool
}

// Hub serves the live canvas of this instance (package live). It is three
// parts, each with its own job: the broadcaster (broadcast.go) sends what
// the live canvas gained as one batch to every reader, at once when it
// is idle and at most once per batch interval under load (and, in
// cluster mode, follows the store's feed into it); the registry (registry.go, sessions.go) holds the WebSocket
// connections, with kicks, pings, session re-checks and shutdown; ws.go
// speaks the WebSocket protocol and hands placements to the placement
// service. See docs/architecture.md.
type Hub struct {
	opts           Options
	cfg            place.Config
	log            *slog.Logger
	upPlain, upBin *gws.Upgrader
	bc             *broadcaster
	conns          *registry
}

// Identity is who a connection belongs to.
type Identity struct {
	UserID   string
	Username string
	IsGuest  bool
	Token    string // session token, for logout and expiry kicks
	// SessionCookie is the session token the browser of a resuming tab
	// sent, even when its session was gone and the connection joined as a
	// viewer: a ban's kick names the tokens it ended (place.Kick.Tokens).
	SessionCookie string
	// Device is the browser's device id ("" when unknown) and IP the
	// client's address: the placement rules that follow the browser and
	// the network read them.
	Device string
	IP     netip.Addr
	// Expires is when the session expires unless renewed elsewhere; the
	// socket is closed within a second of it (zero: unknown).
	Expires time.Time
	// ReadAt is when the session behind the identity was read: a kick
	// after it closes the connection even when it comes before the
	// connection has joined (zero: no such check).
	ReadAt time.Time
	// SessionUnavailable marks a connection made without an identity
	// because the session store failed: it watches, and its first
	// placement is answered SERVICE_UNAVAILABLE and closes it (1013) so that
	// the client reconnects and its session is read again.
	SessionUnavailable bool
}

type client struct {
	conn    *gws.Conn
	id      Identity
	binary  bool
	deflate bool // negotiated permessage-deflate
	// batchedAcks: the connection asked for ?acks=batched (acks.go)
	batchedAcks bool
	closed      atomic.Bool
	w           connWriter
	// expires is when the session expires unless renewed (unix ms, 0:
	// unknown); slot is the index in Hub.recheck (-1: not re-checked).
	expires atomic.Int64
	slot    int
	// from is the seq of the first state sent at join until the first batch
	// (which may begin before it) has gone out; then 0.
	from atomic.Uint64

	// session values other than the client itself (see conn.go)
	extraMu sync.Mutex
	extra   map[string]any

	// flood limiting, touched only by the connection's read goroutine
	windowStart time.Time
	windowCount int
	strikes     int
}

// New returns a Hub; call Run to start it.
func New(opts Options) *Hub {
	opts = opts.withDefaults()
	conns := newRegistry(opts)
	h := &Hub{
		opts: opts, cfg: opts.Config, log: opts.Logger, conns: conns,
		bc: newBroadcaster(opts, conns),
	}
	h.bc.state, h.bc.interval = opts.State, opts.Interval
	h.upPlain = gws.NewUpgrader(h, h.serverOption(false))
	h.upBin = gws.NewUpgrader(h, h.serverOption(true))
	return h
}

func (o Options) withDefaults() Options {
	if o.BatchInterval <= 0 {
		o.BatchInterval = 50 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Live == nil {
		o.Live, o.FedAtCommit = live.New(o.Config.Width, o.Config.Height), false
	}
	if o.MaxBacklog <= 0 {
		o.MaxBacklog = 1 << 20
	}
	if o.SendBuffer <= 0 {
		o.SendBuffer = 128 << 10
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 60 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.MessagesPerSecond <= 0 {
		o.MessagesPerSecond = 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionRecheck <= 0 {
		o.SessionRecheck = 30 * time.Second
	}
	if o.SessionSweep <= 0 {
		o.SessionSweep = time.Second
	}
	return o
}

func (h *Hub) serverOption(binary bool) *gws.ServerOption {
	o := &gws.ServerOption{
		ReadMaxPayloadSize: 1024,
		ReadBufferSize:     readBufferSize,
		CheckUtf8Enabled:   true,
		NewSession:         func() gws.SessionStorage { return new(client) },
		HandshakeTimeout:   5 * time.Second,
		Logger:             gwsLogger{h.log},
		Recovery:           func(gws.Logger) {},
		// permessage-deflate, offered by browsers: the canvas a connection
		// starts with is sent compressed (compressed once per frame and
		// shared, see frame.go); batches go uncompressed, which the
		// extension allows message by message. No context is kept on
		// either side, so a connection holds no compression window, and
		// the threshold keeps the library from compressing its own writes.
		PermessageDeflate: gws.PermessageDeflate{
			Enabled: true, Level: 1, Threshold: 1 << 30, PoolSize: 1,
			ServerContextTakeover: false, ClientContextTakeover: false,
		},
	}
	if binary {
		o.SubProtocols = []string{Subprotocol}
	}
	return o
}

type gwsLogger struct{ log *slog.Logger }

func (l gwsLogger) Error(v ...any) { l.log.Debug("websocket", "detail", v) }

// Run loads the canvas, follows the feed and broadcasts until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	if err := h.bc.load(ctx); err != nil {
		return err
	}
	go h.bc.follow(ctx)
	go h.conns.pinger(ctx)
	go h.conns.watchLag(ctx)
	if h.opts.SessionAlive != nil {
		go h.conns.sweepSessions(ctx)
	}
	h.bc.run(ctx, h.opts.BatchInterval)
	return nil
}

// Ready reports whether the hub has loaded the canvas and is not shutting
// down.
func (h *Hub) Ready() bool { return h.bc.isReady() && !h.conns.isClosing() }

// WaitReady blocks until the canvas is loaded or ctx ends.
func (h *Hub) WaitReady(ctx context.Context) error {
	select {
	case <-h.bc.readyCh:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Seq returns the live canvas's seq.
func (h *Hub) Seq() uint64 { return h.opts.Live.Seq() }

// readWait bounds how long a canvas read waits for a placement this
// process acknowledged to reach the live canvas (cluster mode: the feed
// brings it a few milliseconds after the acknowledgement).
const readWait = time.Second

// Canvas returns the live canvas and its seq, including every placement
// this process has acknowledged. The slice is shared and must not be
// modified.
func (h *Hub) Canvas() ([]byte, uint64) {
	data, _, seq := h.SizedCanvas()
	return data, seq
}

// SizedCanvas is Canvas with the canvas's size, read with it.
func (h *Hub) SizedCanvas() ([]byte, place.Size, uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), readWait)
	defer cancel()
	return h.opts.Live.Current(ctx)
}

// Acknowledged returns the highest seq this process has acknowledged to a
// client; a read that must include the reader's own placements waits for it.
func (h *Hub) Acknowledged() uint64 { return h.opts.Live.AckedSeq() }

// Online returns the number of open WebSocket connections.
func (h *Hub) Online() int { return h.conns.online() }

// CommitGap is how long a store that commits for this hub (Options.
// CommitPaced) should leave between the starts of two commits: the
// broadcaster's gap between flushes, so that each commit's placements leave
// in one flush the moment it lands, instead of waiting for a flush whose
// clock runs apart from the commits'. It is 0 (commit at once) before the
// first flush and when the gap is longer than MaxCommitHold.
func (h *Hub) CommitGap() time.Duration { return h.bc.commitGap() }

// FlushGap is the broadcaster's current gap between the starts of two
// flushes, whatever its length (CommitGap is 0 above MaxCommitHold); 0
// before the first flush.
func (h *Hub) FlushGap() time.Duration { return time.Duration(h.bc.gapNow.Load()) }

// Kick closes the connections of a user or of a session token with 1008.
func (h *Hub) Kick(k place.Kick) { h.conns.kick(k) }

// Shutdown closes every connection with 1001 "going away" and waits (up to
// ctx) for them to end; SSE subscribers are released too.
func (h *Hub) Shutdown(ctx context.Context) {
	h.bc.subs.Close()
	h.conns.shutdown(ctx)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
