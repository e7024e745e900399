package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/placecanvas/place"
)

const (
	defaultLimit        = 50
	maxLimit            = 1000
	rollbackHistoryWait = 5 * time.Second
)

func clampLimit(limit int) int {
	if limit <= 0 {
		return defaultLimit
	}
	return min(limit, maxLimit)
}

func isSQLError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

const historyColumns = `p.seq, p.x, p.y, p.color, p.user_id, p.placed_at, p.rollback, p.wipe, COALESCE(u.username, ''), COALESCE(NOT u.is_guest AND NOT u.stats_opt_out, false)`

// PixelHistory returns one pixel's placements, newest first. PostgreSQL may
// lag the stream by a moment; this read does not wait for it.
func (s *History) PixelHistory(ctx context.Context, x, y, limit int) ([]place.HistoryEntry, error) {
	return s.queryHistory(ctx, `SELECT `+historyColumns+`
		FROM placements p LEFT JOIN users u ON u.id = p.user_id
		WHERE p.x = $1 AND p.y = $2 ORDER BY p.seq DESC LIMIT $3`, x, y, clampLimit(limit))
}

// PixelHistoryBefore returns one pixel's placements with seq < before
// (0: no bound), newest first: the pages of the HTML history.
func (s *History) PixelHistoryBefore(ctx context.Context, x, y int, before uint64, limit int) ([]place.HistoryEntry, error) {
	return s.queryHistory(ctx, `SELECT `+historyColumns+`
		FROM placements p LEFT JOIN users u ON u.id = p.user_id
		WHERE p.x = $1 AND p.y = $2 AND ($3::bigint = 0 OR p.seq < $3::bigint) ORDER BY p.seq DESC LIMIT $4`, x, y, int64(before), clampLimit(limit))
}

// RecentPlacements returns placements with seq < before (0: no bound), newest first.
func (s *History) RecentPlacements(ctx context.Context, before uint64, limit int) ([]place.HistoryEntry, error) {
	return s.queryHistory(ctx, `SELECT `+historyColumns+`
		FROM placements p LEFT JOIN users u ON u.id = p.user_id
		WHERE ($1::bigint = 0 OR p.seq < $1::bigint) ORDER BY p.seq DESC LIMIT $2`, int64(before), clampLimit(limit))
}

// UserPlacements returns a user's placements with seq < before (0: no bound), newest first.
func (s *History) UserPlacements(ctx context.Context, userID string, before uint64, limit int) ([]place.HistoryEntry, error) {
	return s.queryHistory(ctx, `SELECT `+historyColumns+`
		FROM placements p LEFT JOIN users u ON u.id = p.user_id
		WHERE p.user_id = $1 AND ($2::bigint = 0 OR p.seq < $2::bigint) ORDER BY p.seq DESC LIMIT $3`, userID, int64(before), clampLimit(limit))
}

func (s *History) queryHistory(ctx context.Context, sql string, args ...any) ([]place.HistoryEntry, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgError(err)
	}
	defer rows.Close()
	var out []place.HistoryEntry
	for rows.Next() {
		var e place.HistoryEntry
		var seq int64
		var x, y int32
		var color int16
		if err := rows.Scan(&seq, &x, &y, &color, &e.UserID, &e.At, &e.Rollback, &e.Wipe, &e.Username, &e.Named); err != nil {
			return nil, pgError(err)
		}
		e.Seq, e.X, e.Y, e.Color = uint64(seq), int(x), int(y), uint8(color)
		out = append(out, e)
	}
	return out, pgError(rows.Err())
}

// scanPlacements reads rows of seq, x, y, color, user_id, placed_at,
// rollback, wipe.
func scanPlacements(rows pgx.Rows) ([]place.Placement, error) {
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

func scanPlacement(rows pgx.Rows) (place.Placement, error) {
	var p place.Placement
	var seq int64
	var x, y int32
	var color int16
	err := rows.Scan(&seq, &x, &y, &color, &p.UserID, &p.At, &p.Rollback, &p.Wipe)
	p.Seq, p.X, p.Y, p.Color = uint64(seq), int(x), int(y), uint8(color)
	return p, err
}

// EachPlacement streams every stored placement in seq order. It runs under
// the caller's context only: a full replay may take long.
func (s *History) EachPlacement(ctx context.Context, fn func(place.Placement) error) error {
	rows, err := s.db.pg.Query(ctx, `SELECT seq, x, y, color, user_id, placed_at, rollback, wipe, COALESCE(team_id, 0) FROM placements ORDER BY seq`)
	if err != nil {
		return pgError(err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanTeamPlacement(rows)
		if err != nil {
			return pgError(err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return pgError(rows.Err())
}

// RollbackPlan first waits until history holds every placement made so far
// (the writer may lag the stream by a moment), so that a rollback started
// right after the vandal's last pixel still undoes it. Then, for every pixel
// whose latest placement is the user's at or after since, it finds the
// color of the latest placement there that is not one of those.
func (s *History) RollbackPlan(ctx context.Context, userID string, since time.Time) ([]place.Pixel, error) {
	wctx, cancel := context.WithTimeout(ctx, rollbackHistoryWait)
	err := s.db.Flush(wctx)
	cancel()
	if err != nil {
		return nil, err
	}
	ctx, cancel = pgCtx(ctx, pgCallTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, `
		WITH touched AS (
			SELECT DISTINCT x, y FROM placements WHERE user_id = $1 AND placed_at >= $2
		), latest AS (
			SELECT t.x, t.y, l.user_id, l.placed_at
			FROM touched t
			CROSS JOIN LATERAL (
				SELECT user_id, placed_at FROM placements p
				WHERE p.x = t.x AND p.y = t.y ORDER BY p.seq DESC LIMIT 1
			) l
		)
		SELECT l.x, l.y, COALESCE((
			SELECT p.color FROM placements p
			WHERE p.x = l.x AND p.y = l.y AND NOT (p.user_id = $1 AND p.placed_at >= $2)
			ORDER BY p.seq DESC LIMIT 1), 0)
		FROM latest l
		WHERE l.user_id = $1 AND l.placed_at >= $2
		ORDER BY l.y, l.x`, userID, since)
	if err != nil {
		return nil, pgError(err)
	}
	return scanPixels(rows)
}

// scanPixels reads rows of (x, y, color), as the rollback plans return
// them, and closes them.
func scanPixels(rows pgx.Rows) ([]place.Pixel, error) {
	defer rows.Close()
	var out []place.Pixel
	for rows.Next() {
		var x, y int32
		var color int16
		if err := rows.Scan(&x, &y, &color); err != nil {
			return nil, pgError(err)
		}
		out = append(out, place.Pixel{X: int(x), Y: int(y), Color: uint8(color)})
	}
	return out, pgError(rows.Err())
}

// WaitHistory waits until every placement up to seq is in PostgreSQL, so
// that history reads include them. It returns place.ErrUnavailable if that
// does not happen before ctx ends (PostgreSQL down).
func (s *History) WaitHistory(ctx context.Context, seq uint64) error {
	return s.db.waitHistory(ctx, seq)
}
