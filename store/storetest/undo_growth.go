package storetest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
)

// testUndoGrowth: the last growth is undone (the canvas back to its old
// size, every pixel of it kept, the growth forgotten, the audit entry
// written) when nothing was placed in the area it added, and refused,
// changing nothing, when something was or when the canvas never grew.
// Placements beyond the smaller canvas are refused afterwards.
func testUndoGrowth(t *testing.T, open Opener) {
	cfg := growConfig
	s := open(t, cfg)
	now := base()
	by := place.AuditEntry{At: now, ActorID: "admin-1", ActorName: "organiser", Action: "grow-undo"}
	mustPlace(t, s, "u1", 3, 2, 5, now)
	if _, err := s.Sizes.UndoGrowth(ctx(t), now, by); place.ErrorCode(err) != place.ENOTFOUND {
		t.Fatalf("undoing with no growth: %v, want NOT_FOUND", err)
	}
	to := place.Size{Width: 20, Height: 12}
	if _, err := s.Sizes.Grow(ctx(t), to, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	mustPlace(t, s, "u1", 15, 7, 6, now) // in the old area
	if _, err := s.Placer.PlaceRollback(ctx(t), "mod", []place.Pixel{{X: 0, Y: 0, Color: 2}}, now); err != nil {
		t.Fatal(err)
	}
	g, err := s.Sizes.UndoGrowth(ctx(t), now, by)
	if err != nil || g.From != cfg.Size() || g.To != to || g.Seq != 1 {
		t.Fatalf("UndoGrowth = %+v, %v; want the growth from 16x8 to 20x12 after placement 1", g, err)
	}
	want := make([]byte, cfg.Width*cfg.Height)
	want[2*16+3], want[7*16+15], want[0] = 5, 6, 2
	if data, sz, seq := sizedCanvas(t, s); sz != cfg.Size() || seq != 3 || !bytes.Equal(data, want) {
		t.Fatalf("after undoing: size %v seq %d (same pixels: %v), want 16x8 at seq 3 with every pixel", sz, seq, bytes.Equal(data, want))
	}
	if sz, err := s.Sizes.CanvasSize(ctx(t)); err != nil || sz != cfg.Size() {
		t.Fatalf("CanvasSize after undoing = %v, %v", sz, err)
	}
	if gs, err := s.Sizes.Growths(ctx(t)); err != nil || len(gs) != 0 {
		t.Fatalf("Growths after undoing = %+v, %v; want none", gs, err)
	}
	log, err := s.Users.AuditLog(ctx(t), 0, 10)
	if err != nil || len(log) != 1 || log[0].Action != "grow-undo" || log[0].Detail != "canvas 20 × 12 → 16 × 8 (undid the growth after placement 1)" {
		t.Fatalf("audit log after undoing: %+v, %v", log, err)
	}
	// A placement checked against the larger size is refused.
	_, _, err = s.Placer.Place(ctx(t), place.Player{UserID: "u2"}, 19, 11, 7, now)
	wantCode(t, err, place.EINVALIDCOORDS)
	_, err = s.Placer.PlaceRollback(ctx(t), "mod", []place.Pixel{{X: 1, Y: 1, Color: 1}, {X: 16, Y: 0, Color: 1}}, now)
	wantCode(t, err, place.EINVALIDCOORDS)

	// Grown again, a pixel in the added area forbids undoing.
	if _, err := s.Sizes.Grow(ctx(t), to, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	p := mustPlace(t, s, "u2", 19, 11, 7, now)
	mustPlace(t, s, "u3", 1, 1, 4, now)
	before, _ := canvas(t, s)
	_, err = s.Sizes.UndoGrowth(ctx(t), now, by)
	wantCode(t, err, place.EVALIDATION)
	if !strings.Contains(err.Error(), "19, 11") || !strings.Contains(err.Error(), "erase") {
		t.Errorf("the refusal does not say why: %v (placement %d)", err, p.Seq)
	}
	if data, sz, _ := sizedCanvas(t, s); sz != to || !bytes.Equal(data, before) {
		t.Fatalf("a refused undo changed the canvas: size %v", sz)
	}
	if gs, err := s.Sizes.Growths(ctx(t)); err != nil || len(gs) != 1 {
		t.Fatalf("Growths after a refused undo = %+v, %v; want the growth", gs, err)
	}
	if log, _ := s.Users.AuditLog(ctx(t), 0, 10); len(log) != 1 {
		t.Fatalf("a refused undo was audited: %+v", log)
	}
}

// testArchiveAcrossUndoneGrowth: keyframes made while the canvas was
// larger still rebuild every canvas once the growth is undone (laid out on
// the smaller size), and history reads as if it never grew.
func testArchiveAcrossUndoneGrowth(t *testing.T, open Opener) {
	cfg := growConfig
	s := open(t, cfg)
	now := base()
	mustPlace(t, s, "u1", 1, 1, 1, now)
	if _, err := s.Sizes.Grow(ctx(t), place.Size{Width: 24, Height: 10}, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		mustPlace(t, s, "u1", 15-i, 7, uint8(i+2), now.Add(time.Duration(i+1)*time.Millisecond))
	}
	flush(t, s)
	if n, err := (&timetravel.Keyframer{Archive: s.Archive, Config: cfg, Every: 3, Sizes: s.Sizes}).Update(ctx(t)); err != nil || n != 2 {
		t.Fatalf("keyframes of the larger canvas: %d, %v; want 2", n, err)
	}
	if _, err := s.Sizes.UndoGrowth(ctx(t), now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	live, sz, _ := sizedCanvas(t, s)
	gs, err := s.Sizes.Growths(ctx(t))
	if err != nil || len(gs) != 0 || sz != cfg.Size() {
		t.Fatalf("after undoing: growths %+v (%v), size %v", gs, err, sz)
	}
	at6, sz6, err := timetravel.SizedCanvasAt(ctx(t), s.Archive, sz, gs, 6)
	if err != nil || sz6 != cfg.Size() || at6[7*16+11] != 6 || at6[7*16+10] != 0 {
		t.Errorf("canvas at seq 6 from a keyframe of the larger canvas: size %v, err %v", sz6, err)
	}
	if cur, sz7, err := timetravel.SizedCanvasAt(ctx(t), s.Archive, sz, gs, 7); err != nil || sz7 != cfg.Size() || !bytes.Equal(cur, live) {
		t.Errorf("canvas at seq 7: size %v, err %v, equal to live %v", sz7, err, bytes.Equal(cur, live))
	}
}
