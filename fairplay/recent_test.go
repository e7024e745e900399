package fairplay_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/placecanvas/place/fairplay"
)

func TestRecentGroups(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	r := fairplay.NewRecent(0)
	// A script: 5 identities on one address, placing together every 10 s.
	for round := range 6 {
		at := now.Add(time.Duration(round-6) * 10 * time.Second)
		for i := range 5 {
			r.Add(fairplay.Mark{At: at, UserID: fmt.Sprintf("bot%d", i), Addr: "addr:203.0.113.5", X: 10 + i, Y: 20 + round})
		}
	}
	// Two identities on one browser, on different addresses.
	r.Add(fairplay.Mark{At: now.Add(-time.Minute), UserID: "alice", Addr: "addr:198.51.100.1", Device: "dev1", X: 1, Y: 1})
	r.Add(fairplay.Mark{At: now.Add(-30 * time.Second), UserID: "alice2", Addr: "addr:198.51.100.2", Device: "dev1", X: 3, Y: 2})
	// Three identities on three addresses placing in lockstep, and a lone
	// player who places at other times.
	for round := range 5 {
		at := now.Add(time.Duration(round-5)*7*time.Second + 3*time.Second)
		for i := range 3 {
			r.Add(fairplay.Mark{At: at, UserID: fmt.Sprintf("ring%d", i), Addr: fmt.Sprintf("addr:192.0.2.%d", i), X: 50, Y: 50 + i})
		}
		r.Add(fairplay.Mark{At: at.Add(5 * time.Second), UserID: "lone", Addr: "addr:192.0.2.200", X: 0, Y: 0})
	}
	// A placement older than an hour is forgotten.
	r.Add(fairplay.Mark{At: now.Add(-2 * time.Hour), UserID: "old", Addr: "addr:203.0.113.5", X: 99, Y: 99})

	groups := r.Groups(now)
	got := map[string]fairplay.Group{}
	for _, g := range groups {
		got[g.Kind+" "+g.Key] = g
	}
	if len(groups) != 3 {
		t.Fatalf("%d groups, want 3: %+v", len(groups), groups)
	}
	bots, ok := got["address addr:203.0.113.5"]
	if !ok || len(bots.Users) != 5 || bots.Count != 30 || bots.MinX != 10 || bots.MaxX != 14 || bots.MinY != 20 || bots.MaxY != 25 {
		t.Errorf("the address group: %+v", bots)
	}
	if groups[0].Key != "addr:203.0.113.5" {
		t.Errorf("the largest group is not first: %+v", groups[0])
	}
	dev, ok := got["device dev1"]
	if !ok || len(dev.Users) != 2 || len(dev.Addrs) != 2 || dev.Count != 2 || !dev.Last.Equal(now.Add(-30*time.Second)) {
		t.Errorf("the device group: %+v", dev)
	}
	ring, ok := got["lockstep ring0"]
	if !ok || fmt.Sprint(ring.Users) != "[ring0 ring1 ring2]" || ring.Count != 15 {
		t.Errorf("the lockstep group: %+v", ring)
	}
	if g, ok := r.Find(fairplay.ByDevice, "dev1", now); !ok || len(g.Users) != 2 {
		t.Errorf("Find: %+v %v", g, ok)
	}
	if _, ok := r.Find(fairplay.ByAddress, "addr:192.0.2.200", now); ok {
		t.Errorf("a lone player is a group")
	}
}

// The record keeps at most its bound, dropping the oldest.
func TestRecentBound(t *testing.T) {
	now := time.Now()
	r := fairplay.NewRecent(100)
	for i := range 1000 {
		r.Add(fairplay.Mark{At: now.Add(time.Duration(i-1000) * time.Millisecond), UserID: fmt.Sprint("u", i%3), Addr: "addr:a", X: i})
	}
	g, ok := r.Find(fairplay.ByAddress, "addr:a", now)
	if !ok || g.Count > 100 || g.Count < 75 || g.MaxX != 999 {
		t.Fatalf("kept %+v", g)
	}
}

// A record that has seen many more identities than it keeps still names
// the right ones, also just after its string table was rebuilt (checked
// after every placement).
func TestRecentManyIdentities(t *testing.T) {
	now := time.Now()
	r := fairplay.NewRecent(100)
	const n = 12_000
	add := func(i int) {
		// Two identities per address, a device each.
		r.Add(fairplay.Mark{
			At:     now.Add(time.Duration(i-n) * time.Millisecond),
			UserID: fmt.Sprint("u", i), Addr: fmt.Sprint("addr:", i/2), Device: fmt.Sprint("d", i),
			X: i % 1000, Y: i / 1000,
		})
	}
	check := func(i int) { // the pair i, i+1 (i even), both added
		t.Helper()
		addr := fmt.Sprint("addr:", i/2)
		g, ok := r.Find(fairplay.ByAddress, addr, now)
		want := []string{fmt.Sprint("u", i), fmt.Sprint("u", i+1)}
		if !ok || fmt.Sprint(g.Users) != fmt.Sprint(want) || g.Count != 2 || g.MinX != i%1000 || g.MaxX != (i+1)%1000 || g.MinY != i/1000 {
			t.Fatalf("after %d placements, %s: %+v (found %v), want users %v at x %d-%d", n, addr, g, ok, want, i%1000, (i+1)%1000)
		}
		if g, ok := r.Find(fairplay.ByDevice, fmt.Sprint("d", i), now); ok {
			t.Fatalf("a device of one identity is a group: %+v", g)
		}
	}
	for i := range n {
		add(i)
		if i%2 == 1 && i >= 61 {
			check(i - 61) // among the oldest the record still keeps
		}
	}
}
