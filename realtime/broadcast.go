package realtime

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// Batch is one tick's broadcast, encoded once for every encoding.
type Batch struct {
	PrevSeq, Seq uint64
	Events       []Event
	JSON         []byte
	Binary       []byte

	sse     []byte // the SSE frame of JSON, formatted once on first use (sse.go)
	sseOnce sync.Once
}

// broadcaster follows the store's feed into the mirror and, once per tick,
// sends what arrived as one batch to every WebSocket connection of the
// registry and every SSE subscriber. Its lock covers the mirror and the
// joining of a new reader, so that each reader's chain of seqs has no gap;
// it is taken before the registry's, never after.
type broadcaster struct {
	feed       place.Feed
	log        *slog.Logger
	conns      *registry
	maxBacklog int64
	subs       *Fanout[*Batch]

	mu       sync.Mutex
	mirror   *Mirror
	followed uint64 // last seq received from the feed
	pending  []place.Placement
	targets  []*client // flush's snapshot of the connections, reused every tick
	ready    bool
	readyCh  chan struct{}

	state    func() []byte        // the state message (state.go); nil: none
	interval func() time.Duration // the live batch interval; nil: fixed
}

func newBroadcaster(cfg place.Config, feed place.Feed, log *slog.Logger, conns *registry, maxBacklog int64) *broadcaster {
	return &broadcaster{
		feed: feed, log: log, conns: conns, maxBacklog: maxBacklog,
		subs:    NewFanout[*Batch](256),
		mirror:  NewMirror(cfg.Width, cfg.Height),
		readyCh: make(chan struct{}),
	}
}

