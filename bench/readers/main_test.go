package main

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
)

// TestMeasure runs two readers for a second against a private redis-server
// and checks that both received every placement and that Redis's CPU time
// was measured.
func TestMeasure(t *testing.T) {
	bin := testenv.LookPath(t, "redis-server", "apt-get install redis-server")
	dbURL := testenv.NewPostgresDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs, err := startRedis(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.stop()
	cfg := config{readers: []int{0, 2}, rate: 500, window: time.Second, warmup: 200 * time.Millisecond, repeat: 1,
		redisURL: rs.url, databaseURL: dbURL}
	results, err := measure(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2", len(results))
	}
	for _, r := range results {
		if r.placements <= 0 || r.cpu <= 0 || r.cpuPerPlacement() <= 0 {
			t.Errorf("%d readers: %d placements, %.6f CPU seconds; want both positive", r.readers, r.placements, r.cpu)
		}
		if r.missed != 0 {
			t.Errorf("%d readers: %d placements missed", r.readers, r.missed)
		}
	}
	two := results[1]
	if two.xreadCalls <= 0 {
		t.Errorf("2 readers: %d XREAD calls counted", two.xreadCalls)
	}
	// Each reader received at least the window's placements.
	if two.received < 2*two.placements {
		t.Errorf("2 readers received %d placements in all, want at least %d", two.received, 2*two.placements)
	}
	var out bytes.Buffer
	report(&out, results)
	if !strings.Contains(out.String(), "| 2 | 1 |") || !strings.Contains(out.String(), "least squares") {
		t.Errorf("report lacks the 2-reader row or the fit:\n%s", out.String())
	}
}

// TestReaderCountsMissed checks the check itself: a gap, a repeat and a
// placement out of order are each counted.
func TestReaderCountsMissed(t *testing.T) {
	rd := &reader{}
	rd.last.Store(10)
	rd.receive([]place.Placement{{Seq: 11}, {Seq: 12}})
	if rd.missed.Load() != 0 || rd.last.Load() != 12 {
		t.Fatalf("in order: missed %d, last %d", rd.missed.Load(), rd.last.Load())
	}
	rd.receive([]place.Placement{{Seq: 15}}) // 13 and 14 skipped
	rd.receive([]place.Placement{{Seq: 15}}) // received twice
	rd.receive([]place.Placement{{Seq: 14}}) // out of order
	if got := rd.missed.Load(); got != 4 {
		t.Errorf("missed %d, want 4", got)
	}
	if rd.last.Load() != 15 || rd.received.Load() != 5 {
		t.Errorf("last %d, received %d; want 15 and 5", rd.last.Load(), rd.received.Load())
	}
}

func TestParseCommandStats(t *testing.T) {
	m, err := parseCommandStats("# Commandstats\r\ncmdstat_xread:calls=12,usec=340,usec_per_call=28.33,rejected_calls=0,failed_calls=0\r\ncmdstat_evalsha:calls=5,usec=100,usec_per_call=20.00\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if m["xread"] != (cmdStat{12, 340}) || m["evalsha"] != (cmdStat{5, 100}) {
		t.Errorf("parsed %v", m)
	}
	if _, err := parseCommandStats("cmdstat_xread:calls=x,usec=1"); err == nil {
		t.Error("a malformed count was accepted")
	}
}

// TestFitCalls checks that the split of the readers' share into a cost per
// call and per delivered placement recovers the costs windows were built
// from.
func TestFitCalls(t *testing.T) {
	const base, perCall, perEntry = 70.0, 12.0, 1.5 // µs
	var results []result
	for i, c := range []struct {
		readers int
		calls   int64
	}{{10, 15_000}, {25, 30_000}, {50, 40_000}, {100, 60_000}} {
		placements := int64(20_000 + 1000*i)
		us := base*float64(placements) + perCall*float64(c.calls) + perEntry*float64(placements)*float64(c.readers)
		results = append(results, result{readers: c.readers, round: 1, placements: placements, xreadCalls: c.calls, cpu: us / 1e6, seconds: 10})
	}
	call, entry, ok := fitCalls(results, map[int]float64{1: base}, 0)
	if !ok || math.Abs(call-perCall) > 1e-6 || math.Abs(entry-perEntry) > 1e-6 {
		t.Errorf("fit %.4f µs per call, %.4f per entry (ok %v); want %.1f and %.1f", call, entry, ok, perCall, perEntry)
	}
}
