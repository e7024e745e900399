package cluster

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// querier is what pgSize needs of a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgSize reads the canvas size PostgreSQL holds; lock is "", "FOR SHARE" or
// "FOR UPDATE".
func pgSize(ctx context.Context, q querier, lock string) (place.Size, error) {
	var w, h string
	if err := q.QueryRow(ctx, `SELECT
		(SELECT value FROM meta WHERE key = 'canvas_width' `+lock+`),
		(SELECT value FROM meta WHERE key = 'canvas_height' `+lock+`)`).Scan(&w, &h); err != nil {
		return place.Size{}, pgError(err)
	}
	sw, errW := strconv.Atoi(w)
	sh, errH := strconv.Atoi(h)
	if errW != nil || errH != nil {
		return place.Size{}, fmt.Errorf("postgresql holds an unusable canvas size %qx%q", w, h)
	}
	return place.Size{Width: sw, Height: sh}, nil
}

// CanvasSize implements place.Sizes: the size Redis holds with the canvas.
func (s *Sizes) CanvasSize(ctx context.Context) (place.Size, error) {
	var sz place.Size
	err := s.db.do(ctx, func(c redis.Conn) error {
		v, err := redis.Ints(c.Do("HMGET", s.db.keys.meta, "width", "height"))
		if err != nil {
			return err
		}
		sz = place.Size{Width: v[0], Height: v[1]}
		return nil
	})
	if err == nil && sz.Width > 0 && sz.Height > 0 {
		return sz, nil
	}
	// Redis holds no canvas (restoring): PostgreSQL has the size.
	pctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	return pgSize(pctx, s.db.pg, "")
}

