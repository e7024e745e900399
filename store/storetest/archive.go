package storetest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
)

// RunArchive runs the place.Archive contract against stores made by open.
func RunArchive(t *testing.T, open Opener) {
	t.Run("Empty", func(t *testing.T) { testArchiveEmpty(t, open) })
	t.Run("CanvasAtEqualsReplay", func(t *testing.T) { testCanvasAtEqualsReplay(t, open) })
	t.Run("Ranges", func(t *testing.T) { testArchiveRanges(t, open) })
	t.Run("KeyframesAndSalt", func(t *testing.T) { testKeyframesAndSalt(t, open) })
	t.Run("AcrossGrowth", func(t *testing.T) { testArchiveAcrossGrowth(t, open) })
}

func testArchiveEmpty(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	if _, err := s.Archive.HistorySpan(ctx(t)); place.ErrorCode(err) != place.ENOTFOUND {
		t.Errorf("HistorySpan of an empty history: %v, want NOT_FOUND", err)
	}
	if seq, err := s.Archive.SeqAt(ctx(t), time.Now()); err != nil || seq != 0 {
		t.Errorf("SeqAt on an empty history = %d, %v; want 0", seq, err)
	}
	if _, ok, err := s.Archive.KeyframeAtOrBefore(ctx(t), 100); ok || err != nil {
		t.Errorf("KeyframeAtOrBefore on an empty store = %v, %v", ok, err)
	}
}

// seedHistory places n pixels with a rollback every so often, one
// millisecond apart from start, and returns every placement in seq order.
func seedHistory(t *testing.T, s place.Stores, cfg place.Config, n int, start time.Time, rng *rand.Rand) []place.Placement {
	t.Helper()
	var all []place.Placement
	for i := range n {
		at := start.Add(time.Duration(i) * time.Millisecond)
		if i%37 == 36 {
			px := []place.Pixel{{X: rng.IntN(cfg.Width), Y: rng.IntN(cfg.Height), Color: uint8(rng.IntN(16))},
				{X: rng.IntN(cfg.Width), Y: rng.IntN(cfg.Height), Color: 0}}
			ps, err := s.Placer.PlaceRollback(ctx(t), "mod", px, at)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ps...)
			continue
		}
		user := fmt.Sprintf("u%d", rng.IntN(50))
		all = append(all, mustPlace(t, s, user, rng.IntN(cfg.Width), rng.IntN(cfg.Height), uint8(rng.IntN(16)), at))
	}
	flush(t, s)
	return all
}

// naiveCanvas applies every placement with seq ≤ upto to a white canvas.
func naiveCanvas(cfg place.Config, all []place.Placement, upto uint64) []byte {
	c := make([]byte, cfg.Width*cfg.Height)
	for _, p := range all {
		if p.Seq <= upto {
			c[p.Y*cfg.Width+p.X] = p.Color
		}
	}
	return c
}

// testCanvasAtEqualsReplay is the property: for random seqs, with and
// without keyframes, the canvas at seq equals the naive replay of history,
// rollbacks included.
func testCanvasAtEqualsReplay(t *testing.T, open Opener) {
	cfg := place.Config{Width: 13, Height: 7}
	s := open(t, cfg)
	rng := rand.New(rand.NewPCG(13, 7))
	start := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	all := seedHistory(t, s, cfg, 400, start, rng)
	last := all[len(all)-1].Seq
	span, err := s.Archive.HistorySpan(ctx(t))
	if err != nil || span.FirstSeq != 1 || span.LastSeq != last || !span.FirstAt.Equal(start) || !span.LastAt.Equal(all[len(all)-1].At) {
		t.Fatalf("HistorySpan = %+v, %v; want 1..%d from %v to %v", span, err, last, start, all[len(all)-1].At)
	}
	check := func(phase string) {
		t.Helper()
		for range 60 {
			seq := 1 + rng.Uint64N(last)
			got, err := timetravel.CanvasAt(ctx(t), s.Archive, cfg, seq)
			if err != nil {
				t.Fatalf("%s: CanvasAt(%d): %v", phase, seq, err)
			}
			if want := naiveCanvas(cfg, all, seq); !bytes.Equal(got, want) {
				t.Fatalf("%s: CanvasAt(%d) differs from the naive replay", phase, seq)
			}
		}
	}
	check("no keyframes")
	kf := &timetravel.Keyframer{Archive: s.Archive, Config: cfg, Every: 23}
	made, err := kf.Update(ctx(t))
	if err != nil || made != int(last/23) {
		t.Fatalf("Keyframer.Update = %d, %v; want %d keyframes", made, err, last/23)
	}
	check("keyframes every 23")
	// Keyframes must also be right when built by a new keyframer that
	// starts from the stored ones, with more history since.
	more := seedHistory(t, s, cfg, 100, start.Add(time.Minute), rng)
	all = append(all, more...)
	last = all[len(all)-1].Seq
	made, err = (&timetravel.Keyframer{Archive: s.Archive, Config: cfg, Every: 23}).Update(ctx(t))
	if err != nil || made == 0 {
		t.Fatalf("second Update = %d, %v", made, err)
	}
	check("keyframes after more history")
	live, seq := canvas(t, s)
	if got, _ := timetravel.CanvasAt(ctx(t), s.Archive, cfg, seq); !bytes.Equal(got, live) {
		t.Error("CanvasAt the last seq differs from the live canvas")
	}
	// The canvas at a time: the last placement at or before it.
	for _, p := range []place.Placement{all[0], all[250], all[len(all)-1]} {
		if got, err := s.Archive.SeqAt(ctx(t), p.At); err != nil || got < p.Seq {
			t.Errorf("SeqAt(%v) = %d, %v; want at least %d", p.At, got, err, p.Seq)
		}
	}
	if got, _ := s.Archive.SeqAt(ctx(t), start.Add(-time.Millisecond)); got != 0 {
		t.Errorf("SeqAt before the first placement = %d, want 0", got)
	}
	at := start.Add(150 * time.Millisecond)
	var want uint64
	for _, p := range all {
		if !p.At.After(at) {
			want = max(want, p.Seq)
		}
	}
	if got, _ := s.Archive.SeqAt(ctx(t), at); got != want {
		t.Errorf("SeqAt(start+150ms) = %d, want %d", got, want)
	}
}

