package embedded_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// A database written before placements recorded wipes (migration 011) is
// read as it was: its placements are players' own or rollbacks; wipes made
// after the upgrade read as wipes.
func TestPlacementsFromBeforeWipesWereRecorded(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := place.Config{Width: 16, Height: 8}
	now := time.Now()
	s := open(t, dir, cfg)
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u1"}, 1, 1, 3, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Placer.PlaceRollback(ctx, "mod", []place.Pixel{{X: 1, Y: 1, Color: 0}}, now); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, "place.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE placements DROP COLUMN wipe`, `DELETE FROM schema_migrations WHERE version = 11`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s = open(t, dir, cfg)
	defer s.Close()
	if _, err := s.Placer.PlaceWipe(ctx, "mod", []place.Pixel{{X: 1, Y: 1, Color: 5}}, now); err != nil {
		t.Fatal(err)
	}
	h, err := s.History.PixelHistory(ctx, 1, 1, 10)
	if err != nil || len(h) != 3 {
		t.Fatalf("history after the upgrade: %+v, %v", h, err)
	}
	for i, want := range []string{"wipe", "rollback", "placement"} {
		if h[i].Kind() != want {
			t.Errorf("placement %d reads as %s, want %s", h[i].Seq, h[i].Kind(), want)
		}
	}
}
