package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// keyframeLockKey is the pg_advisory_lock key held by the one instance that
// builds keyframes ("kframe" in ASCII).
const keyframeLockKey = 0x6b6672616d65

// rangeBatch is how many placements a range read hands over at a time.
const rangeBatch = 4096

// historyHorizon returns the highest seq up to which every placement is in
// PostgreSQL: one below the lowest placement still pending with a writer or
// not yet read from the stream, or the current seq when there is none.
func (s *db) historyHorizon(ctx context.Context) (uint64, error) {
	var h uint64
	err := s.do(ctx, func(c redis.Conn) error {
		seq, g, err := s.seqAndGroup(c)
		if err != nil {
			return err
		}
		h = seq
		if g.pending > 0 {
			h = min(h, g.minPending-1)
		}
		// Entries after the last delivered one are kept in the stream until
		// written, whatever happens meanwhile, so this read cannot miss one.
		reply, err := c.Do("XRANGE", s.keys.stream, "("+streamID(g.lastDelivered), "+", "COUNT", 1)
		if err != nil {
			return err
		}
		ps, err := parseEntries(reply)
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			h = min(h, ps[0].Seq-1)
		}
		return nil
	})
	return h, err
}

// HistorySpan implements place.Archive.
func (s *Archive) HistorySpan(ctx context.Context) (place.HistorySpan, error) {
	var span place.HistorySpan
	horizon, err := s.db.historyHorizon(ctx)
	if err != nil {
		return span, err
	}
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var first, last int64
	err = s.db.pg.QueryRow(ctx, `SELECT seq, placed_at FROM placements ORDER BY seq LIMIT 1`).Scan(&first, &span.FirstAt)
	if err == nil {
		err = s.db.pg.QueryRow(ctx, `SELECT seq, placed_at FROM placements WHERE seq <= $1 ORDER BY seq DESC LIMIT 1`, int64(horizon)).Scan(&last, &span.LastAt)
	}
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && uint64(first) > horizon) {
		return place.HistorySpan{}, place.Errorf(place.ENOTFOUND, "Nothing has been placed yet.")
	}
	if err != nil {
		return span, pgError(err)
	}
	span.FirstSeq, span.LastSeq = uint64(first), uint64(last)
	span.FirstAt, span.LastAt = span.FirstAt.UTC(), span.LastAt.UTC()
	return span, nil
}

// SeqAt implements place.Archive.
func (s *Archive) SeqAt(ctx context.Context, t time.Time) (uint64, error) {
	horizon, err := s.db.historyHorizon(ctx)
	if err != nil {
		return 0, err
	}
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var seq int64
	err = s.db.pg.QueryRow(ctx, `SELECT seq FROM placements WHERE placed_at <= $1 AND seq <= $2
		ORDER BY placed_at DESC, seq DESC LIMIT 1`, t, int64(horizon)).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, pgError(err)
	}
	return uint64(seq), nil
}

// PlacementRange implements place.Archive. It runs under the caller's
// context only: a range may be the whole history.
func (s *Archive) PlacementRange(ctx context.Context, after, upto uint64, fn func([]place.Placement) error) error {
	return s.eachRange(ctx, `SELECT seq, x, y, color, user_id, placed_at, rollback FROM placements
		WHERE seq > $1 AND seq <= $2 ORDER BY seq`, after, upto, scanPlacement, fn)
}

// PixelRange implements place.Archive.
func (s *Archive) PixelRange(ctx context.Context, after, upto uint64, fn func([]place.Placement) error) error {
	scan := func(rows pgx.Rows) (place.Placement, error) {
		var p place.Placement
		var seq int64
		var x, y int32
		var color int16
		err := rows.Scan(&seq, &x, &y, &color)
		p.Seq, p.X, p.Y, p.Color = uint64(seq), int(x), int(y), uint8(color)
		return p, err
	}
	return s.eachRange(ctx, `SELECT seq, x, y, color FROM placements WHERE seq > $1 AND seq <= $2 ORDER BY seq`, after, upto, scan, fn)
}

func (s *Archive) eachRange(ctx context.Context, query string, after, upto uint64, scan func(pgx.Rows) (place.Placement, error), fn func([]place.Placement) error) error {
	if upto <= after {
		return nil
	}
	rows, err := s.db.pg.Query(ctx, query, int64(after), int64(min(upto, 1<<63-1)))
	if err != nil {
		return pgError(err)
	}
	defer rows.Close()
	batch := make([]place.Placement, 0, rangeBatch)
	for rows.Next() {
		p, err := scan(rows)
		if err != nil {
			return pgError(err)
		}
		if batch = append(batch, p); len(batch) == rangeBatch {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return pgError(err)
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// KeyframeAtOrBefore implements place.Archive.
func (s *Archive) KeyframeAtOrBefore(ctx context.Context, seq uint64) (place.Keyframe, bool, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var kf place.Keyframe
	var kseq int64
	var w, h int32
	err := s.db.pg.QueryRow(ctx, `SELECT seq, width, height, data FROM keyframes WHERE seq <= $1 ORDER BY seq DESC LIMIT 1`,
		int64(min(seq, 1<<63-1))).Scan(&kseq, &w, &h, &kf.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return kf, false, nil
	}
	if err != nil {
		return kf, false, pgError(err)
	}
	kf.Seq, kf.Width, kf.Height = uint64(kseq), int(w), int(h)
	return kf, true, nil
}

// SaveKeyframe implements place.Archive.
func (s *Archive) SaveKeyframe(ctx context.Context, kf place.Keyframe) error {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	_, err := s.db.pg.Exec(ctx, `INSERT INTO keyframes (seq, width, height, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (seq) DO NOTHING`, int64(kf.Seq), int32(kf.Width), int32(kf.Height), kf.Data)
	return pgError(err)
}

// LockKeyframes implements place.Archive with a session advisory lock held
// on one pooled connection until unlock.
func (s *Archive) LockKeyframes(ctx context.Context) (func(), bool, error) {
	conn, err := s.db.pg.Acquire(ctx)
	if err != nil {
		return nil, false, pgError(err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(keyframeLockKey)).Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, pgError(err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), pgCallTimeout)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(keyframeLockKey)); err != nil {
			// The lock ends with the session: close this connection.
			_ = conn.Conn().Close(ctx)
		}
		conn.Release()
	}, true, nil
}

// ExportSalt implements place.Archive.
func (s *Archive) ExportSalt(ctx context.Context) ([]byte, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	if _, err := s.db.pg.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('export_salt', $1) ON CONFLICT (key) DO NOTHING`,
		hex.EncodeToString(fresh)); err != nil {
		return nil, pgError(err)
	}
	var v string
	if err := s.db.pg.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'export_salt'`).Scan(&v); err != nil {
		return nil, pgError(err)
	}
	b, err := hex.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("export salt: %w", err)
	}
	return b, nil
}
