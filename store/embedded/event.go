package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/placecanvas/place"
)

// InitSettings implements place.Events.
func (s *Events) InitSettings(ctx context.Context, initial place.Settings) (place.Settings, error) {
	initial.Version = 1
	b, err := json.Marshal(initial)
	if err != nil {
		return place.Settings{}, err
	}
	if _, err := s.db.wdb.ExecContext(ctx, `INSERT INTO event_settings (id, version, data) VALUES (1, 1, ?) ON CONFLICT (id) DO NOTHING`, string(b)); err != nil {
		return place.Settings{}, fmt.Errorf("store settings: %w", err)
	}
	return s.db.loadSettings(ctx, s.db.rdb)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *db) loadSettings(ctx context.Context, q queryer) (place.Settings, error) {
	var data string
	var version int64
	if err := q.QueryRowContext(ctx, `SELECT version, data FROM event_settings WHERE id = 1`).Scan(&version, &data); err != nil {
		return place.Settings{}, fmt.Errorf("read settings: %w", err)
	}
	var st place.Settings
	if err := json.Unmarshal([]byte(data), &st); err != nil {
		return place.Settings{}, fmt.Errorf("read settings: %w", err)
	}
	st.Version = version
	return st, nil
}

// LoadEvent implements place.Events.
func (s *Events) LoadEvent(ctx context.Context) (place.Event, error) {
	st, err := s.db.loadSettings(ctx, s.db.rdb)
	if err != nil {
		return place.Event{}, err
	}
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT id, name, x, y, w, h, created_by, created_at FROM protected_areas ORDER BY id`)
	if err != nil {
		return place.Event{}, fmt.Errorf("read areas: %w", err)
	}
	defer rows.Close()
	ev := place.Event{Settings: st}
	for rows.Next() {
		var a place.Area
		var at int64
		if err := rows.Scan(&a.ID, &a.Name, &a.Rect.X, &a.Rect.Y, &a.Rect.W, &a.Rect.H, &a.CreatedBy, &at); err != nil {
			return place.Event{}, err
		}
		a.CreatedAt = time.UnixMilli(at).UTC()
		ev.Areas = append(ev.Areas, a)
	}
	return ev, rows.Err()
}

// UpdateSettings implements place.Events in one transaction of the single
// writer connection.
func (s *Events) UpdateSettings(ctx context.Context, fn func(place.Settings) (place.Settings, error)) (old, updated place.Settings, err error) {
	tx, err := s.db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return old, updated, fmt.Errorf("update settings: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if old, err = s.db.loadSettings(ctx, tx); err != nil {
		return old, updated, err
	}
	if updated, err = fn(old); err != nil {
		return old, updated, err
	}
	updated.Version = old.Version + 1
	b, err := json.Marshal(updated)
	if err != nil {
		return old, updated, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE event_settings SET version = ?, data = ? WHERE id = 1`, updated.Version, string(b)); err != nil {
		return old, updated, fmt.Errorf("update settings: %w", err)
	}
	return old, updated, tx.Commit()
}

