package storetest

import (
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// testPlaceWipe: a wipe's placements are a moderator's (no cooldown, not
// counted as players'), and every read of history tells them from a
// rollback's: the placements returned, pixel history, the feed (Since and
// EachPlacement) and, when the store keeps them, the statistics.
func testPlaceWipe(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	now := base()
	mustPlace(t, s, "artist", 1, 1, 3, now)
	pixels := []place.Pixel{{X: 1, Y: 1, Color: 0}, {X: 2, Y: 1, Color: 0}}
	wiped, err := s.Placer.PlaceWipe(ctx(t), "mod", pixels, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	rolled, err := s.Placer.PlaceRollback(ctx(t), "mod", []place.Pixel{{X: 2, Y: 1, Color: 7}}, now.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range wiped {
		want := place.Placement{Seq: uint64(2 + i), X: pixels[i].X, Y: pixels[i].Y, Color: 0, UserID: "mod", At: now.Add(time.Second), Rollback: true, Wipe: true}
		if !samePlacement(p, want) {
			t.Errorf("wipe placement %d = %+v, want %+v", i, p, want)
		}
	}
	if len(rolled) != 1 || rolled[0].Wipe || !rolled[0].Rollback {
		t.Fatalf("rollback after the wipe = %+v, want one rollback placement", rolled)
	}
	if ps, err := s.Placer.PlaceWipe(ctx(t), "mod", nil, now); err != nil || len(ps) != 0 {
		t.Errorf("empty wipe = %+v, %v", ps, err)
	}
	flush(t, s)
	want := []string{"placement", "wipe", "wipe", "rollback"}
	h, err := s.History.PixelHistory(ctx(t), 1, 1, 10)
	if err != nil || len(h) != 2 || h[0].Kind() != "wipe" || h[1].Kind() != "placement" {
		t.Errorf("history of a wiped pixel = %+v, %v; want the wipe, then the artist's", h, err)
	}
	h, err = s.History.PixelHistory(ctx(t), 2, 1, 10)
	if err != nil || len(h) != 2 || h[0].Kind() != "rollback" || h[1].Kind() != "wipe" {
		t.Errorf("history of a wiped then rolled back pixel = %+v, %v", h, err)
	}
	since, err := s.Feed.Since(ctx(t), 0, 10)
	if err != nil || len(since) != len(want) {
		t.Fatalf("Since = %+v, %v", since, err)
	}
	var each []place.Placement
	if err := s.History.EachPlacement(ctx(t), func(p place.Placement) error { each = append(each, p); return nil }); err != nil {
		t.Fatal(err)
	}
	for i, k := range want {
		if since[i].Kind() != k || each[i].Kind() != k {
			t.Errorf("placement %d: Since says %s, EachPlacement %s; want %s", i+1, since[i].Kind(), each[i].Kind(), k)
		}
	}
	if s.Stats != nil {
		st, err := s.Stats.EventStats(ctx(t), 5)
		if err != nil || st.Placements != 1 || st.Players != 1 {
			t.Errorf("statistics after a wipe: %d placements by %d players (%v); want the artist's 1 by 1", st.Placements, st.Players, err)
		}
	}
}

// testAreaRollbackUndoesWipe: an area rollback since before a wipe gives
// back what the wipe painted over, whoever it is asked for (everyone, or
// the moderator who wiped), and nothing once that was done.
func testAreaRollbackUndoesWipe(t *testing.T, open Opener) {
	s, ev := events(t, open)
	now := time.Now()
	mustPlace(t, s, "artist", 1, 1, 5, now.Add(-2*time.Hour))
	mustPlace(t, s, "painter", 2, 1, 9, now.Add(-90*time.Minute))
	// The wipe paints the 3×2 rectangle at 0,0 black: (0,0) was never placed.
	wipe := []place.Pixel{{X: 0, Y: 0, Color: 3}, {X: 1, Y: 1, Color: 3}, {X: 2, Y: 1, Color: 3}}
	if _, err := s.Placer.PlaceWipe(ctx(t), "mod", wipe, now.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	r := place.Rect{X: 0, Y: 0, W: 3, H: 2}
	since := now.Add(-time.Hour)
	want := []place.Pixel{{X: 0, Y: 0, Color: 0}, {X: 1, Y: 1, Color: 5}, {X: 2, Y: 1, Color: 9}}
	for _, user := range []string{"", "mod"} {
		plan, err := ev.AreaRollbackPlan(ctx(t), r, since, user)
		if err != nil || !equalPixels(plan, want) {
			t.Fatalf("plan undoing the wipe (user %q): %v %v, want %v", user, plan, err, want)
		}
	}
	if plan, err := ev.AreaRollbackPlan(ctx(t), r, since, "artist"); err != nil || len(plan) != 0 {
		t.Fatalf("plan of the artist's placements since the hour: %v %v, want none", plan, err)
	}
	// Since after the wipe, there is nothing to undo.
	if plan, err := ev.AreaRollbackPlan(ctx(t), r, now.Add(-5*time.Minute), ""); err != nil || len(plan) != 0 {
		t.Fatalf("plan since after the wipe: %v %v, want none", plan, err)
	}
	if _, err := s.Placer.PlaceRollback(ctx(t), "mod", want, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	if plan, err := ev.AreaRollbackPlan(ctx(t), r, since, ""); err != nil || len(plan) != 0 {
		t.Fatalf("plan after the wipe was undone: %v %v, want none (a rollback is never undone)", plan, err)
	}
	data, _ := canvas(t, s)
	w := DefaultConfig.Width
	if data[0] != 0 || data[w+1] != 5 || data[w+2] != 9 {
		t.Fatalf("canvas after undoing the wipe: %d %d %d, want 0 5 9", data[0], data[w+1], data[w+2])
	}
}
