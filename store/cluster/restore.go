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

const (
	restoreLockTTL = 2 * time.Minute
	restoreTimeout = 10 * time.Minute
)

// checkStoredSize records the canvas size in PostgreSQL on first start;
// afterwards the stored size wins over the configured one (which gives only
// the first size: the canvas grows at run time and never shrinks). Redis
// must agree with PostgreSQL, except after a growth Redis made and
// PostgreSQL failed to record, which is recorded now (recordMissedGrowth).
func (s *db) checkStoredSize(ctx context.Context) error {
	pctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	tag, err := s.pg.Exec(pctx, `INSERT INTO meta (key, value) VALUES ('canvas_width', $1), ('canvas_height', $2), ('redis_epoch', '0')
		ON CONFLICT (key) DO NOTHING`, strconv.Itoa(s.cfg.Width), strconv.Itoa(s.cfg.Height))
	if err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	newDatabase := tag.RowsAffected() > 0
	stored, err := pgSize(pctx, s.pg, "")
	if err != nil {
		return err
	}
	if stored != s.cfg.Size() {
		s.log.Info("the stored canvas size wins over --width/--height (they give only the first size)",
			"stored", fmt.Sprintf("%dx%d", stored.Width, stored.Height), "flags", fmt.Sprintf("%dx%d", s.cfg.Width, s.cfg.Height))
		s.cfg.Width, s.cfg.Height = stored.Width, stored.Height
	}
	w, h := strconv.Itoa(s.cfg.Width), strconv.Itoa(s.cfg.Height)

	conn := s.pool.Get()
	defer conn.Close()
	meta, err := redis.StringMap(conn.Do("HGETALL", s.keys.meta))
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if len(meta) > 0 && (meta["width"] != w || meta["height"] != h) {
		rw, errW := strconv.Atoi(meta["width"])
		rh, errH := strconv.Atoi(meta["height"])
		grown := place.Size{Width: rw, Height: rh}
		if newDatabase || errW != nil || errH != nil || !grown.Covers(stored) {
			return fmt.Errorf("redis (key prefix %q) holds a %sx%s canvas but PostgreSQL a %sx%s one", s.keys.prefix, meta["width"], meta["height"], w, h)
		}
		if err := s.recordMissedGrowth(ctx, conn, stored, grown); err != nil {
			return err
		}
		s.cfg.Width, s.cfg.Height = grown.Width, grown.Height
	}
	n, err := redis.Int(conn.Do("STRLEN", s.keys.canvas))
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if n != 0 && n != s.cfg.Width*s.cfg.Height {
		return fmt.Errorf("redis (key prefix %q) holds a canvas of %d bytes but PostgreSQL a %sx%s one", s.keys.prefix, n, w, h)
	}
	return nil
}

// triggerRestore starts restoring Redis in the background, once, after a
// call found the canvas missing at run time (Redis restarted empty).
func (s *db) triggerRestore() {
	if !s.restoring.CompareAndSwap(false, true) {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.restoring.Store(false)
		ctx, cancel := context.WithTimeout(s.ctx, restoreTimeout)
		defer cancel()
		s.log.Warn("redis holds no canvas: restoring from PostgreSQL")
		if err := s.ensureCanvas(ctx); err != nil {
			s.log.Error("restoring redis from PostgreSQL", "err", err)
		}
	}()
}