// AddArea implements place.Events; the overlap check and the insert share
// one transaction of the single writer, so two admins cannot both win.
func (s *Events) AddArea(ctx context.Context, a place.Area) (place.Area, error) {
	tx, err := s.db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return a, fmt.Errorf("add area: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var other place.Area
	r := a.Rect
	err = tx.QueryRowContext(ctx, `SELECT id, name FROM protected_areas WHERE x < ? AND ? < x + w AND y < ? AND ? < y + h LIMIT 1`,
		r.X+r.W, r.X, r.Y+r.H, r.Y).Scan(&other.ID, &other.Name)
	if err == nil {
		return a, place.Errorf(place.EVALIDATION, "The rectangle overlaps the protected area %q.", other.Name)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("add area: %w", err)
	}
	a.CreatedAt = a.CreatedAt.UTC().Truncate(time.Millisecond)
	res, err := tx.ExecContext(ctx, `INSERT INTO protected_areas (name, x, y, w, h, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.Name, r.X, r.Y, r.W, r.H, a.CreatedBy, a.CreatedAt.UnixMilli())
	if err != nil {
		return a, fmt.Errorf("add area: %w", err)
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return a, err
	}
	return a, tx.Commit()
}

// DeleteArea implements place.Events.
func (s *Events) DeleteArea(ctx context.Context, id int64) (place.Area, error) {
	var a place.Area
	err := s.db.wdb.QueryRowContext(ctx, `DELETE FROM protected_areas WHERE id = ? RETURNING id, name, x, y, w, h`, id).
		Scan(&a.ID, &a.Name, &a.Rect.X, &a.Rect.Y, &a.Rect.W, &a.Rect.H)
	if errors.Is(err, sql.ErrNoRows) {
		return a, place.Errorf(place.ENOTFOUND, "No such protected area.")
	}
	if err != nil {
		return a, fmt.Errorf("delete area: %w", err)
	}
	return a, nil
}

// PublishEventChange implements place.Events as a notice: in one process
// the change is already applied by the caller, so subscribers are only told.
func (s *Events) PublishEventChange(ctx context.Context) error {
	return s.db.publishNotice(ctx, place.Notice{Kind: place.NoticeEvent})
}

const templateColumns = `id, name, x, y, width, height, created_by, created_at`

func scanTemplate(r scanner, extra ...any) (place.Template, error) {
	var t place.Template
	var at int64
	dest := append([]any{&t.ID, &t.Name, &t.X, &t.Y, &t.Width, &t.Height, &t.CreatedBy, &at}, extra...)
	if err := r.Scan(dest...); err != nil {
		return t, err
	}
	t.CreatedAt = time.UnixMilli(at).UTC()
	return t, nil
}

// AddTemplate implements place.Events.
func (s *Events) AddTemplate(ctx context.Context, t place.Template) (place.Template, error) {
	t.CreatedAt = t.CreatedAt.UTC().Truncate(time.Millisecond)
	res, err := s.db.wdb.ExecContext(ctx, `INSERT INTO templates (name, x, y, width, height, png, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Name, t.X, t.Y, t.Width, t.Height, t.PNG, t.CreatedBy, t.CreatedAt.UnixMilli())
	if err != nil {
		return t, fmt.Errorf("add template: %w", err)
	}
	t.ID, err = res.LastInsertId()
	return t, err
}

// Templates implements place.Events.
func (s *Events) Templates(ctx context.Context) ([]place.Template, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT `+templateColumns+` FROM templates ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	var out []place.Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Template implements place.Events.
func (s *Events) Template(ctx context.Context, id int64) (place.Template, error) {
	var png []byte
	t, err := scanTemplate(s.db.rdb.QueryRowContext(ctx, `SELECT `+templateColumns+`, png FROM templates WHERE id = ?`, id), &png)
	if errors.Is(err, sql.ErrNoRows) {
		return t, place.Errorf(place.ENOTFOUND, "No such template.")
	}
	t.PNG = png
	return t, err
}

// DeleteTemplate implements place.Events.
func (s *Events) DeleteTemplate(ctx context.Context, id int64) (place.Template, error) {
	t, err := scanTemplate(s.db.wdb.QueryRowContext(ctx, `DELETE FROM templates WHERE id = ? RETURNING `+templateColumns, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, place.Errorf(place.ENOTFOUND, "No such template.")
	}
	return t, err
}

// SaveFinalImage implements place.Events.
func (s *Events) SaveFinalImage(ctx context.Context, at time.Time, png []byte) error {
	_, err := s.db.wdb.ExecContext(ctx, `INSERT INTO final_images (closed_at, png) VALUES (?, ?) ON CONFLICT (closed_at) DO NOTHING`, at.UnixMilli(), png)
	return err
}

// FinalImage implements place.Events.
func (s *Events) FinalImage(ctx context.Context) (time.Time, []byte, error) {
	var at int64
	var png []byte
	err := s.db.rdb.QueryRowContext(ctx, `SELECT closed_at, png FROM final_images ORDER BY closed_at DESC LIMIT 1`).Scan(&at, &png)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil, place.Errorf(place.ENOTFOUND, "The canvas has not closed yet.")
	}
	return time.UnixMilli(at).UTC(), png, err
}

// AreaRollbackPlan implements place.Events. History is committed before a
// placement is acknowledged, so it is never behind what the canvas shows.
func (s *Events) AreaRollbackPlan(ctx context.Context, r place.Rect, since time.Time, userID string) ([]place.Pixel, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `
WITH latest AS (
    SELECT x, y, MAX(seq) AS seq FROM placements
    WHERE x >= ?1 AND x < ?2 AND y >= ?3 AND y < ?4
    GROUP BY x, y
)
SELECT l.x, l.y, COALESCE((
    SELECT q.color FROM placements q
    WHERE q.x = l.x AND q.y = l.y AND NOT (`+undoneSQL("q")+`)
    ORDER BY q.seq DESC LIMIT 1), 0)
FROM latest l JOIN placements p ON p.seq = l.seq
WHERE `+undoneSQL("p")+`
ORDER BY l.y, l.x`, r.X, r.X+r.W, r.Y, r.Y+r.H, since.UnixMilli(), userID)
	if err != nil {
		return nil, fmt.Errorf("plan area rollback: %w", err)
	}
	return scanPixels(rows)
}

// undoneSQL is the condition on the placements (of table alias a) that an
// area rollback takes back: since T (?5), by the user ?6 when one is named,
// not written by a rollback. The rectangle is checked by the caller.
func undoneSQL(a string) string {
	return fmt.Sprintf(`%[1]s.placed_at >= ?5 AND %[1]s.rollback = 0 AND (?6 = '' OR %[1]s.user_id = ?6)`, a)
}

// cooldown is the cooldown of a placement made now.
func (s *db) cooldown() time.Duration {
	if s.opts.Cooldown != nil {
		return s.opts.Cooldown()
	}
	return s.cfg.Cooldown
}

// restoredCooldown is the cooldown that placements made before a restart
// were given: the stored live setting, or the configured one.
func (s *db) restoredCooldown(ctx context.Context) time.Duration {
	if st, err := s.loadSettings(ctx, s.rdb); err == nil {
		return st.Cooldown
	}
	return s.cfg.Cooldown
}

// ReportOnline implements place.Events: one process sees every player.
func (s *Events) ReportOnline(_ context.Context, n int) (int, error) { return n, nil }
