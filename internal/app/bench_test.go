package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/bench"
	"github.com/placecanvas/place/internal/app"
)

// TestShortBenchRunMissesNothing runs the load generator against the whole
// product (sessions, a cooldown, history) for a few seconds: every client
// must see every placement, in an unbroken chain of seqs.
func TestShortBenchRunMissesNothing(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown, c.BatchInterval = time.Second, smallRoomInterval })
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
	checkSmallRoomLatency(t, ts.URL)
}

// smallRoomInterval is the batch interval of the short run: long, so that
// a pixel that waits for a tick shows plainly.
const smallRoomInterval = 100 * time.Millisecond

// checkSmallRoomLatency places 13 pixels a second in a room of 20: each
// arrives at an idle server and must be delivered without waiting for a
// tick. The bound is loose, and relative to the acknowledgment (which
// waits for the same commit), so that -race and a busy machine pass:
// waiting for the 100 ms tick would add 50 ms to the median (13/s, unlike
// 10/s, does not keep one phase to the tick, so the waits spread over the
// whole interval), the adaptive interval adds the fan-out to 20
// connections.
func checkSmallRoomLatency(t *testing.T, target string) {
	t.Helper()
	opts := bench.DefaultOptions()
	opts.Target = target
	opts.Clients, opts.Placers, opts.Rate = 20, 20, 13
	opts.Duration, opts.Warmup = 2*time.Second, 200*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("small room: placed %d, ack p50 %.1f ms, delivery p50 %.1f ms p99 %.1f ms", rep.Placed, rep.AckP50Ms, rep.DeliveryP50Ms, rep.DeliveryP99Ms)
	if rep.Missed != 0 || rep.Placed < 15 {
		t.Fatalf("small room: placed %d, missed %d", rep.Placed, rep.Missed)
	}
	if extra := rep.DeliveryP50Ms - rep.AckP50Ms; extra > 25 {
		t.Errorf("small room: delivery p50 %.1f ms is %.1f ms after the ack p50 %.1f ms: pixels wait for the %v tick",
			rep.DeliveryP50Ms, extra, rep.AckP50Ms, smallRoomInterval)
	}
}

// TestBenchLoadsAServerWithItsDefaultCaps runs the load generator against a
// server with the default per-address caps (300 connections, 30 new guests
// per hour): it spreads its watchers below the connection cap and gives
// each placer an address of its own, so every client connects.
func TestBenchLoadsAServerWithItsDefaultCaps(t *testing.T) {
	ts := start(t, func(c *app.Config) {
		d := app.Defaults()
		c.MaxConnsPerAddress, c.GuestLimit, c.Cooldown = d.MaxConnsPerAddress, d.GuestLimit, time.Second
	})
	opts := bench.DefaultOptions()
	opts.Target = ts.URL
	opts.Clients, opts.Placers, opts.Rate = 700, 40, 20
	opts.Duration, opts.Warmup = 2*time.Second, 200*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Connected != opts.Clients {
		t.Fatalf("connected %d of %d: %v", rep.Connected, opts.Clients, rep.ConnectErrors)
	}
	if rep.Acked == 0 || rep.Missed != 0 || len(rep.Errors) != 0 {
		t.Errorf("placed %d, acknowledged %d, missed %d, errors %v", rep.Placed, rep.Acked, rep.Missed, rep.Errors)
	}
	// And a run beyond the caps says why it was refused.
	opts.Clients, opts.Placers, opts.ConnsPerAddr, opts.Duration = 400, 0, 1000, 500*time.Millisecond
	opts.SourceAddrs = nil
	rep, err = bench.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Connected == opts.Clients || !strings.Contains(strings.Join(rep.Warnings, "\n"), "refused with 429") {
		t.Errorf("400 clients on one address against a cap of 300: connected %d, warnings %q", rep.Connected, rep.Warnings)
	}
}