// ensureCanvas returns once Redis holds the canvas, restoring it from
// PostgreSQL if needed. One instance restores (under a lock); the others
// wait for it.
func (s *db) ensureCanvas(ctx context.Context) error {
	token := randomID(10)
	for {
		conn, err := s.pool.GetContext(ctx)
		if err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		exists, err := redis.Bool(conn.Do("EXISTS", s.keys.canvas))
		if err != nil {
			conn.Close()
			return fmt.Errorf("redis: %w", err)
		}
		if exists {
			conn.Close()
			return nil
		}
		_, err = redis.String(conn.Do("SET", s.keys.restoreLock, token, "NX", "PX", restoreLockTTL.Milliseconds()))
		conn.Close()
		if err == nil {
			err = s.restore(ctx)
			c := s.pool.Get()
			_, _ = unlockScript.Do(c, s.keys.restoreLock, token)
			c.Close()
			return err
		}
		if !errors.Is(err, redis.ErrNil) {
			return fmt.Errorf("redis: %w", err)
		}
		// Another instance is restoring.
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for another instance to restore redis: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// streamPixel is the latest stream entry for one pixel.
type streamPixel struct {
	seq   uint64
	color byte
}

// restore rebuilds the canvas, the seq and the banned set in Redis from
// PostgreSQL, merged with whatever the stream still holds that PostgreSQL
// does not have yet.
//
// A writer may be committing a batch read from the Redis that was lost (or
// hold one to commit later) while this runs. Its seqs must neither be left
// out of the restored seq (new placements would reuse them and be dropped
// as duplicates) nor be committed after it (history would hold pixels the
// restored canvas does not). The Redis epoch fences them: restore advances
// it in PostgreSQL, taking its row lock, which waits for every batch being
// committed (writers hold the row FOR SHARE until they commit, so what
// restore reads next includes those batches); and a writer commits only a
// batch read under the epoch PostgreSQL holds, so one read before the
// restore is refused after it and read again from the restored stream.
func (s *db) restore(ctx context.Context) error {
	start := time.Now()
	tx, err := s.pg.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
	epoch, err := advanceEpoch(ctx, tx)
	if err != nil {
		return err
	}
	// The size PostgreSQL holds, read FOR SHARE: a growth under way
	// (store/cluster/size.go) commits first.
	sz, err := pgSize(ctx, tx, "FOR SHARE")
	if err != nil {
		return err
	}

	// What survives in Redis: the stream (and its last id), the seq.
	conn := s.pool.Get()
	defer conn.Close()
	fromStream, seq, err := s.readSurvivingStream(conn, sz)
	if err != nil {
		return err
	}

	// The latest placement of every pixel, one row per pixel.
	canvas, pixels, err := s.historyCanvas(ctx, tx, fromStream, sz)
	if err != nil {
		return err
	}
	var maxSeq int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(max(seq), 0) FROM placements").Scan(&maxSeq); err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	seq = max(seq, uint64(maxSeq))
	banned, err := s.bannedArgs(ctx, tx)
	if err != nil {
		return err
	}

	// The new epoch is committed before Redis gets it: from here on, batches
	// read from the old Redis are refused; should writing Redis fail, the
	// canvas stays missing and the next restore advances the epoch again.
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	if err := s.writeRestored(ctx, canvas, sz, seq, epoch, banned); err != nil {
		return err
	}
	s.log.Info("restored redis from PostgreSQL", "seq", seq, "epoch", epoch, "pixels", pixels,
		"unwritten_stream_pixels", len(fromStream), "banned", len(banned)-1, "took", time.Since(start).String())
	return nil
}

// advanceEpoch increments the Redis epoch in PostgreSQL within tx, taking
// the row lock that waits for every batch a writer is committing.
func advanceEpoch(ctx context.Context, tx pgx.Tx) (int64, error) {
	var epoch int64
	if err := tx.QueryRow(ctx, `INSERT INTO meta (key, value) VALUES ('redis_epoch', '1')
		ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text
		RETURNING value::bigint`).Scan(&epoch); err != nil {
		return 0, fmt.Errorf("postgresql: %w", err)
	}
	return epoch, nil
}

// readSurvivingStream returns the latest stream entry of every pixel still
// in the stream, and the highest seq Redis knows of (its seq key, the
// stream's last id, the entries).
func (s *db) readSurvivingStream(conn redis.Conn, sz place.Size) (map[int]streamPixel, uint64, error) {
	w, h := sz.Width, sz.Height
	fromStream := map[int]streamPixel{}
	var seq uint64
	if v, err := redis.Uint64(conn.Do("GET", s.keys.seq)); err == nil {
		seq = v
	} else if !errors.Is(err, redis.ErrNil) {
		return nil, 0, fmt.Errorf("redis: %w", err)
	}
	seq = max(seq, s.streamLastSeq(conn))
	for cursor := "-"; ; {
		reply, err := conn.Do("XRANGE", s.keys.stream, cursor, "+", "COUNT", 10000)
		if err != nil {
			return nil, 0, fmt.Errorf("redis: %w", err)
		}
		ps, err := parseEntries(reply)
		if err != nil {
			return nil, 0, err
		}
		if len(ps) == 0 {
			break
		}
		for _, p := range ps {
			if p.X >= 0 && p.X < w && p.Y >= 0 && p.Y < h {
				fromStream[p.Y*w+p.X] = streamPixel{p.Seq, p.Color}
			}
			seq = max(seq, p.Seq)
		}
		cursor = "(" + streamID(ps[len(ps)-1].Seq)
	}
	return fromStream, seq, nil
}

// streamLastSeq is the seq of the stream's last generated id, or 0 if the
// stream is missing.
func (s *db) streamLastSeq(conn redis.Conn) uint64 {
	var seq uint64
	if info, err := redis.Values(conn.Do("XINFO", "STREAM", s.keys.stream)); err == nil {
		for i := 0; i+1 < len(info); i += 2 {
			if k, _ := redis.String(info[i], nil); k == "last-generated-id" {
				id, _ := redis.String(info[i+1], nil)
				if last, err := seqOf(id); err == nil {
					seq = max(seq, last)
				}
			}
		}
	}
	return seq
}

// historyCanvas builds the canvas from the latest placement of every pixel
// in PostgreSQL, overlaid with the stream's pixels that are newer than
// history. It also returns how many pixels history has.
func (s *db) historyCanvas(ctx context.Context, tx pgx.Tx, fromStream map[int]streamPixel, sz place.Size) ([]byte, int, error) {
	w, h := sz.Width, sz.Height
	canvas := make([]byte, w*h)
	historySeq := map[int]uint64{} // only for pixels the stream also has
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (x, y) x, y, color, seq FROM placements ORDER BY x, y, seq DESC`)
	if err != nil {
		return nil, 0, fmt.Errorf("postgresql: %w", err)
	}
	var x, y int32
	var color int16
	var pseq int64
	var pixels int
	for rows.Next() {
		if err := rows.Scan(&x, &y, &color, &pseq); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("postgresql: %w", err)
		}
		if int(x) >= w || int(y) >= h || x < 0 || y < 0 {
			rows.Close()
			return nil, 0, fmt.Errorf("history has a placement at %d,%d outside the %dx%d canvas", x, y, w, h)
		}
		off := int(y)*w + int(x)
		canvas[off] = byte(color)
		if _, ok := fromStream[off]; ok {
			historySeq[off] = uint64(pseq)
		}
		pixels++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("postgresql: %w", err)
	}
	for off, p := range fromStream {
		if p.seq > historySeq[off] {
			canvas[off] = p.color
		}
	}
	return canvas, pixels, nil
}

// bannedArgs returns the SADD arguments for the banned set: its key, then
// the id of every banned user.
func (s *db) bannedArgs(ctx context.Context, tx pgx.Tx) ([]any, error) {
	banned := []any{s.keys.banned}
	rows, err := tx.Query(ctx, "SELECT id, false FROM users WHERE banned UNION ALL "+bannedDevicesQuery)
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	for rows.Next() {
		var id string
		var device bool
		if err := rows.Scan(&id, &device); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgresql: %w", err)
		}
		if device {
			id = place.DeviceKey(id)
		}
		banned = append(banned, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	return banned, nil
}

// writeRestored writes everything at once: placements refuse to run until
// the canvas exists, and from then on see the right seq and bans.
func (s *db) writeRestored(ctx context.Context, canvas []byte, sz place.Size, seq uint64, epoch int64, banned []any) error {
	wconn, err := s.pool.GetContext(ctx)
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	defer wconn.Close()
	_ = wconn.Send("MULTI")
	_ = wconn.Send("DEL", s.keys.banned)
	if len(banned) > 1 {
		_ = wconn.Send("SADD", banned...)
	}
	_ = wconn.Send("SET", s.keys.seq, seq)
	_ = wconn.Send("HSET", s.keys.meta, "width", sz.Width, "height", sz.Height, "epoch", epoch)
	_ = wconn.Send("SET", s.keys.canvas, canvas)
	if _, err := redis.DoWithTimeout(wconn, 30*time.Second, "EXEC"); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}
