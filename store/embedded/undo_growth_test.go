package embedded_test

import (
	"context"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// The snapshot kept from before a growth was undone is of the larger
// canvas: a restart lays it out on the smaller size.
func TestRestartAfterAnUndoneGrowth(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := place.Config{Width: 16, Height: 8}
	now := time.Now()
	s := open(t, dir, cfg)
	if _, err := s.Sizes.Grow(ctx, place.Size{Width: 20, Height: 12}, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u1"}, 15, 7, 3, now); err != nil {
		t.Fatal(err)
	}
	s.Close() // snapshot at seq 1, 20x12
	s = open(t, dir, cfg)
	if _, err := s.Sizes.UndoGrowth(ctx, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	want, _, _, _ := s.Feed.Canvas(ctx)
	s.Close() // nothing placed since: no new snapshot
	s = open(t, dir, cfg)
	defer s.Close()
	got, sz, seq, _ := s.Feed.Canvas(ctx)
	if sz != cfg.Size() || seq != 1 || string(got) != string(want) || got[7*16+15] != 3 {
		t.Errorf("after a restart: size %v seq %d, same canvas %v; want 16x8 at seq 1 with (15,7)=3", sz, seq, string(got) == string(want))
	}
}
