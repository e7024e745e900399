package handlers

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// fakeStats counts computations and can be made slow or failing.
type fakeStats struct {
	place.StatsReader
	calls atomic.Int32
	delay time.Duration
	err   error
}

func (f *fakeStats) EventStats(context.Context, int) (place.EventStats, error) {
	n := f.calls.Add(1)
	time.Sleep(f.delay)
	return place.EventStats{Placements: int64(n)}, f.err
}

func TestStatsCache(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	f := &fakeStats{delay: 20 * time.Millisecond}
	c := newStatsCache(f, clock, slog.New(slog.DiscardHandler))
	ctx := context.Background()

	// Concurrent first requests share one computation.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if s, err := c.get(ctx); err != nil || s.view.Stats.Placements != 1 {
				t.Errorf("first get: %v %v", s, err)
			}
		})
	}
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d computations for concurrent first requests", n)
	}
	// Within the TTL: served from the cache.
	advance(statsTTL - time.Second)
	if s, _ := c.get(ctx); s.view.Stats.Placements != 1 || f.calls.Load() != 1 {
		t.Fatal("recomputed within the TTL")
	}
	// After it: the old figures at once, new ones computed behind.
	advance(2 * time.Second)
	if s, _ := c.get(ctx); s.view.Stats.Placements != 1 {
		t.Fatal("a stale request waited for the computation")
	}
	waitUntil(t, func() bool { s, _ := c.get(ctx); return s.view.Stats.Placements == 2 })
	// An invalidation (opt-out) makes the next request wait for fresh ones.
	c.invalidate()
	if s, _ := c.get(ctx); s.view.Stats.Placements != 3 {
		t.Fatalf("after invalidate: %d", s.view.Stats.Placements)
	}
	// A failing store: the first computation's failure is 503.
	bad := newStatsCache(&fakeStats{err: errors.New("down")}, clock, slog.New(slog.DiscardHandler))
	if _, err := bad.get(ctx); place.ErrorCode(err) != place.EUNAVAILABLE {
		t.Errorf("failing store: %v", err)
	}
}

// A long computation is repeated less often.
func TestStatsCacheTTLGrowsWithComputationTime(t *testing.T) {
	f := &fakeStats{delay: 10 * time.Millisecond}
	c := newStatsCache(f, time.Now, slog.New(slog.DiscardHandler))
	c.ttl = 0
	s, err := c.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.ttl < 100*time.Millisecond {
		t.Errorf("ttl %v after a 10 ms computation, want at least 10×", s.ttl)
	}
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
