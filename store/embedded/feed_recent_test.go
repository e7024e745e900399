package embedded

import (
	"fmt"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// The ring gives back what it was given (the time to the millisecond, as
// SQLite keeps it), also after its user table has been rebuilt, and says
// when it no longer holds what is asked.
func TestRecentFeedKeepsWhatItHolds(t *testing.T) {
	var r recentFeed
	at := time.Date(2026, 12, 7, 10, 0, 0, 123_456_789, time.Local)
	mk := func(seq uint64) place.Placement {
		return place.Placement{
			Seq: seq, X: int(seq % 4096), Y: int(seq % 1000), Color: uint8(seq % 32),
			UserID: fmt.Sprintf("user-%d", seq), At: at.Add(time.Duration(seq) * time.Millisecond),
			Rollback: seq%3 == 0, Wipe: seq%6 == 0, TeamID: int64(seq % 5),
		}
	}
	// Every placement by a user of its own: the user table is rebuilt
	// twice on the way.
	const total = 5 * recentSize / 2
	for s := uint64(1); s <= total; {
		var batch []place.Placement
		for range 1000 {
			if s > total {
				break
			}
			batch = append(batch, mk(s))
			s++
		}
		r.add(batch)
	}
	if r.users.Len() > 2*recentSize {
		t.Errorf("the user table holds %d IDs, want at most %d", r.users.Len(), 2*recentSize)
	}
	got, held := r.since(total-recentSize, total, recentSize)
	if !held || len(got) != recentSize {
		t.Fatalf("since the ring's oldest: %d placements (held %v), want %d", len(got), held, recentSize)
	}
	for _, p := range got {
		want := mk(p.Seq)
		want.At = want.At.Truncate(time.Millisecond).UTC()
		if p != want {
			t.Fatalf("seq %d came back as %+v, want %+v", p.Seq, p, want)
		}
	}
	if _, held := r.since(total-recentSize-1, total, 10); held {
		t.Error("the ring claims a placement it has overwritten")
	}
	// A gap in the seqs empties it.
	r.add([]place.Placement{mk(total + 2)})
	if _, held := r.since(total, total+2, 10); held {
		t.Error("the ring claims the placements of a gap")
	}
	if got, held := r.since(total+1, total+2, 10); !held || len(got) != 1 || got[0].UserID != mk(total+2).UserID {
		t.Errorf("after a gap: %+v (held %v)", got, held)
	}
}
