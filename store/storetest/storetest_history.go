package storetest

import (
	"regexp"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func testPixelHistory(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "Bob")
	now := base()
	mustPlace(t, s, alice.ID, 7, 7, 1, now)
	mustPlace(t, s, bob.ID, 7, 7, 2, now.Add(time.Second))
	mustPlace(t, s, alice.ID, 8, 7, 3, now.Add(5*time.Second))
	mustPlace(t, s, alice.ID, 7, 7, 4, now.Add(10*time.Second))
	flush(t, s)

	h, err := s.History.PixelHistory(ctx(t), 7, 7, 10)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		seq   uint64
		name  string
		color uint8
		at    time.Time
	}
	var got []row
	for _, e := range h {
		got = append(got, row{e.Seq, e.Username, e.Color, e.At})
	}
	want := []row{{4, "alice", 4, now.Add(10 * time.Second)}, {2, "Bob", 2, now.Add(time.Second)}, {1, "alice", 1, now}}
	if len(got) != len(want) {
		t.Fatalf("PixelHistory = %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i].seq != want[i].seq || got[i].name != want[i].name || got[i].color != want[i].color || !got[i].at.Equal(want[i].at) {
			t.Errorf("PixelHistory[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if h[0].UserID != alice.ID || h[0].X != 7 || h[0].Y != 7 {
		t.Errorf("PixelHistory[0] = %+v", h[0])
	}
	if h, err := s.History.PixelHistory(ctx(t), 7, 7, 1); err != nil || len(h) != 1 || h[0].Seq != 4 {
		t.Errorf("PixelHistory with limit 1 = %+v, %v", h, err)
	}
	if h, err := s.History.PixelHistory(ctx(t), 0, 0, 10); err != nil || len(h) != 0 {
		t.Errorf("PixelHistory of an untouched pixel = %+v, %v", h, err)
	}
}

func seqsOf(h []place.HistoryEntry) []uint64 {
	var out []uint64
	for _, e := range h {
		out = append(out, e.Seq)
	}
	return out
}

func testRecentAndUserPlacements(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	now := base()
	for i := range 6 {
		u := alice.ID
		if i%2 == 1 {
			u = bob.ID
		}
		mustPlace(t, s, u, i, 0, 1, now.Add(time.Duration(i)*10*time.Second))
	}
	flush(t, s)
	for _, tc := range []struct {
		name string
		get  func() ([]place.HistoryEntry, error)
		want []uint64
	}{
		{"recent", func() ([]place.HistoryEntry, error) { return s.History.RecentPlacements(ctx(t), 0, 4) }, []uint64{6, 5, 4, 3}},
		{"recent before", func() ([]place.HistoryEntry, error) { return s.History.RecentPlacements(ctx(t), 3, 10) }, []uint64{2, 1}},
		{"user", func() ([]place.HistoryEntry, error) { return s.History.UserPlacements(ctx(t), alice.ID, 0, 10) }, []uint64{5, 3, 1}},
		{"user before", func() ([]place.HistoryEntry, error) { return s.History.UserPlacements(ctx(t), bob.ID, 6, 1) }, []uint64{4}},
	} {
		h, err := tc.get()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(seqsOf(h), tc.want) {
			t.Errorf("%s: seqs %v, want %v", tc.name, seqsOf(h), tc.want)
		}
	}
	h, _ := s.History.RecentPlacements(ctx(t), 0, 1)
	if len(h) != 1 || h[0].Username != "bob" {
		t.Errorf("RecentPlacements does not name the user: %+v", h)
	}
	testHistoryNamed(t, s)
}

// testHistoryNamed checks HistoryEntry.Named: a registered player is named
// to everyone until they take their name off the statistics; a guest, and
// a user the history no longer knows, never are.
func testHistoryNamed(t *testing.T, s place.Stores) {
	sr := s.Stats
	if sr == nil {
		t.Fatal("the store keeps no statistics opt-out")
	}
	now := base().Add(time.Hour)
	listed, private := newUser(t, s, "listed"), newUser(t, s, "private")
	guest, err := s.Users.CreateGuest(ctx(t), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := sr.SetStatsOptOut(ctx(t), private.ID, true); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{listed.ID: true, private.ID: false, guest.ID: false, "gone": false}
	i := 0
	for id := range want {
		mustPlace(t, s, id, 10+i, 10, 2, now.Add(time.Duration(i)*time.Second))
		i++
	}
	flush(t, s)
	h, err := s.History.RecentPlacements(ctx(t), 0, len(want))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != len(want) {
		t.Fatalf("recent placements: %+v", h)
	}
	for _, e := range h {
		if e.Named != want[e.UserID] {
			t.Errorf("placement of %s (%q): Named %v, want %v", e.UserID, e.Username, e.Named, want[e.UserID])
		}
		px, err := s.History.PixelHistory(ctx(t), e.X, e.Y, 1)
		if err != nil || len(px) != 1 || px[0].Named != e.Named {
			t.Errorf("pixel history of %s: %+v, %v", e.UserID, px, err)
		}
	}
}

func testRollbackPlan(t *testing.T, open Opener) {
	cfg := DefaultConfig
	cfg.Cooldown = 0
	s := open(t, cfg)
	now := base()
	since := now.Add(time.Minute)
	at := func(d time.Duration) time.Time { return since.Add(d) }

	mustPlace(t, s, "other", 1, 1, 5, now)    // (1,1): other's red, then vandal twice
	mustPlace(t, s, "vandal", 1, 1, 3, at(0)) // at since exactly: counts
	mustPlace(t, s, "vandal", 1, 1, 4, at(time.Second))
	mustPlace(t, s, "vandal", 2, 2, 3, at(time.Second)) // (2,2): only the vandal → white
	mustPlace(t, s, "vandal", 3, 3, 3, at(time.Second)) // (3,3): overwritten later by someone else → untouched
	mustPlace(t, s, "other", 3, 3, 9, at(2*time.Second))
	mustPlace(t, s, "vandal", 4, 4, 7, now) // (4,4): vandal before since → untouched
	mustPlace(t, s, "other", 5, 5, 6, now)  // (5,5): vandal's old pixel, then other, then vandal
	mustPlace(t, s, "vandal", 5, 5, 2, now.Add(time.Second))
	mustPlace(t, s, "other", 5, 5, 8, now.Add(2*time.Second))
	mustPlace(t, s, "vandal", 5, 5, 3, at(3*time.Second)) // → other's 8
	mustPlace(t, s, "vandal", 6, 6, 1, now)               // (6,6): vandal before since, then after → vandal's own old 1
	mustPlace(t, s, "vandal", 6, 6, 3, at(time.Second))

	// Not flushed on purpose: a rollback right after the vandal's last pixel
	// must see it.
	plan, err := s.History.RollbackPlan(ctx(t), "vandal", since)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].Y*cfg.Width+plan[i].X < plan[j].Y*cfg.Width+plan[j].X })
	want := []place.Pixel{{X: 1, Y: 1, Color: 5}, {X: 2, Y: 2, Color: 0}, {X: 5, Y: 5, Color: 8}, {X: 6, Y: 6, Color: 1}}
	if !slices.Equal(plan, want) {
		t.Errorf("RollbackPlan = %+v, want %+v", plan, want)
	}
	if plan, err := s.History.RollbackPlan(ctx(t), "nobody", since); err != nil || len(plan) != 0 {
		t.Errorf("RollbackPlan of a user without placements = %+v, %v", plan, err)
	}
}

