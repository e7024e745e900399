package embedded_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/storetest"
	"github.com/placecanvas/place/timetravel"
)

// TestArchive runs the time-travel contract that the cluster store passes too.
func TestArchive(t *testing.T) {
	storetest.RunArchive(t, func(t *testing.T, cfg place.Config) place.Stores {
		s := open(t, t.TempDir(), cfg)
		t.Cleanup(func() { s.Close() })
		return s.Stores()
	})
}

// TestKeyframerFollow builds keyframes from the feed while placements
// arrive, and checks every canvas rebuilt from them against the history.
func TestKeyframerFollow(t *testing.T) {
	cfg := place.Config{Width: 9, Height: 7}
	s := open(t, t.TempDir(), cfg)
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Now().Add(-time.Hour)
	place1 := func(i int) {
		if _, _, err := s.Placer.Place(ctx, place.Player{UserID: fmt.Sprint("u", i)}, i%9, (i*3)%7, uint8(i%16), now.Add(time.Duration(i)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 { // some history before the keyframer starts
		place1(i)
	}
	k := &timetravel.Keyframer{Archive: s.Archive, Config: cfg, Every: 10}
	done := make(chan error, 1)
	go func() { done <- k.Follow(ctx, s.Feed) }()
	for i := 30; i < 95; i++ {
		place1(i)
		if i == 50 {
			if _, err := s.Placer.PlaceRollback(ctx, "mod", []place.Pixel{{X: 1, Y: 1, Color: 0}}, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		kf, ok, err := s.Archive.KeyframeAtOrBefore(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if ok && kf.Seq == 90 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyframe 90 not stored (latest: %d, %v)", kf.Seq, ok)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow: %v", err)
	}
	for seq := uint64(1); seq <= 96; seq++ {
		want := make([]byte, cfg.Width*cfg.Height)
		err := s.Archive.PixelRange(context.Background(), 0, seq, func(ps []place.Placement) error {
			for _, p := range ps {
				want[p.Y*cfg.Width+p.X] = p.Color
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := timetravel.CanvasAt(context.Background(), s.Archive, cfg, seq)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("CanvasAt(%d) differs from the history (%v)", seq, err)
		}
	}
}
