package realtime

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/metrics"
)

// Batch is one flush's broadcast, encoded once for every encoding.
type Batch struct {
	PrevSeq, Seq uint64
	Events       []Event
	JSON         []byte
	Binary       []byte
	// Grown, when not zero, is the canvas's new size: it grew since the
	// last batch, and SSE streams get a resize before the pixels (a batch
	// with no events carries a growth alone).
	Grown place.Size

	sse     []byte // the SSE frame of JSON, formatted once on first use (sse.go)
	sseOnce sync.Once
}

// broadcaster sends what the live canvas gained since the last flush as one
// batch to every WebSocket connection of the registry and every SSE
// subscriber. In cluster mode it also follows the store's feed into the
// live canvas; in embedded mode the store applies each batch at commit. Its
// lock covers the last seq sent and the joining of a new reader, so that
// each reader's chain of seqs has no gap; it is taken before the registry's,
// never after.
type broadcaster struct {
	feed        place.Feed
	live        *live.Canvas
	fedAtCommit bool // the store applies commits to live itself
	log         *slog.Logger
	conns       *registry
	maxBacklog  int64
	subs        *Fanout[*Batch]
	acks        ackQueue                    // connections holding answers (acks.go)
	frame       atomic.Pointer[canvasFrame] // the encoded canvas at its latest seq

	mu       sync.Mutex
	sent     uint64     // last seq broadcast
	sentSize place.Size // the size last announced to every connection (load, then resize)
	targets  []*client  // flush's snapshot of the connections, reused every flush
	ready    bool
	readyCh  chan struct{}

	state    func() []byte        // the state message (state.go); nil: none
	interval func() time.Duration // the live batch interval; nil: fixed
	minGap   time.Duration        // the shortest gap between flushes (0: tickMinGap)
	paced    bool                 // its inputs come at most once a gap: flush each as it lands
	gapNow   atomic.Int64         // the gap after the last flush, ns
	// size reads the store's canvas size, when the feed brings a placement
	// beyond the live canvas before this instance learnt of the growth.
	size func(context.Context) (place.Size, error)
}

func newBroadcaster(o Options, conns *registry) *broadcaster {
	return &broadcaster{
		feed: o.Feed, live: o.Live, fedAtCommit: o.FedAtCommit, size: o.Size,
		log: o.Logger, conns: conns, maxBacklog: o.MaxBacklog, minGap: o.MinGap,
		// Followed feeds are read at most once a gap (follow.go), and a
		// paced store commits at most once a gap.
		paced:   !o.FedAtCommit || o.CommitPaced,
		subs:    NewFanout[*Batch](256),
		acks:    newAckQueue(),
		readyCh: make(chan struct{}),
	}
}

// run broadcasts what the live canvas gains until ctx ends. It sleeps
// until the canvas changes (an idle server costs nothing), then flushes at
// once when the last flush started long enough ago, else when it will have
// (tickPolicy), and never later than the batch interval after the last
// flush. Held answers (acks.go) go out with the next flush, or on their
// own when the canvas does not change within the gap.
func (b *broadcaster) run(ctx context.Context, interval time.Duration) {
	policy := newTickPolicy(b.minGap)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		if b.interval != nil {
			if d := b.interval(); d > 0 {
				interval = d
			}
		}
		select {
		case <-ctx.Done():
			b.flush()
			return
		case <-b.live.Changed(b.lastSent()):
		case <-b.acks.wake:
			// Held answers wait for the next batch, at most one gap.
			hold := min(policy.gap(b.conns.online(), interval), max(ackMaxDelay, b.minGap))
			if !b.changeWithin(ctx, hold, timer) {
				if ctx.Err() != nil {
					b.flush()
					return
				}
				b.flushAcks()
				continue
			}
		}
		if d := b.wait(policy, interval); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				timer.Stop()
				b.flush()
				return
			case <-timer.C:
			}
		}
		start := time.Now()
		if n, sent := b.flush(); sent {
			policy.flushed(start, time.Since(start), n)
			gap := policy.gap(n, interval)
			b.gapNow.Store(int64(gap))
			metrics.BroadcastGap.Set(gap.Seconds())
		}
	}
}

// MaxCommitHold is the longest a paced store holds placements for the next
// flush (Hub.CommitGap): a longer gap (a long batch interval, or a flush
// to a very large audience) leaves the store committing at once and the
// broadcaster batching by its own clock.
const MaxCommitHold = 100 * time.Millisecond

