package cluster

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// LatestPlacements implements place.LatestPlacements from PostgreSQL, which
// holds the placements the history writer has written (WaitHistory waits
// for a seq).
func (s *Factions) LatestPlacements(ctx context.Context, r place.Rect, upTo uint64) ([]place.Placement, error) {
	ctx, cancel := pgCtx(ctx, statsTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, `SELECT DISTINCT ON (x, y) seq, x, y, color, user_id, placed_at, rollback, wipe
		FROM placements WHERE x >= $1 AND x < $2 AND y >= $3 AND y < $4 AND seq <= $5
		ORDER BY x, y, seq DESC`, r.X, r.X+r.W, r.Y, r.Y+r.H, int64(min(upTo, 1<<63-1)))
	if err != nil {
		return nil, pgError(err)
	}
	ps, err := scanPlacements(rows)
	return ps, pgError(err)
}

// PublicNames implements place.PublicNames.
func (s *Factions) PublicNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, `SELECT id, username FROM users
		WHERE NOT is_guest AND NOT banned AND NOT stats_opt_out AND id = ANY($1)`, ids)
	if err != nil {
		return nil, pgError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, pgError(err)
		}
		out[id] = name
	}
	return out, pgError(rows.Err())
}

// PlacementCounts implements place.PlacementCounts in one read-only
// snapshot of PostgreSQL; the feed brings the placements after upTo (from
// the stream, or from PostgreSQL when the stream no longer has them).
func (s *Factions) PlacementCounts(ctx context.Context, since time.Time) (all, recent []place.PlacementCount, upTo uint64, err error) {
	ctx, cancel := pgCtx(ctx, statsTimeout)
	defer cancel()
	tx, err := s.db.pg.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, nil, 0, pgError(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var last int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM placements`).Scan(&last); err != nil {
		return nil, nil, 0, pgError(err)
	}
	rows, err := tx.Query(ctx, `SELECT user_id, COALESCE(team_id, 0), COUNT(*) FROM placements
		WHERE NOT rollback AND seq <= $1 GROUP BY user_id, team_id`, last)
	if err != nil {
		return nil, nil, 0, pgError(err)
	}
	if all, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (place.PlacementCount, error) {
		var c place.PlacementCount
		return c, r.Scan(&c.UserID, &c.TeamID, &c.Count)
	}); err != nil {
		return nil, nil, 0, pgError(err)
	}
	rows, err = tx.Query(ctx, `SELECT user_id, COALESCE(team_id, 0), date_trunc('minute', placed_at), COUNT(*) FROM placements
		WHERE NOT rollback AND seq <= $1 AND placed_at >= $2 GROUP BY 1, 2, 3`, last, since)
	if err != nil {
		return nil, nil, 0, pgError(err)
	}
	recent, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (place.PlacementCount, error) {
		var c place.PlacementCount
		err := r.Scan(&c.UserID, &c.TeamID, &c.Minute, &c.Count)
		c.Minute = c.Minute.UTC()
		return c, err
	})
	return all, recent, uint64(last), pgError(err)
}

// scanTeamPlacement reads a placement with its team (the last column): the
// feed's and history's readers that count by team need it.
func scanTeamPlacement(r pgx.Row) (place.Placement, error) {
	var p place.Placement
	var seq int64
	var x, y int32
	var color int16
	err := r.Scan(&seq, &x, &y, &color, &p.UserID, &p.At, &p.Rollback, &p.Wipe, &p.TeamID)
	p.Seq, p.X, p.Y, p.Color = uint64(seq), int(x), int(y), uint8(color)
	return p, err
}
