package cluster_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
	"github.com/placecanvas/place/store/cluster"
)

// scriptPlacements reads place_redis_place_script_placements: how many
// script calls it has observed, and the placements they carried (the
// tests of this package run one at a time, so its changes are the
// test's own store's).
func scriptPlacements(t *testing.T) (calls uint64, placements float64) {
	t.Helper()
	var m dto.Metric
	if err := metrics.PlaceScriptPlacements.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

// With the broadcaster's gap given, placements arriving a millisecond apart
// (each would otherwise find Redis idle and go alone) wait for each other
// and go to Redis in a few script calls; a lone placement waits no longer
// than MaxPlaceLinger, however long the gap.
func TestPlacementsWaitForCompany(t *testing.T) {
	cfg := place.Config{Width: 64, Height: 64, Cooldown: 0}
	var mu sync.Mutex
	gap := 40 * time.Millisecond // a linger of 10 ms
	opts := newEnv(t).options(cfg)
	opts.FlushGap = func() time.Duration { mu.Lock(); defer mu.Unlock(); return gap }
	s := mustOpen(t, opts)
	ctx := context.Background()
	now := time.Now()

	const n = 40
	callsBefore, carriedBefore := scriptPlacements(t)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		time.Sleep(time.Millisecond)
		wg.Go(func() {
			if _, _, err := s.Placer.Place(ctx, place.Player{UserID: fmt.Sprint("company-", i)}, i, 0, 3, now); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a placement failed: %v", err)
	}
	took := time.Since(start)
	callsAfter, carriedAfter := scriptPlacements(t)
	calls := int64(callsAfter - callsBefore)
	if carried := carriedAfter - carriedBefore; carried != n {
		t.Errorf("the script calls carried %v placements, want %d", carried, n)
	}
	t.Logf("%d placements in %d script calls over %v", n, calls, took)
	// Each call's batch gathers for a whole linger (10 ms), one after the
	// other: a slow machine, spreading the arrivals, makes more calls.
	if want := max(n/4, int64(took/(10*time.Millisecond))+2); calls > want {
		t.Errorf("%d placements arriving 1 ms apart took %d script calls over %v, want at most %d", n, calls, took, want)
	}

	mu.Lock()
	gap = time.Second
	mu.Unlock()
	start = time.Now()
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "alone"}, 0, 1, 3, now); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < cluster.MaxPlaceLinger || took > cluster.MaxPlaceLinger+500*time.Millisecond {
		t.Errorf("a lone placement with a gap of 1 s took %v, want about %v", took, cluster.MaxPlaceLinger)
	}
}