// wait returns how long to wait before flushing what has just arrived. The
// commits of a paced store (Options.CommitPaced), and the reads of a
// followed feed (holdFeed), already come at most once a gap, so each goes
// out as it lands: waiting for the broadcaster's own clock would hold it
// for up to one more gap, since the two clocks drift apart (measured at
// 2,500 connections: BENCHMARKS.md, "The history writer keeps the
// broadcaster's time").
func (b *broadcaster) wait(policy *tickPolicy, interval time.Duration) time.Duration {
	conns := b.conns.online()
	if b.paced && policy.gap(conns, interval) <= MaxCommitHold {
		return 0
	}
	return policy.wait(time.Now(), conns, interval)
}

// commitGap implements Hub.CommitGap.
func (b *broadcaster) commitGap() time.Duration {
	if g := time.Duration(b.gapNow.Load()); g <= MaxCommitHold {
		return g
	}
	return 0
}

// lastSent returns the last seq broadcast and the size last announced.
func (b *broadcaster) lastSent() (uint64, place.Size) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent, b.sentSize
}

// flush broadcasts everything the live canvas gained since the last flush
// as one batch; it reports whether it sent one, and to how many
// connections.
func (b *broadcaster) flush() (conns int, sent bool) {
	// Taken before the batch is written: every answer held now goes out
	// with it, or right after it on its own.
	held, epoch := b.acks.take()
	b.mu.Lock()
	start := time.Now()
	prev := b.sent
	events, seq, ok := b.live.Events(prev, nil)
	// Read after the events: a growth comes before any pixel beyond the old
	// size reaches the live canvas, so this size holds every event read.
	resize := b.resizeFrames(prev)
	if seq == prev || !ok {
		// No batch: a growth alone still goes to every reader.
		var targets []*client
		if resize != nil {
			targets = b.conns.snapshot(nil)
			b.subs.Send(&Batch{PrevSeq: prev, Seq: prev, Grown: b.sentSize})
		}
		b.sent = seq
		b.mu.Unlock()
		b.sendAll(targets, resize)
		flushHeld(held, epoch)
		if seq == prev {
			return 0, false
		}
		// The sequence went back, or the ring lost what came after prev:
		// readers see the next batch's prevSeq differ from theirs and
		// resynchronise.
		b.log.Warn("broadcast skipped: the replay ring does not reach back to the last seq sent", "sent", prev, "seq", seq)
		return 0, false
	}
	b.sent = seq
	batch := &Batch{PrevSeq: prev, Seq: seq, Events: events}
	if resize != nil {
		batch.Grown = b.sentSize
	}
	batch.JSON = AppendPixelsJSON(make([]byte, 0, 64+len(events)*32), batch.PrevSeq, batch.Seq, events)
	batch.Binary = AppendPixelsBinary(make([]byte, 0, 17+len(events)*4), batch.PrevSeq, batch.Seq, events)
	// Frame once per encoding: every connection gets the same bytes.
	binFrame := newFrame(gws.OpcodeBinary, batch.Binary)
	jsonFrame := newFrame(gws.OpcodeText, batch.JSON)
	b.targets = b.conns.snapshot(b.targets[:0])
	targets := b.targets
	b.subs.Send(batch)
	b.mu.Unlock()
	// Outside the lock: a reader that joins now starts from the canvas or
	// replay at batch.Seq or later, and the next flush waits for this one.
	for _, c := range b.fanOut(targets, batch, resize, binFrame, jsonFrame) {
		metrics.SlowConsumers.Inc()
		b.conns.closeConn(c.conn, 1008, "slow consumer")
	}
	flushHeld(held, epoch)
	clear(targets) // drop the references until the next flush
	metrics.BatchSize.Observe(float64(len(events)))
	metrics.BroadcastDuration.Observe(time.Since(start).Seconds())
	metrics.Seq.Set(float64(batch.Seq))
	return len(targets), true
}

