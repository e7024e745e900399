package embedded

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
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
	// statsUsers is every user who placed, with whether they may be listed.
	statsUsers = `SELECT c.n, COALESCE(u.username, ''), COALESCE(u.username_lower, ''),
		COALESCE(u.is_guest = 0 AND u.banned = 0 AND u.stats_opt_out = 0, 0)
		FROM (` + byUser + `) c LEFT JOIN users u ON u.id = c.user_id WHERE c.n > 0`
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
func (s *Stats) EventStats(ctx context.Context, top int) (place.EventStats, error) {
	var st place.EventStats
	// One read snapshot for every figure: a deferred transaction on one
	// read connection (the pool's own transactions begin IMMEDIATE, which
	// would take the write lock).
	conn, err := s.db.rdb.Conn(ctx)
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
	teams, err := scanTeams(ctx, conn)
	if err != nil {
		return st, err
	}
	if st.Placements == 0 {
		return place.EventStats{Teams: teams}, nil
	}
	st.Teams = teams
	st.First, st.Last = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	if st.Players, st.TopPlacers, err = placers(ctx, conn, top); err != nil {
		return st, err
	}
	if st.PerMinute, err = perMinute(ctx, conn, first, last); err != nil {
		return st, err
	}
	if err := conn.QueryRowContext(ctx, statsPainted).Scan(&st.PixelsPainted); err != nil {
		return st, fmt.Errorf("stats pixels: %w", err)
	}
	if st.TopPixels, err = topPixels(ctx, conn, top); err != nil {
		return st, err
	}
	return st, nil
}

// placers counts the users who placed and returns the top n of those who
// may be listed, in one pass over the user index.
func placers(ctx context.Context, conn *sql.Conn, n int) (int64, []place.PlacerCount, error) {
	type row struct {
		place.PlacerCount
		lower  string
		listed bool
	}
	rows, err := scanRows(ctx, conn, statsUsers, func(r *sql.Rows) (p row, err error) {
		return p, r.Scan(&p.Count, &p.Username, &p.lower, &p.listed)
	})
	if err != nil {
		return 0, nil, err
	}
	listed := make([]row, 0, len(rows))
	for _, r := range rows {
		if r.listed {
			listed = append(listed, r)
		}
	}
	slices.SortFunc(listed, func(a, b row) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return strings.Compare(a.lower, b.lower)
	})
	var top []place.PlacerCount
	for _, r := range listed[:min(n, len(listed))] {
		top = append(top, r.PlacerCount)
	}
	return int64(len(rows)), top, nil
}

// maxMinuteRanges is the longest history (a week) counted minute by
// minute with index range counts; a longer one is grouped in one query.
const maxMinuteRanges = 7 * 24 * 60

// perMinute counts the placements of every minute from first to last
// (unix milliseconds). One range count on the time index per minute reads
// the index once in all, where grouping by minute would sort every row.
func perMinute(ctx context.Context, conn *sql.Conn, first, last int64) ([]place.MinuteCount, error) {
	scan := func(r *sql.Rows) (m place.MinuteCount, err error) {
		var min int64
		err = r.Scan(&min, &m.Count)
		m.Minute = time.UnixMilli(min * 60000).UTC()
		return m, err
	}
	m0, m1 := first/60000, last/60000
	if m1-m0+1 > maxMinuteRanges {
		return scanRows(ctx, conn, statsMinutes, scan)
	}
	rolled, err := scanRows(ctx, conn, `SELECT placed_at / 60000, COUNT(*) FROM placements INDEXED BY placements_rollbacks
		WHERE rollback = 1 GROUP BY 1`, scan)
	if err != nil {
		return nil, err
	}
	minus := make(map[time.Time]int64, len(rolled))
	for _, r := range rolled {
		minus[r.Minute] = r.Count
	}
	stmt, err := conn.PrepareContext(ctx, `SELECT COUNT(*) FROM placements WHERE placed_at >= ? AND placed_at < ?`)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	defer stmt.Close()
	var out []place.MinuteCount
	for m := m0; m <= m1; m++ {
		var n int64
		if err := stmt.QueryRowContext(ctx, m*60000, (m+1)*60000).Scan(&n); err != nil {
			return nil, fmt.Errorf("stats minutes: %w", err)
		}
		at := time.UnixMilli(m * 60000).UTC()
		if n -= minus[at]; n > 0 {
			out = append(out, place.MinuteCount{Minute: at, Count: n})
		}
	}
	return out, nil
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
func (s *Stats) SetStatsOptOut(ctx context.Context, userID string, optOut bool) error {
	return s.db.updateUser(ctx, `UPDATE users SET stats_opt_out = ? WHERE id = ?`, optOut, userID)
}

// StatsOptOut implements place.StatsReader.
func (s *Stats) StatsOptOut(ctx context.Context, userID string) (bool, error) {
	var v bool
	err := s.db.rdb.QueryRowContext(ctx, `SELECT stats_opt_out FROM users WHERE id = ?`, userID).Scan(&v)
	if err == sql.ErrNoRows {
		return false, place.Errorf(place.ENOTFOUND, "No such user.")
	}
	if err != nil {
		return false, fmt.Errorf("stats opt-out: %w", err)
	}
	return v, nil
}
