package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
	"github.com/placecanvas/place/placing"
)

// ringSize is the replay buffer: at least the last 100,000 events (SPEC §4).
const ringSize = 1 << 17

// Options configure a Hub.
type Options struct {
	Config place.Config
	Feed   place.Feed
	// Placements decides the placements sent over WebSockets.
	Placements    *placing.Service
	BatchInterval time.Duration
	Logger        *slog.Logger
	// MaxBacklog is how many bytes may be queued to one connection before it
	// is closed as a slow consumer (default 1 MiB).
	MaxBacklog int64
	// IdleTimeout closes a connection that sent nothing (default 60 s).
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
}

// Batch is one tick's broadcast, encoded once for every encoding.
type Batch struct {
	PrevSeq, Seq uint64
	Events       []Event
	JSON         []byte
	Binary       []byte

	sse     []byte // the SSE frame of JSON, formatted once on first use (sse.go)
	sseOnce sync.Once
}

// Hub owns the live connections of this instance: it follows the store's
// feed, keeps a mirror of the canvas and a replay ring, and broadcasts one
// batch per tick.
type Hub struct {
	opts Options
	cfg  place.Config
	log  *slog.Logger

	upPlain, upBin *gws.Upgrader

	mu          sync.Mutex
	ready       bool
	mirror      []byte
	seq         uint64 // last seq broadcast (and applied to mirror)
	followed    uint64 // last seq received from the feed
	pending     []place.Placement
	ring        [ringSize]Event
	ringCount   int
	conns       map[*gws.Conn]*client
	targets     []*client // flush's snapshot of conns, reused every tick
	subs        map[*Subscription]struct{}
	canvasCache *canvasFrame
	closing     bool
	// recheck spreads connections over the sweeps of one SessionRecheck
	// period, so that each sweep looks at a slice of them, not all.
	recheck     []map[*gws.Conn]struct{}
	recheckNext int

	readyCh chan struct{}
}

// canvasFrame is the canvas at one seq, encoded and framed at most once per
// encoding and shared by every connection that starts from it.
type canvasFrame struct {
	seq         uint64
	raw, json   []byte // json and binary are WebSocket frames
	binary      []byte
	once, once2 sync.Once
}

// Identity is who a connection belongs to.
type Identity struct {
	UserID   string
	Username string
	IsGuest  bool
	Token    string // session token, for logout and expiry kicks
	// Expires is when the session expires unless renewed elsewhere; the
	// socket is closed within a second of it (zero: unknown).
	Expires time.Time
}

