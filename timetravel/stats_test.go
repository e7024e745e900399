package timetravel

import (
	"context"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// listArchive is an archive of a fixed list of placements; only the calls
// Stats makes are implemented.
type listArchive struct {
	place.Archive
	ps []place.Placement
}

func (a listArchive) HistorySpan(context.Context) (place.HistorySpan, error) {
	if len(a.ps) == 0 {
		return place.HistorySpan{}, place.Errorf(place.ENOTFOUND, "nothing placed")
	}
	return place.HistorySpan{FirstSeq: a.ps[0].Seq, LastSeq: a.ps[len(a.ps)-1].Seq, FirstAt: a.ps[0].At, LastAt: a.ps[len(a.ps)-1].At}, nil
}

func (a listArchive) PlacementRange(_ context.Context, after, upto uint64, fn func([]place.Placement) error) error {
	var out []place.Placement
	for _, p := range a.ps {
		if p.Seq > after && p.Seq <= upto {
			out = append(out, p)
		}
	}
	return fn(out)
}

// TestStatsLeaveWipesOut: a moderator's wipe writes a rollback placement
// per pixel; the timelapse totals count players' placements only, as
// /stats does, and still move past the wipe.
func TestStatsLeaveWipesOut(t *testing.T) {
	at := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	var ps []place.Placement
	seq := uint64(0)
	add := func(x, y int, user string, rollback bool, min int) {
		seq++
		ps = append(ps, place.Placement{Seq: seq, X: x, Y: y, Color: 3, UserID: user, Rollback: rollback, At: at.Add(time.Duration(min) * time.Minute)})
	}
	add(1, 1, "ann", false, 0)
	add(1, 1, "bob", false, 0)
	add(2, 1, "bob", false, 1)
	for x := range 8 { // a wipe in minute 5 over the top row
		add(x, 0, "moderator", true, 5)
	}
	s := &Stats{Archive: listArchive{ps: ps}, Config: place.Config{Width: 8, Height: 8}}
	if err := s.Update(context.Background()); err != nil {
		t.Fatal(err)
	}
	sum := s.Summary()
	if sum.Placements != 3 || sum.Players != 2 {
		t.Errorf("placements %d, players %d; want 3 and 2 (the wipe is not counted)", sum.Placements, sum.Players)
	}
	if sum.BusiestCount != 2 || !sum.BusiestMinute.Equal(at) {
		t.Errorf("busiest minute %v with %d, want %v with 2", sum.BusiestMinute, sum.BusiestCount, at)
	}
	if sum.MostPainted != (place.Pixel{X: 1, Y: 1}) || sum.MostPaintedN != 2 {
		t.Errorf("most painted %+v ×%d, want (1, 1) ×2", sum.MostPainted, sum.MostPaintedN)
	}
	// The overlays still see every change, the wipe's too.
	if counts, _ := s.PixelCounts(); counts[0*8+5] != 1 || counts[1*8+1] != 2 {
		t.Errorf("pixel counts: (5, 0) %d, (1, 1) %d; want 1 and 2", counts[5], counts[9])
	}
	if sum.Seq != seq {
		t.Errorf("the totals cover seq %d, want %d (past the wipe)", sum.Seq, seq)
	}
}
