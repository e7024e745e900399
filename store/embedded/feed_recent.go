package embedded

import (
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/intern"
)

// recentSize is how many of the latest committed placements the feed keeps
// in memory (about 2.6 MB): its followers (the broadcaster, template health,
// the leaderboards, the keyframer) read each commit from here instead of
// from SQLite again.
const recentSize = 1 << 16

// recentEntry is a placement as the ring keeps it: without pointers, so
// that the collector never scans the ring (a ring of place.Placement, with
// its user ID string and time, was the largest thing it marked under
// load). The time is kept to the millisecond, as SQLite keeps it.
type recentEntry struct {
	seq    uint64
	atMs   int64
	team   int64
	x, y   int32
	user   uint32 // index in recentFeed.users
	color  uint8
	rb, wp bool
}

// recentFeed holds the latest committed placements, the placement of seq s
// at ring[s%recentSize]. Guarded by db.cmu.
type recentFeed struct {
	ring  []recentEntry
	count int    // how many seqs up to last it holds
	last  uint64 // the last seq it holds

	// users interns the user IDs of the ring's entries. It only grows, up
	// to twice the ring's size, and is then rebuilt from what the ring
	// holds.
	users intern.Table
}

// add appends a committed batch (seqs follow last without a gap; a gap
// empties the ring first).
func (r *recentFeed) add(batch []place.Placement) {
	if r.ring == nil {
		r.ring = make([]recentEntry, recentSize)
	}
	for _, p := range batch {
		if p.Seq != r.last+1 {
			r.count = 0
		}
		r.ring[p.Seq%recentSize] = recentEntry{
			seq: p.Seq, atMs: p.At.UnixMilli(), team: p.TeamID,
			x: int32(p.X), y: int32(p.Y), user: r.intern(p.UserID),
			color: p.Color, rb: p.Rollback, wp: p.Wipe,
		}
		r.count = min(r.count+1, recentSize)
		r.last = p.Seq
	}
}

// intern returns the index of a user ID in r.users.
func (r *recentFeed) intern(id string) uint32 {
	if r.users.Len() >= 2*recentSize {
		r.users.Compact(func(renumber func(uint32) uint32) {
			for s := r.last - uint64(r.count) + 1; r.count > 0 && s <= r.last; s++ {
				e := &r.ring[s%recentSize]
				e.user = renumber(e.user)
			}
		})
	}
	return r.users.ID(id)
}

// since returns up to max placements after seq after, up to upTo, and
// whether the ring holds them all.
func (r *recentFeed) since(after, upTo uint64, max int) ([]place.Placement, bool) {
	if upTo > r.last || after >= upTo || r.last-after > uint64(r.count) {
		return nil, false
	}
	n := min(upTo-after, uint64(max))
	out := make([]place.Placement, 0, n)
	for s := after + 1; s <= after+n; s++ {
		e := &r.ring[s%recentSize]
		out = append(out, place.Placement{
			Seq: e.seq, X: int(e.x), Y: int(e.y), Color: e.color,
			UserID: r.users.String(e.user), At: time.UnixMilli(e.atMs).UTC(),
			Rollback: e.rb, Wipe: e.wp, TeamID: e.team,
		})
	}
	return out, true
}