type client struct {
	conn   *gws.Conn
	id     Identity
	binary bool
	closed atomic.Bool
	w      connWriter
	// expires is when the session expires unless renewed (unix ms, 0:
	// unknown); slot is the index in Hub.recheck (-1: not re-checked).
	expires atomic.Int64
	slot    int

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
	if opts.BatchInterval <= 0 {
		opts.BatchInterval = 50 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBacklog <= 0 {
		opts.MaxBacklog = 1 << 20
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 60 * time.Second
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 25 * time.Second
	}
	if opts.MessagesPerSecond <= 0 {
		opts.MessagesPerSecond = 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionRecheck <= 0 {
		opts.SessionRecheck = 30 * time.Second
	}
	if opts.SessionSweep <= 0 {
		opts.SessionSweep = time.Second
	}
	h := &Hub{
		opts:    opts,
		cfg:     opts.Config,
		log:     opts.Logger,
		conns:   make(map[*gws.Conn]*client),
		subs:    make(map[*Subscription]struct{}),
		readyCh: make(chan struct{}),
	}
	h.recheck = make([]map[*gws.Conn]struct{}, max(1, int(opts.SessionRecheck/opts.SessionSweep)))
	for i := range h.recheck {
		h.recheck[i] = make(map[*gws.Conn]struct{})
	}
	h.upPlain = gws.NewUpgrader(h, h.serverOption(false))
	h.upBin = gws.NewUpgrader(h, h.serverOption(true))
	return h
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
	var data []byte
	var seq uint64
	for {
		var err error
		data, seq, err = h.opts.Feed.Canvas(ctx)
		if err == nil {
			break
		}
		h.log.Warn("loading the canvas failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	h.mu.Lock()
	h.mirror = data
	h.seq, h.followed = seq, seq
	h.mu.Unlock()
	h.prefillRing(ctx, seq)
	h.mu.Lock()
	h.ready = true
	h.mu.Unlock()
	close(h.readyCh)
	metrics.Seq.Set(float64(seq))

	go h.follow(ctx)
	go h.pinger(ctx)
	if h.opts.SessionAlive != nil {
		go h.sweepSessions(ctx)
	}
	ticker := time.NewTicker(h.opts.BatchInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			h.flush()
			return nil
		case <-ticker.C:
			h.flush()
		}
	}
}

// prefillRing loads recent history so that a fresh instance can already
// serve `since` resumes.
func (h *Hub) prefillRing(ctx context.Context, seq uint64) {
	if seq == 0 {
		return
	}
	after := uint64(0)
	if seq > ringSize-1 {
		after = seq - (ringSize - 1)
	}
	for after < seq {
		batch, err := h.opts.Feed.Since(ctx, after, int(min(10_000, seq-after)))
		if err != nil || len(batch) == 0 {
			h.log.Warn("replay buffer not prefilled", "err", err, "from", after)
			return
		}
		h.mu.Lock()
		for _, p := range batch {
			if p.Seq != after+1 || p.Seq > seq {
				h.ringCount = 0
				h.mu.Unlock()
				h.log.Warn("replay buffer not prefilled: history has gaps", "expected", after+1, "got", p.Seq)
				return
			}
			h.ring[p.Seq%ringSize] = Event{X: p.X, Y: p.Y, Color: p.Color}
			h.ringCount = min(h.ringCount+1, ringSize)
			after = p.Seq
		}
		h.mu.Unlock()
	}
}

func (h *Hub) follow(ctx context.Context) {
	for ctx.Err() == nil {
		h.mu.Lock()
		after := h.followed
		h.mu.Unlock()
		err := h.opts.Feed.Follow(ctx, after, h.enqueue)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, place.ErrFeedReset) {
			h.reset(ctx)
			continue
		}
		if err != nil {
			h.log.Warn("following placements failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// reset starts over from the store's canvas after its sequence went back.
// Connections that had seen higher seqs get a batch whose prevSeq does not
// match theirs, so they resynchronise, and a resume from a seq beyond the
// new one is answered with the canvas.
func (h *Hub) reset(ctx context.Context) {
	for ctx.Err() == nil {
		data, seq, err := h.opts.Feed.Canvas(ctx)
		if err != nil {
			h.log.Warn("reloading the canvas failed; retrying", "err", err)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		h.mu.Lock()
		h.log.Warn("the placement sequence went back; starting over from the canvas", "from", h.followed, "to", seq)
		h.mirror = data
		h.seq, h.followed = seq, seq
		h.pending = h.pending[:0]
		h.ringCount = 0
		h.canvasCache = nil
		h.mu.Unlock()
		return
	}
}

func (h *Hub) enqueue(batch []place.Placement) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range batch {
		if p.Seq <= h.followed {
			continue // already seen (a retried follow)
		}
		if p.Seq != h.followed+1 {
			h.log.Error("feed skipped placements", "expected", h.followed+1, "got", p.Seq)
		}
		h.pending = append(h.pending, p)
		h.followed = p.Seq
	}
}

// Ready reports whether the hub has loaded the canvas.
func (h *Hub) Ready() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ready && !h.closing
}

// WaitReady blocks until the canvas is loaded or ctx ends.
func (h *Hub) WaitReady(ctx context.Context) error {
	select {
	case <-h.readyCh:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Seq returns the last broadcast seq.
func (h *Hub) Seq() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq
}

// flush broadcasts everything received since the last tick as one batch.
func (h *Hub) flush() {
	h.mu.Lock()
	if len(h.pending) == 0 {
		h.mu.Unlock()
		return
	}
	start := time.Now()
	events := make([]Event, len(h.pending))
	for i, p := range h.pending {
		e := Event{X: p.X, Y: p.Y, Color: p.Color}
		events[i] = e
		h.mirror[p.Y*h.cfg.Width+p.X] = p.Color
		h.ring[p.Seq%ringSize] = e
	}
	h.ringCount = min(h.ringCount+len(events), ringSize)
	b := &Batch{PrevSeq: h.seq, Seq: h.pending[len(h.pending)-1].Seq, Events: events}
	h.pending = h.pending[:0]
	h.seq = b.Seq
	b.JSON = AppendPixelsJSON(make([]byte, 0, 64+len(events)*32), b.PrevSeq, b.Seq, events)
	b.Binary = AppendPixelsBinary(make([]byte, 0, 17+len(events)*4), b.PrevSeq, b.Seq, events)

	// Frame once per encoding: every connection gets the same bytes.
	binFrame := newFrame(gws.OpcodeBinary, b.Binary)
	jsonFrame := newFrame(gws.OpcodeText, b.JSON)
	targets := h.targets[:0]
	for _, c := range h.conns {
		targets = append(targets, c)
	}
	h.targets = targets
	for s := range h.subs {
		select {
		case s.ch <- b:
		default:
			// A subscriber that cannot keep up is dropped; it resumes by seq.
			delete(h.subs, s)
			close(s.ch)
		}
	}
	h.mu.Unlock()
	// Outside the lock: a connection that joins now starts from the canvas
	// or replay at b.Seq, and the next flush waits for this one.
	for _, c := range h.fanOut(targets, binFrame, jsonFrame) {
		metrics.SlowConsumers.Inc()
		h.closeConn(c.conn, 1008, "slow consumer")
	}
	clear(targets) // drop the references until the next tick
	metrics.BatchSize.Observe(float64(len(events)))
	metrics.BroadcastDuration.Observe(time.Since(start).Seconds())
	metrics.Seq.Set(float64(b.Seq))
}

// fanOut writes the batch to every target, split over one goroutine per
// processor. A write never blocks (see connWriter); it returns the
// connections whose backlog is full.
func (h *Hub) fanOut(targets []*client, binFrame, jsonFrame []byte) []*client {
	send := func(part []*client) (slow []*client) {
		for _, c := range part {
			if c.closed.Load() {
				continue
			}
			f := jsonFrame
			if c.binary {
				f = binFrame
			}
			if c.w.send(f, h.opts.MaxBacklog) == overflow {
				slow = append(slow, c)
			}
		}
		return slow
	}
	shards := runtime.GOMAXPROCS(0)
	if shards == 1 || len(targets) < 256 {
		return send(targets)
	}
	per := (len(targets) + shards - 1) / shards
	results := make([][]*client, shards)
	var wg sync.WaitGroup
	for i := range shards {
		part := targets[min(i*per, len(targets)):min((i+1)*per, len(targets))]
		wg.Go(func() { results[i] = send(part) })
	}
	wg.Wait()
	return slices.Concat(results...)
}

// replayLocked returns the events in (since, h.seq] if the ring still holds
// them.
func (h *Hub) replayLocked(since uint64) ([]Event, bool) {
	if since > h.seq {
		return nil, false
	}
	n := h.seq - since
	if n > uint64(h.ringCount) {
		return nil, false
	}
	out := make([]Event, 0, n)
	for s := since + 1; s <= h.seq; s++ {
		out = append(out, h.ring[s%ringSize])
	}
	return out, true
}

// canvasLocked returns the shared canvas frame for the current seq.
func (h *Hub) canvasLocked() *canvasFrame {
	if h.canvasCache == nil || h.canvasCache.seq != h.seq {
		h.canvasCache = &canvasFrame{seq: h.seq, raw: append([]byte(nil), h.mirror...)}
	}
	return h.canvasCache
}

func (f *canvasFrame) jsonFrame(w, hgt int) []byte {
	f.once.Do(func() {
		f.json = newFrame(gws.OpcodeText, EncodeCanvasJSON(w, hgt, f.seq, f.raw))
		metrics.CanvasEncodes.WithLabelValues("json").Inc()
	})
	return f.json
}

func (f *canvasFrame) binaryFrame(w, hgt int) []byte {
	f.once2.Do(func() {
		f.binary = newFrame(gws.OpcodeBinary, EncodeCanvasBinary(w, hgt, f.seq, f.raw))
		metrics.CanvasEncodes.WithLabelValues("binary").Inc()
	})
	return f.binary
}

// Canvas returns the canvas as last broadcast and its seq. The slice is
// shared and must not be modified.
func (h *Hub) Canvas() ([]byte, uint64) {
	h.mu.Lock()
	f := h.canvasLocked()
	h.mu.Unlock()
	return f.raw, f.seq
}

// Online returns the number of open WebSocket connections.
func (h *Hub) Online() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Subscription receives every batch broadcast after it was made.
type Subscription struct {
	ch chan *Batch
	h  *Hub
}

// C returns the channel of batches; it is closed when the subscriber fell
// behind or the hub shut down.
func (s *Subscription) C() <-chan *Batch { return s.ch }

// Close ends the subscription.
func (s *Subscription) Close() {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	if _, ok := s.h.subs[s]; ok {
		delete(s.h.subs, s)
		close(s.ch)
	}
}

// Subscribe registers a batch subscriber (SSE). With resume, it also returns
// the events in (since, now] as a batch, or ok=false when they are no longer
// held; seq is the last seq the subscriber is considered to have.
func (h *Hub) Subscribe(since uint64, resume bool) (sub *Subscription, replay *Batch, seq uint64, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sub = &Subscription{ch: make(chan *Batch, 256), h: h}
	ok = true
	if resume && since < h.seq {
		events, held := h.replayLocked(since)
		if held {
			replay = &Batch{PrevSeq: since, Seq: h.seq, Events: events}
			replay.JSON = AppendPixelsJSON(nil, since, h.seq, events)
		} else {
			ok = false
		}
	} else if resume && since > h.seq {
		ok = false
	}
	if !h.closing {
		h.subs[sub] = struct{}{}
	} else {
		close(sub.ch)
	}
	return sub, replay, h.seq, ok
}

// Kick closes the connections of a user or of a session token with 1008.
func (h *Hub) Kick(k place.Kick) {
	reason := k.Reason
	if reason == "" {
		reason = "session ended"
	}
	h.mu.Lock()
	var victims []*gws.Conn
	for conn, c := range h.conns {
		if (k.UserID != "" && c.id.UserID == k.UserID) || (k.Token != "" && c.id.Token == k.Token) {
			victims = append(victims, conn)
		}
	}
	h.mu.Unlock()
	for _, conn := range victims {
		h.closeConn(conn, 1008, reason)
	}
}

// Shutdown closes every connection with 1001 "going away" and waits (up to
// ctx) for them to end; SSE subscribers are released too.
func (h *Hub) Shutdown(ctx context.Context) {
	h.mu.Lock()
	h.closing = true
	conns := make([]*gws.Conn, 0, len(h.conns))
	for conn := range h.conns {
		conns = append(conns, conn)
	}
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
	h.mu.Unlock()
	for _, conn := range conns {
		h.closeConn(conn, 1001, "going away")
	}
	for ctx.Err() == nil && h.Online() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
}

// closeConn sends a close frame without waiting behind a stuck write (see
// connWriter.close) and closes the socket.
func (h *Hub) closeConn(conn *gws.Conn, code uint16, reason string) {
	c := clientOf(conn)
	if c == nil || c.w.nc == nil {
		_ = conn.NetConn().Close()
		return
	}
	if !c.closed.CompareAndSwap(false, true) {
		return
	}
	c.w.close(closeFrame(code, reason))
}

func (h *Hub) pinger(ctx context.Context) {
	t := time.NewTicker(h.opts.PingInterval)
	defer t.Stop()
	var targets []*client
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.mu.Lock()
			targets = targets[:0]
			for _, c := range h.conns {
				targets = append(targets, c)
			}
			h.mu.Unlock()
			for _, c := range targets {
				c.w.send(pingFrame, 0)
			}
			clear(targets)
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