// Grow implements place.Sizes. PostgreSQL's size row stays locked while
// Redis lays the canvas out on the new size in one script (no placement
// runs between, and every later placement's offset uses the new width);
// the growth is recorded at the seq Redis had reached, in the same
// transaction. A restore reads the size under that lock, so it waits.
func (s *Sizes) Grow(ctx context.Context, to place.Size, now time.Time, by place.AuditEntry) (place.Growth, error) {
	pctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	tx, err := s.db.pg.Begin(pctx)
	if err != nil {
		return place.Growth{}, pgError(err)
	}
	defer tx.Rollback(pctx) //nolint:errcheck // after Commit this is a no-op
	from, err := pgSize(pctx, tx, "FOR UPDATE")
	if err != nil {
		return place.Growth{}, err
	}
	if err := place.CheckGrowth(from, to); err != nil {
		return place.Growth{}, err
	}
	var reply []int64
	err = s.db.do(ctx, func(c redis.Conn) error {
		var err error
		reply, err = redis.Int64s(growScript.Do(c, s.db.keys.canvas, s.db.keys.seq, s.db.keys.meta, to.Width, to.Height))
		return err
	})
	switch {
	case err != nil:
		return place.Growth{}, err
	case len(reply) == 0 || reply[0] == -1:
		s.db.triggerRestore()
		return place.Growth{}, fmt.Errorf("%w (redis holds no canvas; restoring)", place.ErrUnavailable)
	case reply[0] < 0 || len(reply) < 3:
		return place.Growth{}, fmt.Errorf("grow script: unexpected reply %v", reply)
	}
	if redisFrom := (place.Size{Width: int(reply[1]), Height: int(reply[2])}); redisFrom != from {
		s.db.log.Warn("redis and PostgreSQL disagreed on the canvas size before a growth", "redis", redisFrom, "postgresql", from)
	}
	g := place.Growth{Seq: uint64(reply[0]), At: now, From: from, To: to}
	if err := recordGrowth(pctx, tx, g); err != nil {
		return place.Growth{}, s.growNotRecorded(g, err)
	}
	if by.Action != "" {
		if by.At.IsZero() {
			by.At = now
		}
		if _, err := tx.Exec(pctx, `INSERT INTO audit_log (at, actor_id, actor_name, action, target_id, target_name, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, by.At, by.ActorID, by.ActorName, by.Action, by.TargetID, by.TargetName, g.AuditDetail()); err != nil {
			return place.Growth{}, s.growNotRecorded(g, err)
		}
	}
	if err := tx.Commit(pctx); err != nil {
		return place.Growth{}, s.growNotRecorded(g, err)
	}
	return g, nil
}

// growNotRecorded reports a growth that Redis made but PostgreSQL did not
// record: the canvas is larger (nothing placed is lost), and the next start
// records it (recordMissedGrowth).
func (s *Sizes) growNotRecorded(g place.Growth, err error) error {
	s.db.log.Error("the canvas grew in redis but PostgreSQL did not record it; the next start records it", "to", g.To, "err", err)
	return pgError(err)
}

// recordMissedGrowth records in PostgreSQL a growth from stored to grown
// that Redis holds and PostgreSQL missed (its commit failed after Redis had
// grown). It is dated now, at the seq before the first placement beyond
// the old size that history holds, else at Redis's seq: a placement in the
// new area the history writer had not written yet falls after that seq,
// and time travel before it crops it away.
func (s *db) recordMissedGrowth(ctx context.Context, conn redis.Conn, stored, grown place.Size) error {
	seq, err := redis.Uint64(conn.Do("GET", s.keys.seq))
	if err != nil && err != redis.ErrNil {
		return fmt.Errorf("redis: %w", err)
	}
	pctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	tx, err := s.pg.Begin(pctx)
	if err != nil {
		return pgError(err)
	}
	defer tx.Rollback(pctx) //nolint:errcheck // after Commit this is a no-op
	now, err := pgSize(pctx, tx, "FOR UPDATE")
	switch {
	case err != nil:
		return err
	case now == grown:
		return nil // another instance starting at the same time recorded it
	case now != stored:
		return fmt.Errorf("the canvas size in PostgreSQL changed from %v to %v while this instance started", stored, now)
	}
	var first *int64
	if err := tx.QueryRow(pctx, `SELECT min(seq) FROM placements
		WHERE seq > (SELECT COALESCE(max(seq), 0) FROM canvas_growths) AND (x >= $1 OR y >= $2)`,
		stored.Width, stored.Height).Scan(&first); err != nil {
		return pgError(err)
	}
	if first != nil && uint64(*first) <= seq {
		seq = uint64(*first) - 1
	}
	if err := recordGrowth(pctx, tx, place.Growth{Seq: seq, At: time.Now(), From: stored, To: grown}); err != nil {
		return pgError(err)
	}
	if err := tx.Commit(pctx); err != nil {
		return pgError(err)
	}
	s.log.Warn("recorded a growth of the canvas that redis made and PostgreSQL had missed", "from", stored, "to", grown, "seq", seq)
	return nil
}

// recordGrowth sets PostgreSQL's size to g.To and adds g to the growths.
func recordGrowth(ctx context.Context, tx pgx.Tx, g place.Growth) error {
	if _, err := tx.Exec(ctx, `UPDATE meta SET value = CASE key WHEN 'canvas_width' THEN $1 ELSE $2 END
		WHERE key IN ('canvas_width', 'canvas_height')`, strconv.Itoa(g.To.Width), strconv.Itoa(g.To.Height)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO canvas_growths (seq, at, from_width, from_height, width, height) VALUES ($1, $2, $3, $4, $5, $6)`,
		int64(g.Seq), g.At, g.From.Width, g.From.Height, g.To.Width, g.To.Height)
	return err
}

// Growths implements place.Sizes.
func (s *Sizes) Growths(ctx context.Context) ([]place.Growth, error) {
	pctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(pctx, `SELECT seq, at, from_width, from_height, width, height FROM canvas_growths ORDER BY id`)
	if err != nil {
		return nil, pgError(err)
	}
	defer rows.Close()
	var out []place.Growth
	for rows.Next() {
		var g place.Growth
		var seq int64
		var fw, fh, w, h int32
		if err := rows.Scan(&seq, &g.At, &fw, &fh, &w, &h); err != nil {
			return nil, pgError(err)
		}
		g.Seq, g.From, g.To = uint64(seq), place.Size{Width: int(fw), Height: int(fh)}, place.Size{Width: int(w), Height: int(h)}
		out = append(out, g)
	}
	return out, pgError(rows.Err())
}
