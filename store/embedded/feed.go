package embedded

import (
	"context"
	"fmt"

	"github.com/placecanvas/place"
)

// publish applies a committed batch to the committed canvas, keeps it in the
// recent ring and wakes every follower.
func (s *Store) publish(batch []place.Placement) {
	s.cmu.Lock()
	for _, p := range batch {
		s.committed[p.Y*s.cfg.Width+p.X] = p.Color
		if len(s.recent) < s.opts.RecentEvents {
			s.recent = append(s.recent, p)
		} else {
			s.recent[s.recentStart] = p
			s.recentStart = (s.recentStart + 1) % len(s.recent)
		}
	}
	s.committedSeq = batch[len(batch)-1].Seq
	close(s.changed)
	s.changed = make(chan struct{})
	s.cmu.Unlock()
}

// Canvas implements place.Feed with the committed canvas.
func (s *Store) Canvas(context.Context) ([]byte, uint64, error) {
	s.cmu.RLock()
	defer s.cmu.RUnlock()
	return append([]byte(nil), s.committed...), s.committedSeq, nil
}

// recentAfter returns up to max committed placements after seq from memory;
// ok is false when the ring no longer reaches back that far.
func (s *Store) recentAfterLocked(after uint64, max int) (out []place.Placement, ok bool) {
	if after >= s.committedSeq {
		return nil, true
	}
	n := len(s.recent)
	if n == 0 {
		return nil, false
	}
	oldest := s.recent[s.recentStart].Seq
	if after+1 < oldest {
		return nil, false
	}
	// Seqs in the ring are consecutive, so the start index is computed.
	idx := int(after + 1 - oldest)
	count := min(int(s.committedSeq-after), max)
	out = make([]place.Placement, 0, count)
	for i := 0; i < count; i++ {
		out = append(out, s.recent[(s.recentStart+idx+i)%n])
	}
	return out, true
}

// Since implements place.Feed.
func (s *Store) Since(ctx context.Context, after uint64, max int) ([]place.Placement, error) {
	s.cmu.RLock()
	out, ok := s.recentAfterLocked(after, max)
	s.cmu.RUnlock()
	if ok {
		return out, nil
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT seq, x, y, color, user_id, placed_at, rollback FROM placements WHERE seq > ? ORDER BY seq LIMIT ?`, int64(after), max)
	if err != nil {
		return nil, fmt.Errorf("read placements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPlacement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Follow implements place.Feed.
func (s *Store) Follow(ctx context.Context, after uint64, fn func([]place.Placement)) error {
	for {
		s.cmu.RLock()
		changed := s.changed
		s.cmu.RUnlock()
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
		case <-s.stop:
			return nil
		case <-changed:
		}
	}
}
