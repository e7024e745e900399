package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func testFollow(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	now := base()
	placed := placeMany(t, s, cfg, 10, now, rng)

	fctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan place.Placement, 100)
	done := make(chan error, 1)
	go func() {
		done <- s.Feed.Follow(fctx, 3, func(ps []place.Placement) {
			for _, p := range ps {
				got <- p
			}
		})
	}()
	// Some placements land after Follow started.
	time.Sleep(50 * time.Millisecond)
	placed = append(placed, placeMany(t, s, cfg, 10, now, rng)...)
	rb, err := s.Placer.PlaceRollback(ctx(t), "mod", []place.Pixel{{X: 1, Y: 1, Color: 0}}, now)
	if err != nil {
		t.Fatal(err)
	}
	placed = append(placed, rb...)

	timeout := time.After(10 * time.Second)
	for _, want := range placed[3:] {
		select {
		case p := <-got:
			if !samePlacement(p, want) {
				t.Fatalf("Follow delivered %+v, want %+v", p, want)
			}
		case <-timeout:
			t.Fatalf("Follow did not deliver seq %d", want.Seq)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Follow returned %v after its context ended", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Follow did not return after its context ended")
	}
	select {
	case p := <-got:
		t.Errorf("Follow delivered an extra placement %+v", p)
	default:
	}
}

func testSince(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	placed := placeMany(t, s, cfg, 12, base(), rand.New(rand.NewPCG(3, 4)))
	for _, tc := range []struct {
		after uint64
		max   int
		want  []place.Placement
	}{
		{0, 100, placed},
		{5, 3, placed[5:8]},
		{11, 10, placed[11:]},
		{12, 10, nil},
		{40, 10, nil},
		{0, 0, nil},
	} {
		got, err := s.Feed.Since(ctx(t), tc.after, tc.max)
		if err != nil {
			t.Fatalf("Since(%d, %d): %v", tc.after, tc.max, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("Since(%d, %d) returned %d placements, want %d", tc.after, tc.max, len(got), len(tc.want))
		}
		for i := range got {
			if !samePlacement(got[i], tc.want[i]) {
				t.Errorf("Since(%d, %d)[%d] = %+v, want %+v", tc.after, tc.max, i, got[i], tc.want[i])
			}
		}
	}
}

// Replay rebuilds a canvas from a store's history and checks that seqs
// run 1, 2, 3, … without gaps. It returns the canvas and the last seq.
func Replay(t testing.TB, s place.Stores, cfg place.Config) ([]byte, uint64) {
	t.Helper()
	data := make([]byte, cfg.Width*cfg.Height)
	var last uint64
	err := s.History.EachPlacement(context.Background(), func(p place.Placement) error {
		if p.Seq != last+1 {
			return fmt.Errorf("history jumps from seq %d to %d", last, p.Seq)
		}
		last = p.Seq
		data[p.Y*cfg.Width+p.X] = p.Color
		return nil
	})
	if err != nil {
		t.Fatalf("EachPlacement: %v", err)
	}
	return data, last
}

func testCanvasEqualsReplay(t *testing.T, open Opener) {
	cfg := place.Config{Width: 16, Height: 8, Cooldown: time.Second}
	s := open(t, cfg)
	rng := rand.New(rand.NewPCG(5, 6))
	now := base()
	placeMany(t, s, cfg, 300, now, rng)
	if _, err := s.Placer.PlaceRollback(ctx(t), "mod", []place.Pixel{{X: 0, Y: 0, Color: 15}, {X: 15, Y: 7, Color: 14}}, now); err != nil {
		t.Fatal(err)
	}
	placeMany(t, s, cfg, 20, now, rng)
	flush(t, s)
	live, seq := canvas(t, s)
	replayed, last := Replay(t, s, cfg)
	if seq != 322 || last != seq {
		t.Errorf("canvas seq %d, history up to %d; want both 322", seq, last)
	}
	if !bytes.Equal(live, replayed) {
		t.Error("the canvas differs from the replay of history")
	}
}
