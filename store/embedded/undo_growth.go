package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/placecanvas/place"
)

// undoWaits bounds how many group commits UndoGrowth waits for before it
// finds every placement made so far in SQLite (it needs that to look for
// placements in the area to take away).
const undoWaits = 100

// UndoGrowth implements place.Sizes. It waits until every placement taken
// is committed, then, under the placement lock, looks for one in the area
// the last growth added, and removes the growth and sets the size back in
// one transaction before it shrinks the live canvas: no placement runs
// between the look and the shrink.
func (s *Sizes) UndoGrowth(ctx context.Context, now time.Time, by place.AuditEntry) (place.Growth, error) {
	return s.db.undoGrowth(ctx, now, by)
}

func (s *db) undoGrowth(ctx context.Context, now time.Time, by place.AuditEntry) (place.Growth, error) {
	if err := s.lockCommitted(ctx); err != nil {
		return place.Growth{}, err
	}
	defer s.mu.Unlock()
	id, g, err := s.lastGrowth(ctx)
	if err != nil {
		return place.Growth{}, err
	}
	if g.To != s.cfg.Size() {
		return place.Growth{}, fmt.Errorf("the last growth is to %v but the canvas is %v", g.To, s.cfg.Size())
	}
	var seq int64
	var x, y int
	err = s.wdb.QueryRowContext(ctx, `SELECT seq, x, y FROM placements WHERE seq > ? AND (x >= ? OR y >= ?) ORDER BY seq LIMIT 1`,
		int64(g.Seq), g.From.Width, g.From.Height).Scan(&seq, &x, &y)
	switch {
	case err == nil:
		return place.Growth{}, place.PlacedInGrowth(g, uint64(seq), x, y)
	case !errors.Is(err, sql.ErrNoRows):
		return place.Growth{}, fmt.Errorf("look for placements in the added area: %w", err)
	}
	if err := s.recordUndo(ctx, id, g, now, by); err != nil {
		s.log.Error("undoing a canvas growth failed", "err", err)
		return place.Growth{}, place.ErrUnavailable
	}
	s.cfg.Width, s.cfg.Height = g.From.Width, g.From.Height
	s.live.Resize(g.From)
	return g, nil
}

// lockCommitted takes the placement lock once every placement taken so far
// is committed (and so in SQLite), waiting for group commits as needed.
func (s *db) lockCommitted(ctx context.Context) error {
	for range undoWaits {
		s.mu.Lock()
		if s.isClosed() {
			s.mu.Unlock()
			return place.ErrUnavailable
		}
		s.cmu.RLock()
		committed := s.committedSeq
		s.cmu.RUnlock()
		if committed == s.seq {
			return nil
		}
		b := s.batch
		s.mu.Unlock()
		s.signal()
		if err := s.waitCommit(ctx, b); err != nil {
			return err
		}
	}
	return place.GrowthUndoBusy()
}

// lastGrowth returns the latest growth and its row id (NoGrowthToUndo when
// there is none).
func (s *db) lastGrowth(ctx context.Context) (int64, place.Growth, error) {
	var id, at int64
	var g place.Growth
	err := s.wdb.QueryRowContext(ctx, `SELECT id, seq, at, from_width, from_height, width, height FROM canvas_growths ORDER BY id DESC LIMIT 1`).
		Scan(&id, &g.Seq, &at, &g.From.Width, &g.From.Height, &g.To.Width, &g.To.Height)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, g, place.NoGrowthToUndo()
	}
	if err != nil {
		return 0, g, fmt.Errorf("read the last growth: %w", err)
	}
	g.At = time.UnixMilli(at)
	return id, g, nil
}

// recordUndo removes growth id, stores the size it grew from and writes
// the audit entry, in one transaction. Snapshots of the larger canvas are
// kept: load crops them (nothing was placed beyond the smaller size).
func (s *db) recordUndo(ctx context.Context, id int64, g place.Growth, now time.Time, by place.AuditEntry) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM canvas_growths WHERE id = ?`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES ('width', ?), ('height', ?)`,
		strconv.Itoa(g.From.Width), strconv.Itoa(g.From.Height)); err != nil {
		return err
	}
	if by.Action != "" {
		if by.At.IsZero() {
			by.At = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, action, target_id, target_name, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			by.At.UnixMilli(), by.ActorID, by.ActorName, by.Action, by.TargetID, by.TargetName, g.UndoDetail()); err != nil {
			return err
		}
	}
	return tx.Commit()
}
