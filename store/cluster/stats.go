package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// statsTimeout bounds one computation of the statistics.
const statsTimeout = 30 * time.Second

// EventStats implements place.StatsReader with aggregate queries on
// PostgreSQL in one read-only snapshot. Placements go through Redis, and
// the history writer's COPY does not wait for readers, so this never slows
// a placement.
func (s *Stats) EventStats(ctx context.Context, top int) (place.EventStats, error) {
	var st place.EventStats
	// The caller bounds the whole computation (it reads every placement).
	ctx, cancel := pgCtx(ctx, statsTimeout)
	defer cancel()
	tx, err := s.db.pg.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return st, pgError(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT user_id), COALESCE(MIN(placed_at), 'epoch'), COALESCE(MAX(placed_at), 'epoch')
		FROM placements WHERE NOT rollback`).Scan(&st.Placements, &st.Players, &st.First, &st.Last); err != nil {
		return st, pgError(err)
	}
	teams, err := readTeams(ctx, tx)
	if err != nil {
		return st, err
	}
	if st.Placements == 0 {
		return place.EventStats{Teams: teams}, nil
	}
	st.Teams = teams
	st.First, st.Last = st.First.UTC(), st.Last.UTC()
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM placements WHERE NOT rollback GROUP BY x, y) p`).Scan(&st.PixelsPainted); err != nil {
		return st, pgError(err)
	}
	if st.PerMinute, err = collect(ctx, tx, `SELECT date_trunc('minute', placed_at), COUNT(*) FROM placements WHERE NOT rollback GROUP BY 1 ORDER BY 1`,
		func(r pgx.CollectableRow) (m place.MinuteCount, err error) {
			err = r.Scan(&m.Minute, &m.Count)
			m.Minute = m.Minute.UTC()
			return m, err
		}); err != nil {
		return st, err
	}
	if st.TopPixels, err = collect(ctx, tx, `SELECT x, y, COUNT(*) AS n FROM placements WHERE NOT rollback
		GROUP BY x, y ORDER BY n DESC, y, x LIMIT $1`,
		func(r pgx.CollectableRow) (p place.PixelCount, err error) { return p, r.Scan(&p.X, &p.Y, &p.Count) }, top); err != nil {
		return st, err
	}
	st.TopPlacers, err = collect(ctx, tx, `SELECT u.username, c.n FROM
		(SELECT user_id, COUNT(*) AS n FROM placements WHERE NOT rollback GROUP BY user_id) c
		JOIN users u ON u.id = c.user_id
		WHERE NOT u.is_guest AND NOT u.banned AND NOT u.stats_opt_out
		ORDER BY c.n DESC, u.username_lower LIMIT $1`,
		func(r pgx.CollectableRow) (p place.PlacerCount, err error) { return p, r.Scan(&p.Username, &p.Count) }, top)
	return st, err
}

func collect[T any](ctx context.Context, tx pgx.Tx, sql string, scan pgx.RowToFunc[T], args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgError(err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, pgError(err)
	}
	return out, nil
}

// SetStatsOptOut implements place.StatsReader.
func (s *Stats) SetStatsOptOut(ctx context.Context, userID string, optOut bool) error {
	return s.db.updateUser(ctx, `UPDATE users SET stats_opt_out = $2 WHERE id = $1`, userID, optOut)
}

// StatsOptOut implements place.StatsReader.
func (s *Stats) StatsOptOut(ctx context.Context, userID string) (bool, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var v bool
	err := s.db.pg.QueryRow(ctx, `SELECT stats_opt_out FROM users WHERE id = $1`, userID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, place.Errorf(place.ENOTFOUND, "No such user.")
	}
	if err != nil {
		return false, pgError(err)
	}
	return v, nil
}
