package embedded

import "github.com/placecanvas/place"

// recentSize is how many of the latest committed placements the feed keeps
// in memory (about 5 MB): its followers (template health, the leaderboards,
// the keyframer) read each commit from here instead of from SQLite again.
const recentSize = 1 << 16

// recentFeed holds the latest committed placements, the placement of seq s
// at ring[s%recentSize]. Guarded by db.cmu.
type recentFeed struct {
	ring  []place.Placement
	count int    // how many seqs up to last it holds
	last  uint64 // the last seq it holds
}

// add appends a committed batch (seqs follow last without a gap; a gap
// empties the ring first).
func (r *recentFeed) add(batch []place.Placement) {
	if r.ring == nil {
		r.ring = make([]place.Placement, recentSize)
	}
	for _, p := range batch {
		if p.Seq != r.last+1 {
			r.count = 0
		}
		r.ring[p.Seq%recentSize] = p
		r.count = min(r.count+1, recentSize)
		r.last = p.Seq
	}
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
		out = append(out, r.ring[s%recentSize])
	}
	return out, true
}
