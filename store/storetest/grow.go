package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
)

// growConfig is a small canvas without cooldown, so that one user places
// many pixels.
var growConfig = place.Config{Width: 16, Height: 8}

// testGrow: a growth keeps every pixel at its (x, y), the new area is
// white, placements land on the grown canvas at their coordinates, bad
// sizes change nothing, and the growth is recorded at its seq.
func testGrow(t *testing.T, open Opener) {
	cfg := growConfig
	s := open(t, cfg)
	now := base()
	mustPlace(t, s, "u1", 3, 2, 5, now)
	mustPlace(t, s, "u1", 15, 7, 6, now)
	before, _ := canvas(t, s)

	by := place.AuditEntry{At: now, ActorID: "admin-1", ActorName: "organiser", Action: "grow"}
	for _, bad := range []place.Size{{Width: 15, Height: 8}, {Width: 20, Height: 7}, {Width: 16, Height: 8}, {Width: place.MaxSide + 1, Height: 8}, {Width: 0, Height: 0}} {
		if _, err := s.Sizes.Grow(ctx(t), bad, now, by); place.ErrorCode(err) != place.EVALIDATION {
			t.Errorf("Grow(%v) = %v, want VALIDATION", bad, err)
		}
	}
	if got, sz, seq := sizedCanvas(t, s); sz != cfg.Size() || seq != 2 || !bytes.Equal(got, before) {
		t.Fatalf("after refused growths: size %v seq %d (changed: %v), want the 16x8 canvas unchanged", sz, seq, !bytes.Equal(got, before))
	}

	to := place.Size{Width: 20, Height: 12}
	if log, err := s.Users.AuditLog(ctx(t), 0, 10); err != nil || len(log) != 0 {
		t.Fatalf("refused growths left audit entries: %+v, %v", log, err)
	}
	g, err := s.Sizes.Grow(ctx(t), to, now, by)
	if err != nil {
		t.Fatalf("Grow(20x12): %v", err)
	}
	// The audit entry is durable with the growth, before anyone is told.
	log, err := s.Users.AuditLog(ctx(t), 0, 10)
	if err != nil || len(log) != 1 || log[0].Action != "grow" || log[0].ActorID != "admin-1" || log[0].ActorName != "organiser" ||
		log[0].Detail != "canvas 16 × 8 → 20 × 12 (after placement 2)" || log[0].At.UnixMilli() != now.UnixMilli() {
		t.Fatalf("audit log right after the growth: %+v, %v; want its entry", log, err)
	}
	if g.Seq != 2 || g.From != cfg.Size() || g.To != to {
		t.Errorf("Grow returned %+v, want seq 2 from 16x8 to 20x12", g)
	}
	if sz, err := s.Sizes.CanvasSize(ctx(t)); err != nil || sz != to {
		t.Errorf("CanvasSize = %v, %v; want 20x12", sz, err)
	}
	p := mustPlace(t, s, "u1", 19, 11, 7, now)
	q := mustPlace(t, s, "u1", 4, 2, 8, now) // in the old area: the new width lays it out
	data, sz, seq := sizedCanvas(t, s)
	if sz != to || len(data) != to.Width*to.Height || seq != q.Seq || p.Seq != 3 {
		t.Fatalf("grown canvas: size %v, %d bytes, seq %d; want 20x12, 240 bytes, seq 4", sz, len(data), seq)
	}
	want := make([]byte, to.Width*to.Height)
	want[2*20+3], want[7*20+15], want[11*20+19], want[2*20+4] = 5, 6, 7, 8
	if !bytes.Equal(data, want) {
		t.Errorf("grown canvas differs from the pixels at their coordinates on white")
	}

	gs, err := s.Sizes.Growths(ctx(t))
	if err != nil || len(gs) != 1 || gs[0].Seq != 2 || gs[0].From != cfg.Size() || gs[0].To != to || gs[0].At.UnixMilli() != now.UnixMilli() {
		t.Fatalf("Growths = %+v, %v; want the one growth", gs, err)
	}
	first := place.FirstSize(to, gs)
	// Placement 2 was made on the 16x8 canvas; the growth came after it.
	if a, b := place.SizeAt(first, gs, 2), place.SizeAt(first, gs, 3); a != cfg.Size() || b != to {
		t.Errorf("SizeAt(2) = %v, SizeAt(3) = %v; want 16x8 and 20x12", a, b)
	}
	if _, err := s.Sizes.Grow(ctx(t), place.Size{Width: 18, Height: 12}, now, place.AuditEntry{}); place.ErrorCode(err) != place.EVALIDATION {
		t.Errorf("shrinking after a growth: %v, want VALIDATION", err)
	}

	// Feed.Since and history see the placements at their coordinates.
	flush(t, s)
	ps, err := s.Feed.Since(ctx(t), 2, 10)
	if err != nil || len(ps) != 2 || ps[0].X != 19 || ps[0].Y != 11 {
		t.Errorf("Since(2) = %+v, %v", ps, err)
	}
}

func sizedCanvas(t *testing.T, s place.Stores) ([]byte, place.Size, uint64) {
	t.Helper()
	data, sz, seq, err := s.Feed.Canvas(ctx(t))
	if err != nil {
		t.Fatalf("Canvas: %v", err)
	}
	return data, sz, seq
}

// testArchiveAcrossGrowth: the canvas at a seq before a growth has the old
// size and its pixels; after it, the new size; keyframes made before and
// after the growth both rebuild the right canvases.
func testArchiveAcrossGrowth(t *testing.T, open Opener) {
	cfg := growConfig
	s := open(t, cfg)
	now := base()
	for i := range 5 {
		mustPlace(t, s, "u1", i, i, uint8(i+1), now.Add(time.Duration(i)*time.Millisecond))
	}
	to := place.Size{Width: 24, Height: 10}
	if _, err := s.Sizes.Grow(ctx(t), to, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustPlace(t, s, "u1", 23-i, 9, uint8(i+6), now.Add(time.Duration(10+i)*time.Millisecond))
	}
	flush(t, s)
	live, _, _ := sizedCanvas(t, s)
	for _, every := range []uint64{0, 3} { // without keyframes, then with one before and one after the growth
		if every > 0 {
			if _, err := (&timetravel.Keyframer{Archive: s.Archive, Config: cfg, Every: every, Sizes: s.Sizes}).Update(ctx(t)); err != nil {
				t.Fatalf("keyframes: %v", err)
			}
		}
		gs, err := s.Sizes.Growths(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		old, sz, err := timetravel.SizedCanvasAt(ctx(t), s.Archive, to, gs, 4)
		if err != nil || sz != cfg.Size() || len(old) != cfg.Width*cfg.Height || old[3*16+3] != 4 || old[4*16+4] != 0 {
			t.Errorf("every %d: canvas at seq 4 = size %v, %d bytes, err %v; want 16x8 with (3,3)=4 and (4,4) white", every, sz, len(old), err)
		}
		if last, sz, err := timetravel.SizedCanvasAt(ctx(t), s.Archive, to, gs, 5); err != nil || sz != cfg.Size() || last[4*16+4] != 5 {
			t.Errorf("every %d: canvas at seq 5 (the last before the growth) = size %v, err %v; want 16x8 with (4,4)=5", every, sz, err)
		}
		cur, sz, err := timetravel.SizedCanvasAt(ctx(t), s.Archive, to, gs, 10)
		if err != nil || sz != to || !bytes.Equal(cur, live) {
			t.Errorf("every %d: canvas at seq 10 = size %v, err %v, equal to live %v; want the live 24x10 canvas", every, sz, err, bytes.Equal(cur, live))
		}
	}
}
