package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// UndoGrowth implements place.Sizes. PostgreSQL's size row stays locked
// (as for Grow) while it looks, in history up to a seq it waited for, for a
// placement in the area the last growth added; Redis then crops the canvas
// in one script that first looks at the placements the stream holds after
// that seq, so that none lands in the area between the look and the crop.
// The growth is removed, the size set back and the audit entry written in
// the transaction, committed after Redis shrank; if the commit fails, Redis
// is grown again (nothing was placed in the area, so nothing is lost).
func (s *Sizes) UndoGrowth(ctx context.Context, now time.Time, by place.AuditEntry) (place.Growth, error) {
	wctx, cancel := context.WithTimeout(ctx, rollbackHistoryWait)
	checked, err := s.db.flushedSeq(wctx)
	cancel()
	if err != nil {
		return place.Growth{}, err
	}
	pctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	tx, err := s.db.pg.Begin(pctx)
	if err != nil {
		return place.Growth{}, pgError(err)
	}
	defer tx.Rollback(pctx) //nolint:errcheck // after Commit this is a no-op
	cur, err := pgSize(pctx, tx, "FOR UPDATE")
	if err != nil {
		return place.Growth{}, err
	}
	id, g, err := lastGrowth(pctx, tx)
	if err != nil {
		return place.Growth{}, err
	}
	if g.To != cur {
		return place.Growth{}, fmt.Errorf("the last growth is to %v but PostgreSQL holds a %v canvas", g.To, cur)
	}
	var seq int64
	var x, y int32
	err = tx.QueryRow(pctx, `SELECT seq, x, y FROM placements WHERE seq > $1 AND (x >= $2 OR y >= $3) ORDER BY seq LIMIT 1`,
		int64(g.Seq), g.From.Width, g.From.Height).Scan(&seq, &x, &y)
	switch {
	case err == nil:
		return place.Growth{}, place.PlacedInGrowth(g, uint64(seq), int(x), int(y))
	case !errors.Is(err, pgx.ErrNoRows):
		return place.Growth{}, pgError(err)
	}
	if err := recordUndo(pctx, tx, id, g, now, by); err != nil {
		return place.Growth{}, pgError(err)
	}
	if err := s.shrinkRedis(ctx, g, checked); err != nil {
		return place.Growth{}, err
	}
	if err := tx.Commit(pctx); err != nil {
		s.regrowAfterFailedUndo(g, err)
		return place.Growth{}, pgError(err)
	}
	return g, nil
}

// lastGrowth returns the latest growth and its row id, locked
// (NoGrowthToUndo when there is none).
func lastGrowth(ctx context.Context, tx pgx.Tx) (int64, place.Growth, error) {
	var id, seq int64
	var fw, fh, w, h int32
	var g place.Growth
	err := tx.QueryRow(ctx, `SELECT id, seq, at, from_width, from_height, width, height FROM canvas_growths ORDER BY id DESC LIMIT 1 FOR UPDATE`).
		Scan(&id, &seq, &g.At, &fw, &fh, &w, &h)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, g, place.NoGrowthToUndo()
	}
	if err != nil {
		return 0, g, pgError(err)
	}
	g.Seq, g.From, g.To = uint64(seq), place.Size{Width: int(fw), Height: int(fh)}, place.Size{Width: int(w), Height: int(h)}
	return id, g, nil
}

// recordUndo removes growth id, sets the size back and writes the audit
// entry (when by has an action) in tx.
func recordUndo(ctx context.Context, tx pgx.Tx, id int64, g place.Growth, now time.Time, by place.AuditEntry) error {
	if _, err := tx.Exec(ctx, `DELETE FROM canvas_growths WHERE id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE meta SET value = CASE key WHEN 'canvas_width' THEN $1 ELSE $2 END
		WHERE key IN ('canvas_width', 'canvas_height')`, strconv.Itoa(g.From.Width), strconv.Itoa(g.From.Height)); err != nil {
		return err
	}
	if by.Action == "" {
		return nil
	}
	if by.At.IsZero() {
		by.At = now
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, action, target_id, target_name, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, by.At, by.ActorID, by.ActorName, by.Action, by.TargetID, by.TargetName, g.UndoDetail())
	return err
}

// shrinkRedis runs shrinkScript for g, PostgreSQL having been checked up
// to seq checked.
func (s *Sizes) shrinkRedis(ctx context.Context, g place.Growth, checked uint64) error {
	var reply []int64
	err := s.db.do(ctx, func(c redis.Conn) error {
		var err error
		reply, err = redis.Int64s(shrinkScript.Do(c, s.db.keys.canvas, s.db.keys.seq, s.db.keys.meta, s.db.keys.stream,
			g.From.Width, g.From.Height, g.To.Width, g.To.Height, checked))
		return err
	})
	switch {
	case err != nil:
		return err
	case len(reply) == 0:
		return fmt.Errorf("shrink script: empty reply")
	case reply[0] >= 0:
		return nil
	case reply[0] == -1:
		s.db.triggerRestore()
		return fmt.Errorf("%w (redis holds no canvas; restoring)", place.ErrUnavailable)
	case reply[0] == -3 && len(reply) == 4:
		return place.PlacedInGrowth(g, uint64(reply[1]), int(reply[2]), int(reply[3]))
	case reply[0] == -4:
		return place.GrowthUndoBusy()
	}
	return fmt.Errorf("shrink script: redis and PostgreSQL disagree on the canvas size (reply %v, PostgreSQL %v)", reply, g.To)
}

// regrowAfterFailedUndo lays Redis's canvas out on the grown size again
// after PostgreSQL failed to record the undoing: the two agree again, and
// nothing is lost (nothing was placed in the area).
func (s *Sizes) regrowAfterFailedUndo(g place.Growth, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisCallTimeout)
	defer cancel()
	err := s.db.do(ctx, func(c redis.Conn) error {
		_, err := growScript.Do(c, s.db.keys.canvas, s.db.keys.seq, s.db.keys.meta, g.To.Width, g.To.Height)
		return err
	})
	s.db.log.Error("PostgreSQL did not record the undoing of a growth; redis's canvas grown back", "to", g.To, "cause", cause, "err", err)
}
