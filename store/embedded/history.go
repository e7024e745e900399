package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/placecanvas/place"
)

type scanner interface{ Scan(dest ...any) error }

func scanPlacement(r scanner) (place.Placement, error) {
	var p place.Placement
	var at int64
	var kind int
	if err := r.Scan(&p.Seq, &p.X, &p.Y, &p.Color, &p.UserID, &at, &kind); err != nil {
		return p, err
	}
	p.At = time.UnixMilli(at).UTC()
	p.Rollback, p.Wipe = readKind(kind)
	return p, nil
}

// kindColumn is the column placementColumns reads back with readKind: 0 a
// player's placement, 1 a rollback, 2 a wipe.
const kindColumn = `rollback + wipe`

// readKind reads kindColumn.
func readKind(kind int) (rollback, wipe bool) { return kind != 0, kind == 2 }

// placementColumns are the columns scanPlacement reads.
const placementColumns = `seq, x, y, color, user_id, placed_at, ` + kindColumn

const historySelect = `SELECT p.seq, p.x, p.y, p.color, p.user_id, p.placed_at, p.rollback + p.wipe, COALESCE(u.username, ''), COALESCE(u.is_guest = 0 AND u.stats_opt_out = 0, 0) FROM placements p LEFT JOIN users u ON u.id = p.user_id `

func (s *History) queryHistory(ctx context.Context, where string, args ...any) ([]place.HistoryEntry, error) {
	rows, err := s.db.rdb.QueryContext(ctx, historySelect+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []place.HistoryEntry
	for rows.Next() {
		var e place.HistoryEntry
		var at int64
		var kind int
		if err := rows.Scan(&e.Seq, &e.X, &e.Y, &e.Color, &e.UserID, &at, &kind, &e.Username, &e.Named); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		e.Rollback, e.Wipe = readKind(kind)
		out = append(out, e)
	}
	return out, rows.Err()
}

func seqBound(before uint64) int64 {
	if before == 0 {
		return 1<<63 - 1
	}
	return int64(before)
}

// PixelHistory implements place.History.
func (s *History) PixelHistory(ctx context.Context, x, y, limit int) ([]place.HistoryEntry, error) {
	return s.queryHistory(ctx, `WHERE p.x = ? AND p.y = ? ORDER BY p.seq DESC LIMIT ?`, x, y, limit)
}

// PixelHistoryBefore returns one pixel's placements with seq < before
// (0: no bound), newest first: the pages of the HTML history.
func (s *History) PixelHistoryBefore(ctx context.Context, x, y int, before uint64, limit int) ([]place.HistoryEntry, error) {
	return s.queryHistory(ctx, `WHERE p.x = ? AND p.y = ? AND p.seq < ? ORDER BY p.seq DESC LIMIT ?`, x, y, seqBound(before), limit)
}

// WaitHistory implements place.History: history is committed before a
// placement is acknowledged or broadcast, so it never lags.
func (s *History) WaitHistory(context.Context, uint64) error { return nil }

// RecentPlacements implements place.History.
func (s *History) RecentPlacements(ctx context.Context, before uint64, limit int) ([]place.HistoryEntry, error) {
	return s.queryHistory(ctx, `WHERE p.seq < ? ORDER BY p.seq DESC LIMIT ?`, seqBound(before), limit)
}

// UserPlacements implements place.History.
func (s *History) UserPlacements(ctx context.Context, userID string, before uint64, limit int) ([]place.HistoryEntry, error) {
	return s.queryHistory(ctx, `WHERE p.user_id = ? AND p.seq < ? ORDER BY p.seq DESC LIMIT ?`, userID, seqBound(before), limit)
}

// RollbackPlan implements place.History. History is committed before a
// placement is acknowledged, so it is never behind what the canvas shows.
func (s *History) RollbackPlan(ctx context.Context, userID string, since time.Time) ([]place.Pixel, error) {
	// Pixels whose latest placement is the user's own since T; for each, the
	// latest placement that is not one of those, or white.
	rows, err := s.db.rdb.QueryContext(ctx, `
WITH latest AS (
    SELECT x, y, MAX(seq) AS seq FROM placements
    WHERE (x, y) IN (SELECT DISTINCT x, y FROM placements WHERE user_id = ? AND placed_at >= ? AND rollback = 0)
    GROUP BY x, y
)
SELECT l.x, l.y, COALESCE((
    SELECT q.color FROM placements q
    WHERE q.x = l.x AND q.y = l.y AND NOT (q.user_id = ? AND q.placed_at >= ? AND q.rollback = 0)
    ORDER BY q.seq DESC LIMIT 1), 0)
FROM latest l JOIN placements p ON p.seq = l.seq
WHERE p.user_id = ? AND p.placed_at >= ? AND p.rollback = 0
ORDER BY l.y, l.x`, userID, since.UnixMilli(), userID, since.UnixMilli(), userID, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("plan rollback: %w", err)
	}
	return scanPixels(rows)
}

// scanPixels reads rows of (x, y, color), as the rollback plans return
// them, and closes them.
func scanPixels(rows *sql.Rows) ([]place.Pixel, error) {
	defer rows.Close()
	var out []place.Pixel
	for rows.Next() {
		var px place.Pixel
		if err := rows.Scan(&px.X, &px.Y, &px.Color); err != nil {
			return nil, err
		}
		out = append(out, px)
	}
	return out, rows.Err()
}

// EachPlacement implements place.History.
func (s *History) EachPlacement(ctx context.Context, fn func(place.Placement) error) error {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT `+feedColumns+` FROM placements ORDER BY seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanFeedPlacement(rows)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

var _ = sql.ErrNoRows