func testPlaceRollback(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	now := base()
	mustPlace(t, s, "vandal", 1, 1, 3, now)
	mustPlace(t, s, "mod", 9, 9, 1, now) // the moderator is in cooldown now
	pixels := []place.Pixel{{X: 1, Y: 1, Color: 5}, {X: 2, Y: 1, Color: 0}}
	ps, err := s.Placer.PlaceRollback(ctx(t), "mod", pixels, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("PlaceRollback returned %d placements, want 2", len(ps))
	}
	for i, p := range ps {
		want := place.Placement{Seq: uint64(3 + i), X: pixels[i].X, Y: pixels[i].Y, Color: pixels[i].Color, UserID: "mod", At: now.Add(time.Second), Rollback: true}
		if !samePlacement(p, want) {
			t.Errorf("rollback placement %d = %+v, want %+v", i, p, want)
		}
	}
	data, seq := canvas(t, s)
	if seq != 4 || data[1*cfg.Width+1] != 5 {
		t.Errorf("after rollback: seq %d, pixel (1,1) = %d; want 4, 5", seq, data[cfg.Width+1])
	}
	if ps, err := s.Placer.PlaceRollback(ctx(t), "mod", nil, now); err != nil || len(ps) != 0 {
		t.Errorf("empty rollback = %+v, %v", ps, err)
	}
	flush(t, s)
	h, err := s.History.PixelHistory(ctx(t), 1, 1, 10)
	if err != nil || len(h) != 2 || !h[0].Rollback || h[0].UserID != "mod" || h[1].Rollback {
		t.Errorf("history of a rolled back pixel = %+v, %v", h, err)
	}
}

var guestName = regexp.MustCompile(`^Guest_[A-Za-z0-9]{6}$`)
