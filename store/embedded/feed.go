package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/placecanvas/place"
)

// publish applies a committed batch to the live canvas, before any of its
// placements is acknowledged, and wakes every follower. The live canvas
// takes its own short lock; nothing here waits for a reader.
func (s *db) publish(batch []place.Placement) {
	s.live.Apply(batch)
	s.cmu.Lock()
	s.recent.add(batch)
	s.committedSeq = batch[len(batch)-1].Seq
	close(s.changed)
	s.changed = make(chan struct{})
	s.cmu.Unlock()
}

// Canvas implements place.Feed with a copy of the live canvas.
func (s *Feed) Canvas(context.Context) ([]byte, place.Size, uint64, error) {
	data, sz, seq := s.db.live.Snapshot()
	return append([]byte(nil), data...), sz, seq, nil
}

// Since implements place.Feed.
func (s *Feed) Since(ctx context.Context, after uint64, max int) ([]place.Placement, error) {
	s.db.cmu.RLock()
	committed := s.db.committedSeq
	recent, held := s.db.recent.since(after, committed, max)
	s.db.cmu.RUnlock()
	if after >= committed {
		return nil, nil
	}
	if held {
		return recent, nil
	}
	var out []place.Placement
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT `+feedColumns+` FROM placements WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, int64(after), int64(committed), max)
	if err != nil {
		return nil, fmt.Errorf("read placements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanFeedPlacement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Follow implements place.Feed.
func (s *Feed) Follow(ctx context.Context, after uint64, fn func([]place.Placement)) error {
	for {
		s.db.cmu.RLock()
		changed := s.db.changed
		s.db.cmu.RUnlock()
		for {
			batch, err := s.Since(ctx, after, 10_000)
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				break
			}
			fn(batch)
			after = batch[len(batch)-1].Seq
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.db.stop:
			return nil
		case <-changed:
		}
	}
}

// scanFeedPlacement reads a placement with its team: the feed's consumers
// (the leaderboards) count by team.
func scanFeedPlacement(r scanner) (place.Placement, error) {
	var p place.Placement
	var at int64
	var kind int
	if err := r.Scan(&p.Seq, &p.X, &p.Y, &p.Color, &p.UserID, &at, &kind, &p.TeamID); err != nil {
		return p, err
	}
	p.At = time.UnixMilli(at).UTC()
	p.Rollback, p.Wipe = readKind(kind)
	return p, nil
}

// feedColumns are the columns scanFeedPlacement reads.
const feedColumns = placementColumns + `, COALESCE(team_id, 0)`
