package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/placecanvas/place"
)

// LatestPlacements implements place.LatestPlacements. History is committed
// before a placement is acknowledged, so it is never behind the canvas.
func (s *Factions) LatestPlacements(ctx context.Context, r place.Rect, upTo uint64) ([]place.Placement, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `
SELECT p.seq, p.x, p.y, p.color, p.user_id, p.placed_at, p.rollback + p.wipe
FROM (SELECT MAX(seq) AS seq FROM placements
      WHERE x >= ?1 AND x < ?2 AND y >= ?3 AND y < ?4 AND seq <= ?5
      GROUP BY x, y) l
JOIN placements p ON p.seq = l.seq`, r.X, r.X+r.W, r.Y, r.Y+r.H, int64(min(upTo, 1<<63-1)))
	if err != nil {
		return nil, fmt.Errorf("read the latest placements: %w", err)
	}
	defer rows.Close()
	var out []place.Placement
	for rows.Next() {
		p, err := scanPlacement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PublicNames implements place.PublicNames.
func (s *Factions) PublicNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT id, username FROM users
		WHERE is_guest = 0 AND banned = 0 AND stats_opt_out = 0 AND id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// PlacementCounts implements place.PlacementCounts in one read snapshot.
func (s *Factions) PlacementCounts(ctx context.Context, since time.Time) (all, recent []place.PlacementCount, upTo uint64, err error) {
	tx, err := s.db.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("count placements: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM placements`).Scan(&last); err != nil {
		return nil, nil, 0, fmt.Errorf("count placements: %w", err)
	}
	all, err = countRows(ctx, tx, false, `SELECT user_id, COALESCE(team_id, 0), COUNT(*) FROM placements
		WHERE rollback = 0 AND seq <= ? GROUP BY user_id, team_id`, last)
	if err != nil {
		return nil, nil, 0, err
	}
	recent, err = countRows(ctx, tx, true, `SELECT user_id, COALESCE(team_id, 0), placed_at / 60000, COUNT(*) FROM placements
		WHERE rollback = 0 AND seq <= ? AND placed_at >= ? GROUP BY user_id, team_id, placed_at / 60000`, last, since.UnixMilli())
	return all, recent, uint64(last), err
}

func countRows(ctx context.Context, tx *sql.Tx, perMinute bool, q string, args ...any) ([]place.PlacementCount, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("count placements: %w", err)
	}
	defer rows.Close()
	var out []place.PlacementCount
	for rows.Next() {
		var c place.PlacementCount
		var minute int64
		dst := []any{&c.UserID, &c.TeamID, &c.Count}
		if perMinute {
			dst = []any{&c.UserID, &c.TeamID, &minute, &c.Count}
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		if perMinute {
			c.Minute = time.UnixMilli(minute * 60000).UTC()
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
