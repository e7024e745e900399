package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/placecanvas/place"
)

// The statistics queries group by the columns of an index (pixel, user,
// time), so SQLite reads only the index, and subtract the rollback
// placements, which are few and have a partial index of their own:
// filtering by the rollback column instead would read every table row.
const (
	statsTotals = `SELECT (SELECT COUNT(*) FROM placements) - (SELECT COUNT(*) FROM placements INDEXED BY placements_rollbacks WHERE rollback = 1),
		COALESCE((SELECT placed_at FROM placements WHERE rollback = 0 ORDER BY placed_at LIMIT 1), 0),
		COALESCE((SELECT placed_at FROM placements WHERE rollback = 0 ORDER BY placed_at DESC LIMIT 1), 0)`
	// byUser is every user's placements, rollbacks taken off.
	byUser = `SELECT a.user_id AS user_id, a.n - COALESCE(b.r, 0) AS n
		FROM (SELECT user_id, COUNT(*) AS n FROM placements GROUP BY user_id) a
		LEFT JOIN (SELECT user_id, COUNT(*) AS r FROM placements INDEXED BY placements_rollbacks WHERE rollback = 1 GROUP BY user_id) b ON b.user_id = a.user_id`
	statsPlayers = `SELECT COUNT(*) FROM (` + byUser + `) WHERE n > 0`
	statsPlacers = `SELECT u.username, c.n FROM (` + byUser + `) c JOIN users u ON u.id = c.user_id
		WHERE c.n > 0 AND u.is_guest = 0 AND u.banned = 0 AND u.stats_opt_out = 0
		ORDER BY c.n DESC, u.username_lower LIMIT ?`
	// statsPainted counts the pixels placed on, less those that only
	// rollbacks ever wrote.
	statsPainted = `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM placements GROUP BY x, y)) - (SELECT COUNT(*) FROM
		(SELECT x, y, COUNT(*) AS r FROM placements INDEXED BY placements_rollbacks WHERE rollback = 1 GROUP BY x, y) b
		WHERE b.r = (SELECT COUNT(*) FROM placements p WHERE p.x = b.x AND p.y = b.y))`
	// rollbackPixels is how many pixels rollbacks wrote, and how often.
	rollbackPixels = `SELECT x, y, COUNT(*) FROM placements INDEXED BY placements_rollbacks WHERE rollback = 1 GROUP BY x, y`
	// rawTopPixels is the most written pixels, rollbacks included.
	rawTopPixels = `SELECT x, y, COUNT(*) AS n FROM placements GROUP BY x, y ORDER BY n DESC, y, x LIMIT ?`
	statsMinutes = `SELECT a.m, a.n - COALESCE(b.r, 0)
		FROM (SELECT placed_at / 60000 AS m, COUNT(*) AS n FROM placements GROUP BY 1) a
		LEFT JOIN (SELECT placed_at / 60000 AS m, COUNT(*) AS r FROM placements INDEXED BY placements_rollbacks WHERE rollback = 1 GROUP BY 1) b ON b.m = a.m
		WHERE a.n > COALESCE(b.r, 0) ORDER BY a.m`
)

// EventStats implements place.StatsReader on the read connections: in WAL
// mode they never wait for the writer, nor make it wait.
func (s *Store) EventStats(ctx context.Context, top int) (place.EventStats, error) {
	var st place.EventStats
	// One read snapshot for every figure: a deferred transaction on one
	// read connection (the pool's own transactions begin IMMEDIATE, which
	// would take the write lock).
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), `ROLLBACK`) }()
	var first, last int64
	if err := conn.QueryRowContext(ctx, statsTotals).Scan(&st.Placements, &first, &last); err != nil {
		return st, fmt.Errorf("stats totals: %w", err)
	}
	if st.Placements == 0 {
		return place.EventStats{}, nil
	}
	st.First, st.Last = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	if err := conn.QueryRowContext(ctx, statsPlayers).Scan(&st.Players); err != nil {
		return st, fmt.Errorf("stats players: %w", err)
	}
	if st.PerMinute, err = scanRows(ctx, conn, statsMinutes, func(r *sql.Rows) (m place.MinuteCount, err error) {
		var min int64
		err = r.Scan(&min, &m.Count)
		m.Minute = time.UnixMilli(min * 60000).UTC()
		return m, err
	}); err != nil {
		return st, err
	}
	if err := conn.QueryRowContext(ctx, statsPainted).Scan(&st.PixelsPainted); err != nil {
		return st, fmt.Errorf("stats pixels: %w", err)
	}
	if st.TopPixels, err = topPixels(ctx, conn, top); err != nil {
		return st, err
	}
	st.TopPlacers, err = scanRows(ctx, conn, statsPlacers, func(r *sql.Rows) (p place.PlacerCount, err error) {
		return p, r.Scan(&p.Username, &p.Count)
	}, top)
	return st, err
}

// topPixels returns the most painted pixels. Taking rollbacks off only
// lowers counts, so the true top n are among the raw top n + (pixels that
// rollbacks wrote): at least n of those are untouched and beat any pixel
// outside them.
func topPixels(ctx context.Context, conn *sql.Conn, n int) ([]place.PixelCount, error) {
	scan := func(r *sql.Rows) (p place.PixelCount, err error) { return p, r.Scan(&p.X, &p.Y, &p.Count) }
	rolled, err := scanRows(ctx, conn, rollbackPixels, scan)
	if err != nil {
		return nil, err
	}
	raw, err := scanRows(ctx, conn, rawTopPixels, scan, n+len(rolled))
	if err != nil {
		return nil, err
	}
	return place.SubtractPixelCounts(raw, rolled, n), nil
}

// scanRows runs a query and scans every row with scan.
func scanRows[T any](ctx context.Context, conn *sql.Conn, q string, scan func(*sql.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SetStatsOptOut implements place.StatsReader.
func (s *Store) SetStatsOptOut(ctx context.Context, userID string, optOut bool) error {
	return s.updateUser(ctx, `UPDATE users SET stats_opt_out = ? WHERE id = ?`, optOut, userID)
}

// StatsOptOut implements place.StatsReader.
func (s *Store) StatsOptOut(ctx context.Context, userID string) (bool, error) {
	var v bool
	err := s.rdb.QueryRowContext(ctx, `SELECT stats_opt_out FROM users WHERE id = ?`, userID).Scan(&v)
	if err == sql.ErrNoRows {
		return false, place.Errorf(place.ENOTFOUND, "No such user.")
	}
	if err != nil {
		return false, fmt.Errorf("stats opt-out: %w", err)
	}
	return v, nil
}

var _ place.StatsReader = (*Store)(nil)
