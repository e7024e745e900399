package cluster_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/store/cluster"
)

// A placement in the added area that PostgreSQL had not been checked for
// (still only in the stream) stops Redis from shrinking the canvas.
func TestUndoGrowthLooksAtTheStreamAfterTheCheckedSeq(t *testing.T) {
	testenv.RedisURL(t)
	testenv.PostgresURL(t)
	s := mustOpen(t, newEnv(t).options(place.Config{Width: 16, Height: 8}))
	ctx := context.Background()
	now := time.Now()
	g, err := s.Sizes.Grow(ctx, place.Size{Width: 20, Height: 12}, now, place.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	for _, xy := range [][2]int{{1, 1}, {19, 11}, {2, 2}} {
		if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u" + string(rune('a'+xy[0]))}, xy[0], xy[1], 3, now); err != nil {
			t.Fatal(err)
		}
	}
	err = cluster.ShrinkRedis(ctx, s, g, 1) // PostgreSQL checked up to placement 1 only
	if place.ErrorCode(err) != place.EVALIDATION || !strings.Contains(err.Error(), "19, 11, placement 2") {
		t.Fatalf("shrinking with a placement in the area after the checked seq: %v, want VALIDATION naming it", err)
	}
	if sz, err := s.Sizes.CanvasSize(ctx); err != nil || sz != g.To {
		t.Fatalf("size after the refusal: %v, %v; want %v", sz, err, g.To)
	}
}