// load reads the canvas (retrying until ctx ends) and prefills the replay
// ring from history, so that a fresh instance can already serve resumes.
func (b *broadcaster) load(ctx context.Context) error {
	for {
		data, seq, err := b.feed.Canvas(ctx)
		if err == nil {
			b.mu.Lock()
			b.mirror.Reset(data, seq)
			b.followed = seq
			b.mu.Unlock()
			b.prefill(ctx, seq)
			b.mu.Lock()
			b.ready = true
			b.mu.Unlock()
			close(b.readyCh)
			metrics.Seq.Set(float64(seq))
			return nil
		}
		b.log.Warn("loading the canvas failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (b *broadcaster) prefill(ctx context.Context, seq uint64) {
	after := uint64(0)
	if seq > ringSize-1 {
		after = seq - (ringSize - 1)
	}
	for after < seq {
		batch, err := b.feed.Since(ctx, after, int(min(10_000, seq-after)))
		if err != nil || len(batch) == 0 {
			b.log.Warn("replay buffer not prefilled", "err", err, "from", after)
			return
		}
		b.mu.Lock()
		for _, p := range batch {
			if !b.mirror.Remember(p, after) {
				b.mu.Unlock()
				b.log.Warn("replay buffer not prefilled: history has gaps", "expected", after+1, "got", p.Seq)
				return
			}
			after = p.Seq
		}
		b.mu.Unlock()
	}
}

// follow receives committed placements from the feed until ctx ends.
func (b *broadcaster) follow(ctx context.Context) {
	for ctx.Err() == nil {
		b.mu.Lock()
		after := b.followed
		b.mu.Unlock()
		err := b.feed.Follow(ctx, after, b.enqueue)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, place.ErrFeedReset) {
			b.reset(ctx)
			continue
		}
		if err != nil {
			b.log.Warn("following placements failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// reset starts over from the store's canvas after its sequence went back.
// Readers that had seen higher seqs get a batch whose prevSeq does not
// match theirs, so they resynchronise, and a resume from a seq beyond the
// new one is answered with the canvas.
func (b *broadcaster) reset(ctx context.Context) {
	for ctx.Err() == nil {
		data, seq, err := b.feed.Canvas(ctx)
		if err != nil {
			b.log.Warn("reloading the canvas failed; retrying", "err", err)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		b.mu.Lock()
		b.log.Warn("the placement sequence went back; starting over from the canvas", "from", b.followed, "to", seq)
		b.mirror.Reset(data, seq)
		b.followed = seq
		b.pending = b.pending[:0]
		b.mu.Unlock()
		return
	}
}

// enqueue queues committed placements for the next tick.
func (b *broadcaster) enqueue(batch []place.Placement) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range batch {
		if p.Seq <= b.followed {
			continue // already seen (a retried follow)
		}
		if p.Seq != b.followed+1 {
			b.log.Error("feed skipped placements", "expected", b.followed+1, "got", p.Seq)
		}
		b.pending = append(b.pending, p)
		b.followed = p.Seq
	}
}

// run flushes once per interval until ctx ends.
func (b *broadcaster) run(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			b.flush()
			return
		case <-ticker.C:
			b.flush()
			if b.interval != nil {
				if d := b.interval(); d > 0 && d != interval {
					interval = d
					ticker.Reset(d)
				}
			}
		}
	}
}

// flush broadcasts everything received since the last tick as one batch.
func (b *broadcaster) flush() {
	b.mu.Lock()
	if len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	start := time.Now()
	prev := b.mirror.Seq()
	events := b.mirror.Apply(b.pending)
	b.pending = b.pending[:0]
	batch := &Batch{PrevSeq: prev, Seq: b.mirror.Seq(), Events: events}
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
	// replay at batch.Seq, and the next flush waits for this one.
	for _, c := range b.fanOut(targets, binFrame, jsonFrame) {
		metrics.SlowConsumers.Inc()
		b.conns.closeConn(c.conn, 1008, "slow consumer")
	}
	clear(targets) // drop the references until the next tick
	metrics.BatchSize.Observe(float64(len(events)))
	metrics.BroadcastDuration.Observe(time.Since(start).Seconds())
	metrics.Seq.Set(float64(batch.Seq))
}

// fanOut writes the batch to every target, split over one goroutine per
// processor. A write never blocks (see connWriter); it returns the
// connections whose backlog is full.
func (b *broadcaster) fanOut(targets []*client, binFrame, jsonFrame []byte) []*client {
	send := func(part []*client) (slow []*client) {
		for _, c := range part {
			if c.closed.Load() {
				continue
			}
			f := jsonFrame
			if c.binary {
				f = binFrame
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

// join sends a new connection its welcome and first state message (the
// replay of (since, now] when resuming and still held, else the canvas) and
// adds it to the registry, in one step under the lock so that the next
// batch it gets follows on from that state.
func (b *broadcaster) join(c *client, welcome []byte, since uint64, resume bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conns.isClosing() {
		return false
	}
	c.w.send(welcome, 0)
	var first []byte
	if resume {
		if events, ok := b.mirror.Replay(since); ok {
			seq := b.mirror.Seq()
			if c.binary {
				first = newFrame(gws.OpcodeBinary, AppendPixelsBinary(nil, since, seq, events))
			} else {
				first = newFrame(gws.OpcodeText, AppendPixelsJSON(nil, since, seq, events))
			}
		}
	}
	if first == nil {
		if f := b.mirror.Frame(); c.binary {
			first = f.binaryFrame()
		} else {
			first = f.jsonFrame()
		}
	}
	c.w.send(first, 0)
	if b.state != nil {
		c.w.send(newFrame(gws.OpcodeText, b.state()), 0)
	}
	return b.conns.add(c)
}

// subscribe registers an SSE subscriber. With resume, it also returns the
// events in (since, now] as a batch, or ok=false when they are no longer
// held; seq is the last seq the subscriber is considered to have.
func (b *broadcaster) subscribe(since uint64, resume bool) (sub <-chan *Batch, replay *Batch, seq uint64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	seq, ok = b.mirror.Seq(), true
	if resume && since < seq {
		if events, held := b.mirror.Replay(since); held {
			replay = &Batch{PrevSeq: since, Seq: seq, Events: events}
			replay.JSON = AppendPixelsJSON(nil, since, seq, events)
		} else {
			ok = false
		}
	} else if resume && since > seq {
		ok = false
	}
	sub, _ = b.subs.Subscribe()
	return sub, replay, seq, ok
}

// canvas returns the shared canvas frame as last broadcast.
func (b *broadcaster) canvas() *canvasFrame {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mirror.Frame()
}

func (b *broadcaster) seq() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mirror.Seq()
}

func (b *broadcaster) isReady() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ready
}