// fanOut writes the batch to every target, split over one goroutine per
// processor. A write never blocks (see connWriter); it returns the
// connections whose backlog is full.
func (b *broadcaster) fanOut(targets []*client, batch *Batch, resize, binFrame, jsonFrame []byte) []*client {
	send := func(part []*client) (slow []*client) {
		for _, c := range part {
			if c.closed.Load() {
				continue
			}
			if resize != nil && c.w.send(resize, b.maxBacklog) == overflow {
				slow = append(slow, c)
				continue
			}
			f := jsonFrame
			if c.binary {
				f = binFrame
			}
			if from := c.from.Load(); from != 0 {
				// Its first state was taken after prev: the batch goes on from it.
				c.from.Store(0)
				if from >= batch.Seq {
					continue
				}
				if from > batch.PrevSeq {
					f = pixelsFrame(c.binary, from, batch.Seq, batch.Events[from-batch.PrevSeq:])
				}
			}
			if c.w.send(f, b.maxBacklog) == overflow {
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

// pixelsFrame frames a pixels message of its own for one reader.
func pixelsFrame(binary bool, prev, seq uint64, events []Event) []byte {
	if binary {
		return newFrame(gws.OpcodeBinary, AppendPixelsBinary(nil, prev, seq, events))
	}
	return newFrame(gws.OpcodeText, AppendPixelsJSON(nil, prev, seq, events))
}

// join sends a new connection its welcome and first state message (the
// replay of (since, now] when resuming and still held, else the canvas) and
// adds it to the registry, in one step under the lock so that the next
// batch it gets follows on from that state. A kick closes it from before
// its welcome is sent (the frames after the close are dropped).
func (b *broadcaster) join(c *client, welcome []byte, welcomeSize place.Size, since uint64, resume bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Registered first, under the lock that orders joins with batches: a
	// kick that comes once the client has its welcome finds it here.
	if !b.conns.add(c) {
		return false
	}
	c.w.send(welcome, 0)
	var first []byte
	if resume {
		if events, seq, ok := b.live.Events(since, nil); ok {
			first = pixelsFrame(c.binary, since, seq, events)
			c.from.Store(seq)
		}
	}
	var replay []byte
	if first == nil {
		f, events, seq := b.canvas()
		first = f.frame(c.binary, c.deflate)
		if seq != f.seq {
			replay = pixelsFrame(c.binary, f.seq, seq, events)
		}
		c.from.Store(seq)
	}
	// The canvas grew since the welcome was built: the replay may hold
	// pixels beyond the size it announced.
	if sz := b.live.Size(); sz != welcomeSize {
		c.w.send(resizeFrame(sz, since), 0)
	}
	c.w.send(first, 0)
	if replay != nil {
		c.w.send(replay, 0)
	}
	if b.state != nil {
		c.w.send(newFrame(gws.OpcodeText, b.state()), 0)
	}
	c.w.markJoined()
	return true
}

// subscribe registers an SSE subscriber. With resume, it also returns the
// events in (since, now] as a batch, or ok=false when they are no longer
// held; seq is the last seq the subscriber is considered to have (batches
// from the subscription may begin before it: see trimSSE).
func (b *broadcaster) subscribe(since uint64, resume bool) (sub <-chan *Batch, replay *Batch, seq uint64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ok = true
	if resume {
		var events []Event
		var held bool
		events, seq, held = b.live.Events(since, nil)
		grew := b.live.GrewSince(since)
		switch {
		case !held:
			ok = false
		case since < seq || grew:
			replay = &Batch{PrevSeq: since, Seq: seq, Events: events}
			replay.JSON = AppendPixelsJSON(nil, since, seq, events)
			if grew {
				// The canvas grew while the client was away, with or
				// without a placement since: it starts with the size.
				replay.Grown = b.live.Size()
			}
		}
	} else {
		seq = b.live.Seq()
	}
	sub, _ = b.subs.Subscribe()
	return sub, replay, seq, ok
}

// canvas returns the shared canvas frame at the live canvas's seq.
func (b *broadcaster) canvas() (f *canvasFrame, events []Event, seq uint64) {
	// A frame made less than frameReuse ago serves with the pixels placed
	// since it, when the canvas did not grow since: on a busy canvas
	// joiners share one copy, encoding and compression of the canvas
	// instead of each making their own.
	if f = b.frame.Load(); f != nil && f.width*f.height >= reuseArea && time.Since(f.made) < frameReuse {
		if events, at, ok := b.live.Events(f.seq, nil); ok && !b.live.GrewSince(f.seq) {
			return f, events, at
		}
	}
	raw, sz, seq := b.live.Snapshot()
	if f != nil && f.seq == seq && len(f.raw) == len(raw) && &f.raw[0] == &raw[0] {
		return f, nil, seq
	}
	f = &canvasFrame{seq: seq, width: sz.Width, height: sz.Height, raw: raw, made: time.Now()}
	b.frame.Store(f)
	return f, nil, seq
}

// frameReuse is how long one canvas frame serves joiners, followed by the
// pixels placed since it was taken, on canvases of reuseArea pixels or more
// (a smaller one is encoded in well under a millisecond).
const (
	frameReuse = time.Second
	reuseArea  = 1 << 20
)

func (b *broadcaster) isReady() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ready
}
