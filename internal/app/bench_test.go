package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/placecanvas/place/bench"
	"github.com/placecanvas/place/internal/app"
)

// TestShortBenchRunMissesNothing runs the load generator against the whole
// product (sessions, a cooldown, history) for a few seconds: every client
// must see every placement, in an unbroken chain of seqs.
func TestShortBenchRunMissesNothing(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = time.Second })
	opts := bench.DefaultOptions()
	opts.Target = ts.URL
	opts.Clients, opts.Placers, opts.Rate = 300, 150, 100
	opts.Duration, opts.Warmup = 3*time.Second, 200*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("connected %d in %.1fs, placed %d, delivery p50 %.1f ms p99 %.1f ms, %.0f messages/s",
		rep.Connected, rep.ConnectSec, rep.Placed, rep.DeliveryP50Ms, rep.DeliveryP99Ms, rep.MessagesPerSec)
	if rep.Connected != opts.Clients || rep.Disconnected != 0 {
		t.Fatalf("connected %d of %d, disconnected %d: %v %v", rep.Connected, opts.Clients, rep.Disconnected, rep.ConnectErrors, rep.CloseReasons)
	}
	if rep.Missed != 0 {
		t.Errorf("%d pixels missed", rep.Missed)
	}
	if rep.Placed < 200 || rep.Acked != rep.Placed || len(rep.Errors) != 0 {
		t.Errorf("placed %d, acknowledged %d, errors %v: want about 300, all acknowledged", rep.Placed, rep.Acked, rep.Errors)
	}
	if want := rep.Placed * int64(rep.Connected); rep.Deliveries != want {
		t.Errorf("%d deliveries, want %d (every placement on every client)", rep.Deliveries, want)
	}
}