func testArchiveRanges(t *testing.T, open Opener) {
	cfg := place.Config{Width: 10, Height: 10}
	s := open(t, cfg)
	start := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	all := seedHistory(t, s, cfg, 5000, start, rand.New(rand.NewPCG(1, 2)))
	var got []place.Placement
	err := s.Archive.PlacementRange(ctx(t), 10, 4999, func(ps []place.Placement) error {
		got = append(got, ps...)
		return nil
	})
	if err != nil || len(got) != 4989 {
		t.Fatalf("PlacementRange(10, 4999) gave %d placements, %v; want 4989", len(got), err)
	}
	for i, p := range got {
		if !samePlacement(p, all[10+i]) {
			t.Fatalf("PlacementRange[%d] = %+v, want %+v", i, p, all[10+i])
		}
	}
	n := 0
	err = s.Archive.PixelRange(ctx(t), 0, 1<<63, func(ps []place.Placement) error {
		for _, p := range ps {
			want := all[n]
			if p.Seq != want.Seq || p.X != want.X || p.Y != want.Y || p.Color != want.Color {
				return fmt.Errorf("PixelRange[%d] = %+v, want %+v", n, p, want)
			}
			n++
		}
		return nil
	})
	if err != nil || n != len(all) {
		t.Fatalf("PixelRange over everything: %d placements, %v; want %d", n, err, len(all))
	}
	stop := fmt.Errorf("stop")
	if err := s.Archive.PixelRange(ctx(t), 0, 1<<63, func([]place.Placement) error { return stop }); err != stop {
		t.Errorf("PixelRange did not return the callback's error: %v", err)
	}
}

func testKeyframesAndSalt(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	kf := place.Keyframe{Seq: 40, Width: 64, Height: 48, Data: []byte("first")}
	for _, k := range []place.Keyframe{kf, {Seq: 40, Width: 64, Height: 48, Data: []byte("again")}, {Seq: 80, Width: 64, Height: 48, Data: []byte("second")}} {
		if err := s.Archive.SaveKeyframe(ctx(t), k); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		seq  uint64
		ok   bool
		data string
	}{{39, false, ""}, {40, true, "first"}, {79, true, "first"}, {80, true, "second"}, {1 << 63, true, "second"}} {
		got, ok, err := s.Archive.KeyframeAtOrBefore(ctx(t), tc.seq)
		if err != nil || ok != tc.ok || string(got.Data) != tc.data {
			t.Errorf("KeyframeAtOrBefore(%d) = %q, %v, %v; want %q, %v", tc.seq, got.Data, ok, err, tc.data, tc.ok)
		}
	}
	unlock, ok, err := s.Archive.LockKeyframes(ctx(t))
	if err != nil || !ok {
		t.Fatalf("LockKeyframes = %v, %v", ok, err)
	}
	unlock()
	a, err1 := s.Archive.ExportSalt(ctx(t))
	b, err2 := s.Archive.ExportSalt(context.Background())
	if err1 != nil || err2 != nil || len(a) != 32 || !bytes.Equal(a, b) {
		t.Errorf("ExportSalt = %x, %x (%v, %v); want the same 32 bytes twice", a, b, err1, err2)
	}
}
