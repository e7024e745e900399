package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/placecanvas/place"
)

// loadSize reads the stored canvas size, which wins over the configured one
// (the configuration gives only the first size: the canvas grows at run
// time and never shrinks), and records the configured size in an empty
// database.
func (s *db) loadSize(ctx context.Context) error {
	var nw, nh sql.NullString
	if err := s.wdb.QueryRowContext(ctx, `SELECT (SELECT value FROM meta WHERE key='width'), (SELECT value FROM meta WHERE key='height')`).Scan(&nw, &nh); err != nil {
		return fmt.Errorf("read canvas size: %w", err)
	}
	if !nw.Valid && !nh.Valid {
		if s.opts.AnySize {
			return nil
		}
		if _, err := s.wdb.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('width', ?), ('height', ?)`, strconv.Itoa(s.cfg.Width), strconv.Itoa(s.cfg.Height)); err != nil {
			return fmt.Errorf("store canvas size: %w", err)
		}
		return nil
	}
	w, errW := strconv.Atoi(nw.String)
	h, errH := strconv.Atoi(nh.String)
	stored := place.Size{Width: w, Height: h}
	if errW != nil || errH != nil || s.cfg.WithSize(stored).Validate() != nil {
		return fmt.Errorf("the stored canvas size %qx%q is not usable", nw.String, nh.String)
	}
	if stored != s.cfg.Size() && !s.opts.AnySize {
		s.log.Info("the stored canvas size wins over --width/--height (they give only the first size)",
			"stored", fmt.Sprintf("%dx%d", w, h), "flags", fmt.Sprintf("%dx%d", s.cfg.Width, s.cfg.Height))
	}
	s.cfg = s.cfg.WithSize(stored)
	return nil
}

// CanvasSize implements place.Sizes.
func (s *Sizes) CanvasSize(context.Context) (place.Size, error) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	return s.db.cfg.Size(), nil
}

// Grow implements place.Sizes. Under the placement lock, it records the new
// size and the growth (at the last seq taken, committed or not) in SQLite,
// then grows the live canvas: every placement with a later seq is applied
// to the grown canvas, and none can land off it.
func (s *Sizes) Grow(ctx context.Context, to place.Size, now time.Time, by place.AuditEntry) (place.Growth, error) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if s.db.isClosed() {
		return place.Growth{}, place.ErrUnavailable
	}
	from := s.db.cfg.Size()
	if err := place.CheckGrowth(from, to); err != nil {
		return place.Growth{}, err
	}
	g := place.Growth{Seq: s.db.seq, At: now, From: from, To: to}
	if err := s.db.recordGrowth(ctx, g, by); err != nil {
		s.db.log.Error("recording a canvas growth failed", "err", err)
		return place.Growth{}, place.ErrUnavailable
	}
	s.db.cfg.Width, s.db.cfg.Height = to.Width, to.Height // fields of their own: Cooldown is read without mu
	s.db.live.Grow(to)
	return g, nil
}

// recordGrowth stores the new size, the growth and its audit entry in one
// transaction.
func (s *db) recordGrowth(ctx context.Context, g place.Growth, by place.AuditEntry) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES ('width', ?), ('height', ?)`,
		strconv.Itoa(g.To.Width), strconv.Itoa(g.To.Height)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO canvas_growths (seq, at, from_width, from_height, width, height) VALUES (?, ?, ?, ?, ?, ?)`,
		int64(g.Seq), g.At.UnixMilli(), g.From.Width, g.From.Height, g.To.Width, g.To.Height); err != nil {
		return err
	}
	if by.Action != "" {
		if by.At.IsZero() {
			by.At = g.At
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, action, target_id, target_name, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			by.At.UnixMilli(), by.ActorID, by.ActorName, by.Action, by.TargetID, by.TargetName, g.AuditDetail()); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Growths implements place.Sizes.
func (s *Sizes) Growths(ctx context.Context) ([]place.Growth, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT seq, at, from_width, from_height, width, height FROM canvas_growths ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read canvas growths: %w", err)
	}
	defer rows.Close()
	var out []place.Growth
	for rows.Next() {
		var g place.Growth
		var at int64
		if err := rows.Scan(&g.Seq, &at, &g.From.Width, &g.From.Height, &g.To.Width, &g.To.Height); err != nil {
			return nil, err
		}
		g.At = time.UnixMilli(at)
		out = append(out, g)
	}
	return out, rows.Err()
}
