package feedloop_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/feedloop"
)

// storeFeed is a store: Since reads what has been committed; Follow (the
// one reader) delivers each batch sent on batches, and counts its calls.
type storeFeed struct {
	place.Feed
	mu        sync.Mutex
	committed []place.Placement
	follows   int
	batches   chan []place.Placement
	reset     chan struct{}
}

func newStoreFeed() *storeFeed {
	return &storeFeed{batches: make(chan []place.Placement), reset: make(chan struct{})}
}

// commit adds seqs from..to to the store and returns them as a batch.
func (f *storeFeed) commit(from, to uint64) []place.Placement {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ps []place.Placement
	for s := from; s <= to; s++ {
		ps = append(ps, place.Placement{Seq: s, X: int(s % 7)})
	}
	f.committed = append(f.committed, ps...)
	return ps
}

func (f *storeFeed) Since(_ context.Context, after uint64, n int) ([]place.Placement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []place.Placement
	for _, p := range f.committed {
		if p.Seq > after && len(out) < n {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *storeFeed) Follow(ctx context.Context, _ uint64, fn func([]place.Placement)) error {
	f.mu.Lock()
	f.follows++
	f.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.reset:
			return place.ErrFeedReset
		case ps := <-f.batches:
			fn(ps)
		}
	}
}

// collector records what a follower of the tee gets, and checks it is in
// order without gaps or repeats.
type collector struct {
	mu   sync.Mutex
	last uint64
	bad  error
	got  chan uint64
}

func newCollector(after uint64) *collector {
	return &collector{last: after, got: make(chan uint64, 10_000)}
}

func (c *collector) apply(ps []place.Placement) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range ps {
		if p.Seq != c.last+1 && c.bad == nil {
			c.bad = errors.New("out of order")
			c.last = p.Seq
			continue
		}
		c.last = p.Seq
		c.got <- p.Seq
	}
}

func (c *collector) waitFor(t *testing.T, seq uint64) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		last, bad := c.last, c.bad
		c.mu.Unlock()
		if bad != nil {
			t.Fatalf("the follower got placements out of order or with a gap (at %d)", last)
		}
		if last >= seq {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("the follower got up to %d, want %d", last, seq)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// A follower of the tee that starts behind catches up from the store, then
// gets the shared read's batches (some of which it already had), in order
// and without gaps; the store is followed once.
func TestTeeSharesTheReadAndCatchesUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newStoreFeed()
	tee := feedloop.NewTee(f)
	hub := newCollector(0)
	go func() { _ = tee.Source().Follow(ctx, 0, hub.apply) }()
	f.batches <- f.commit(1, 10)

	c := newCollector(3)
	done := make(chan error, 1)
	go func() { done <- tee.Follow(ctx, 3, c.apply) }()
	c.waitFor(t, 10)
	f.batches <- f.commit(11, 20)
	f.batches <- f.commit(21, 25)
	c.waitFor(t, 25)
	hub.waitFor(t, 25)
	if f.follows != 1 {
		t.Errorf("the store was followed %d times, want once", f.follows)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("follow ended with %v", err)
	}
}

// A follower too slow for the shared read is dropped with an error and,
// following again from its seq, gets the rest from the store; a reset of
// the store's sequence ends every follower with place.ErrFeedReset.
func TestTeeDropsASlowFollowerAndPassesResets(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newStoreFeed()
	tee := feedloop.NewTee(f)
	go func() { _ = tee.Source().Follow(ctx, 0, func([]place.Placement) {}) }()

	c := newCollector(0)
	release, stuck := make(chan struct{}), make(chan struct{})
	first := true
	slow := func(ps []place.Placement) {
		if first {
			first = false
			close(stuck)
			<-release // stuck while the shared read goes on
		}
		c.apply(ps)
	}
	done := make(chan error, 1)
	go func() { done <- tee.Follow(ctx, 0, slow) }()
	// The first placement reaches it (from the store or the shared read)
	// and it gets stuck on it; then more than it may buffer go by.
	f.batches <- f.commit(1, 1)
	seq := uint64(1)
	<-stuck
	for range 300 {
		f.batches <- f.commit(seq+1, seq+1)
		seq++
	}
	close(release)
	if err := <-done; err == nil || errors.Is(err, place.ErrFeedReset) {
		t.Fatalf("a follower that fell behind ended with %v, want an error to follow again", err)
	}
	// More placements while it is away; following again, it gets them from
	// the store (reading which shows it is subscribed again).
	f.batches <- f.commit(seq+1, seq+10)
	seq += 10
	c.mu.Lock()
	last := c.last
	c.mu.Unlock()
	go func() { done <- tee.Follow(ctx, last, c.apply) }()
	c.waitFor(t, seq)
	f.batches <- f.commit(seq+1, seq+1)
	seq++
	c.waitFor(t, seq)

	close(f.reset)
	if err := <-done; !errors.Is(err, place.ErrFeedReset) {
		t.Fatalf("after the store's reset the follower ended with %v, want ErrFeedReset", err)
	}
}

// The shared read's followers get a batch while the store's reader (the
// broadcaster, which holds each read for its flush gap) still holds it.
func TestTeeFollowersDoNotWaitForTheHub(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newStoreFeed()
	tee := feedloop.NewTee(f)
	release := make(chan struct{})
	defer close(release)
	calls := 0
	go func() {
		_ = tee.Source().Follow(ctx, 0, func([]place.Placement) {
			if calls++; calls > 1 {
				<-release // the hub holds every read after the first
			}
		})
	}()
	c := newCollector(0)
	go func() { _ = tee.Follow(ctx, 0, c.apply) }()
	// Once the follower has seq 1 (from the store or the shared read) it
	// is subscribed; seq 2 must reach it while the hub holds the read.
	f.batches <- f.commit(1, 1)
	c.waitFor(t, 1)
	f.batches <- f.commit(2, 2)
	c.waitFor(t, 2)
}
