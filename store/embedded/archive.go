package embedded

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/placecanvas/place"
)

// rangeBatch is how many placements a range read hands over at a time.
const rangeBatch = 4096

// HistorySpan implements place.Archive. History is committed before the
// committed canvas moves on, so everything up to committedSeq is stored.
func (s *Archive) HistorySpan(ctx context.Context) (place.HistorySpan, error) {
	s.db.cmu.RLock()
	last := s.db.committedSeq
	s.db.cmu.RUnlock()
	if last == 0 {
		return place.HistorySpan{}, place.Errorf(place.ENOTFOUND, "Nothing has been placed yet.")
	}
	var span place.HistorySpan
	var first, lastAt, firstAt int64
	err := s.db.rdb.QueryRowContext(ctx, `SELECT seq, placed_at FROM placements ORDER BY seq LIMIT 1`).Scan(&first, &firstAt)
	if err == nil {
		err = s.db.rdb.QueryRowContext(ctx, `SELECT placed_at FROM placements WHERE seq <= ? ORDER BY seq DESC LIMIT 1`, int64(last)).Scan(&lastAt)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return span, place.Errorf(place.ENOTFOUND, "Nothing has been placed yet.")
	}
	if err != nil {
		return span, fmt.Errorf("history span: %w", err)
	}
	span.FirstSeq, span.LastSeq = uint64(first), last
	span.FirstAt, span.LastAt = time.UnixMilli(firstAt).UTC(), time.UnixMilli(lastAt).UTC()
	return span, nil
}

// SeqAt implements place.Archive.
func (s *Archive) SeqAt(ctx context.Context, t time.Time) (uint64, error) {
	s.db.cmu.RLock()
	last := s.db.committedSeq
	s.db.cmu.RUnlock()
	var seq int64
	err := s.db.rdb.QueryRowContext(ctx, `SELECT seq FROM placements INDEXED BY placements_time
		WHERE placed_at <= ? AND seq <= ? ORDER BY placed_at DESC, seq DESC LIMIT 1`, t.UnixMilli(), int64(last)).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("seq at time: %w", err)
	}
	return uint64(seq), nil
}

// PlacementRange implements place.Archive.
func (s *Archive) PlacementRange(ctx context.Context, after, upto uint64, fn func([]place.Placement) error) error {
	return s.eachRange(ctx, `SELECT seq, x, y, color, user_id, placed_at, rollback FROM placements WHERE seq > ? AND seq <= ? ORDER BY seq`,
		after, upto, scanPlacement, fn)
}

// PixelRange implements place.Archive.
func (s *Archive) PixelRange(ctx context.Context, after, upto uint64, fn func([]place.Placement) error) error {
	scan := func(r scanner) (place.Placement, error) {
		var p place.Placement
		err := r.Scan(&p.Seq, &p.X, &p.Y, &p.Color)
		return p, err
	}
	return s.eachRange(ctx, `SELECT seq, x, y, color FROM placements WHERE seq > ? AND seq <= ? ORDER BY seq`, after, upto, scan, fn)
}

func (s *Archive) eachRange(ctx context.Context, query string, after, upto uint64, scan func(scanner) (place.Placement, error), fn func([]place.Placement) error) error {
	if upto <= after {
		return nil
	}
	rows, err := s.db.rdb.QueryContext(ctx, query, int64(after), int64(min(upto, 1<<63-1)))
	if err != nil {
		return fmt.Errorf("read history range: %w", err)
	}
	defer rows.Close()
	batch := make([]place.Placement, 0, rangeBatch)
	for rows.Next() {
		p, err := scan(rows)
		if err != nil {
			return err
		}
		if batch = append(batch, p); len(batch) == rangeBatch {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read history range: %w", err)
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// KeyframeAtOrBefore implements place.Archive.
func (s *Archive) KeyframeAtOrBefore(ctx context.Context, seq uint64) (place.Keyframe, bool, error) {
	var kf place.Keyframe
	err := s.db.rdb.QueryRowContext(ctx, `SELECT seq, width, height, data FROM keyframes WHERE seq <= ? ORDER BY seq DESC LIMIT 1`,
		int64(min(seq, 1<<63-1))).Scan(&kf.Seq, &kf.Width, &kf.Height, &kf.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return kf, false, nil
	}
	if err != nil {
		return kf, false, fmt.Errorf("read keyframe: %w", err)
	}
	return kf, true, nil
}

// SaveKeyframe implements place.Archive.
func (s *Archive) SaveKeyframe(ctx context.Context, kf place.Keyframe) error {
	_, err := s.db.wdb.ExecContext(ctx, `INSERT OR IGNORE INTO keyframes (seq, width, height, data) VALUES (?, ?, ?, ?)`,
		int64(kf.Seq), kf.Width, kf.Height, kf.Data)
	if err != nil {
		return fmt.Errorf("save keyframe: %w", err)
	}
	return nil
}

// LockKeyframes implements place.Archive: one process owns the database,
// and it runs one keyframer.
func (s *Archive) LockKeyframes(context.Context) (func(), bool, error) {
	return func() {}, true, nil
}

// ExportSalt implements place.Archive.
func (s *Archive) ExportSalt(ctx context.Context) ([]byte, error) {
	return exportSalt(ctx, s.db.wdb)
}

func exportSalt(ctx context.Context, db *sql.DB) ([]byte, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO meta (key, value) VALUES ('export_salt', ?)`, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("store export salt: %w", err)
	}
	var v string
	if err := db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'export_salt'`).Scan(&v); err != nil {
		return nil, fmt.Errorf("read export salt: %w", err)
	}
	return hex.DecodeString(v)
}
