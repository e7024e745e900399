package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// The live state of an event is kept in PostgreSQL (it must survive a
// Redis restart) and every change is announced as a notice, on which each
// instance loads it again.

// InitSettings implements place.Events.
func (s *Events) InitSettings(ctx context.Context, initial place.Settings) (place.Settings, error) {
	initial.Version = 1
	b, err := json.Marshal(initial)
	if err != nil {
		return place.Settings{}, err
	}
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	if _, err := s.db.pg.Exec(ctx, `INSERT INTO event_settings (id, version, data) VALUES (1, 1, $1) ON CONFLICT (id) DO NOTHING`, b); err != nil {
		return place.Settings{}, pgError(err)
	}
	return loadSettings(ctx, s.db.pg.QueryRow(ctx, `SELECT version, data FROM event_settings WHERE id = 1`))
}

func loadSettings(_ context.Context, row pgx.Row) (place.Settings, error) {
	var data []byte
	var version int64
	if err := row.Scan(&version, &data); err != nil {
		return place.Settings{}, pgError(err)
	}
	var st place.Settings
	if err := json.Unmarshal(data, &st); err != nil {
		return place.Settings{}, fmt.Errorf("read settings: %w", err)
	}
	st.Version = version
	return st, nil
}

// LoadEvent implements place.Events.
func (s *Events) LoadEvent(ctx context.Context) (place.Event, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	st, err := loadSettings(ctx, s.db.pg.QueryRow(ctx, `SELECT version, data FROM event_settings WHERE id = 1`))
	if err != nil {
		return place.Event{}, err
	}
	rows, err := s.db.pg.Query(ctx, `SELECT id, name, x, y, w, h, created_by, created_at FROM protected_areas ORDER BY id`)
	if err != nil {
		return place.Event{}, pgError(err)
	}
	defer rows.Close()
	ev := place.Event{Settings: st}
	for rows.Next() {
		var a place.Area
		var x, y, w, h int32
		if err := rows.Scan(&a.ID, &a.Name, &x, &y, &w, &h, &a.CreatedBy, &a.CreatedAt); err != nil {
			return place.Event{}, pgError(err)
		}
		a.Rect = place.Rect{X: int(x), Y: int(y), W: int(w), H: int(h)}
		a.CreatedAt = a.CreatedAt.UTC()
		ev.Areas = append(ev.Areas, a)
	}
	return ev, pgError(rows.Err())
}

// UpdateSettings implements place.Events; the row lock serializes admins
// changing settings on different instances.
func (s *Events) UpdateSettings(ctx context.Context, fn func(place.Settings) (place.Settings, error)) (old, updated place.Settings, err error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	var refused error // fn's own error, returned as it is
	err = pgx.BeginFunc(ctx, s.db.pg, func(tx pgx.Tx) error {
		var err error
		if old, err = loadSettings(ctx, tx.QueryRow(ctx, `SELECT version, data FROM event_settings WHERE id = 1 FOR UPDATE`)); err != nil {
			return err
		}
		if updated, refused = fn(old); refused != nil {
			return refused
		}
		updated.Version = old.Version + 1
		b, err := json.Marshal(updated)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE event_settings SET version = $1, data = $2 WHERE id = 1`, updated.Version, b)
		return err
	})
	if refused != nil {
		return old, updated, refused
	}
	return old, updated, pgError(err)
}

// AddArea implements place.Events; the table lock makes the overlap check
// and the insert one step for every instance.
func (s *Events) AddArea(ctx context.Context, a place.Area) (place.Area, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	r := a.Rect
	err := pgx.BeginFunc(ctx, s.db.pg, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE protected_areas IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM protected_areas WHERE x < $1 AND $2 < x + w AND y < $3 AND $4 < y + h LIMIT 1`,
			r.X+r.W, r.X, r.Y+r.H, r.Y).Scan(&name)
		if err == nil {
			return place.Errorf(place.EVALIDATION, "The rectangle overlaps the protected area %q.", name)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO protected_areas (name, x, y, w, h, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			a.Name, r.X, r.Y, r.W, r.H, a.CreatedBy, a.CreatedAt).Scan(&a.ID)
	})
	return a, pgError(err)
}

// DeleteArea implements place.Events.
func (s *Events) DeleteArea(ctx context.Context, id int64) (place.Area, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	var a place.Area
	var x, y, w, h int32
	err := s.db.pg.QueryRow(ctx, `DELETE FROM protected_areas WHERE id = $1 RETURNING id, name, x, y, w, h`, id).Scan(&a.ID, &a.Name, &x, &y, &w, &h)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, place.Errorf(place.ENOTFOUND, "No such protected area.")
	}
	a.Rect = place.Rect{X: int(x), Y: int(y), W: int(w), H: int(h)}
	return a, pgError(err)
}

// PublishEventChange implements place.Events with a notice on the stream
// every instance reads (notices.go): one published while an instance was
// disconnected reaches it when it is back.
func (s *Events) PublishEventChange(ctx context.Context) error {
	return s.db.publishNotice(ctx, place.Notice{Kind: place.NoticeEvent})
}

const templateColumns = `id, name, x, y, width, height, created_by, created_at`

func scanTemplate(row pgx.Row, extra ...any) (place.Template, error) {
	var t place.Template
	var x, y, w, h int32
	dest := append([]any{&t.ID, &t.Name, &x, &y, &w, &h, &t.CreatedBy, &t.CreatedAt}, extra...)
	err := row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, place.Errorf(place.ENOTFOUND, "No such template.")
	}
	t.X, t.Y, t.Width, t.Height = int(x), int(y), int(w), int(h)
	t.CreatedAt = t.CreatedAt.UTC()
	return t, pgError(err)
}

// AddTemplate implements place.Events.
func (s *Events) AddTemplate(ctx context.Context, t place.Template) (place.Template, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	err := s.db.pg.QueryRow(ctx, `INSERT INTO templates (name, x, y, width, height, png, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		t.Name, t.X, t.Y, t.Width, t.Height, t.PNG, t.CreatedBy, t.CreatedAt).Scan(&t.ID)
	return t, pgError(err)
}

// Templates implements place.Events.
func (s *Events) Templates(ctx context.Context) ([]place.Template, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, `SELECT `+templateColumns+` FROM templates ORDER BY id`)
	if err != nil {
		return nil, pgError(err)
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
	return out, pgError(rows.Err())
}

// Template implements place.Events.
func (s *Events) Template(ctx context.Context, id int64) (place.Template, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var png []byte
	t, err := scanTemplate(s.db.pg.QueryRow(ctx, `SELECT `+templateColumns+`, png FROM templates WHERE id = $1`, id), &png)
	t.PNG = png
	return t, err
}

// DeleteTemplate implements place.Events.
func (s *Events) DeleteTemplate(ctx context.Context, id int64) (place.Template, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	return scanTemplate(s.db.pg.QueryRow(ctx, `DELETE FROM templates WHERE id = $1 RETURNING `+templateColumns, id))
}

// SaveFinalImage implements place.Events.
func (s *Events) SaveFinalImage(ctx context.Context, at time.Time, png []byte) error {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	_, err := s.db.pg.Exec(ctx, `INSERT INTO final_images (closed_at, png) VALUES ($1, $2) ON CONFLICT (closed_at) DO NOTHING`, at, png)
	return pgError(err)
}

// FinalImage implements place.Events.
func (s *Events) FinalImage(ctx context.Context) (time.Time, []byte, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var at time.Time
	var png []byte
	err := s.db.pg.QueryRow(ctx, `SELECT closed_at, png FROM final_images ORDER BY closed_at DESC LIMIT 1`).Scan(&at, &png)
	if errors.Is(err, pgx.ErrNoRows) {
		return at, nil, place.Errorf(place.ENOTFOUND, "The canvas has not closed yet.")
	}
	return at.UTC(), png, pgError(err)
}

// AreaRollbackPlan implements place.Events. Like RollbackPlan it first
// waits until history holds every placement made so far.
func (s *Events) AreaRollbackPlan(ctx context.Context, r place.Rect, since time.Time, userID string) ([]place.Pixel, error) {
	wctx, cancel := context.WithTimeout(ctx, rollbackHistoryWait)
	err := s.db.Flush(wctx)
	cancel()
	if err != nil {
		return nil, err
	}
	ctx, cancel = pgCtx(ctx, pgCallTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, `
		WITH latest AS (
			SELECT DISTINCT ON (x, y) x, y, placed_at, rollback, user_id FROM placements
			WHERE x >= $1 AND x < $2 AND y >= $3 AND y < $4
			ORDER BY x, y, seq DESC
		)
		SELECT l.x, l.y, COALESCE((
			SELECT p.color FROM placements p
			WHERE p.x = l.x AND p.y = l.y AND NOT (`+undoneCond("p")+`)
			ORDER BY p.seq DESC LIMIT 1), 0)
		FROM latest l
		WHERE `+undoneCond("l")+`
		ORDER BY l.y, l.x`, r.X, r.X+r.W, r.Y, r.Y+r.H, since, userID)
	if err != nil {
		return nil, pgError(err)
	}
	return scanPixels(rows)
}

// undoneCond is the condition on the placements (of table alias a) that an
// area rollback takes back: since T ($5), by the user $6 when one is named,
// not written by a rollback. The rectangle is checked by the caller.
func undoneCond(a string) string {
	return fmt.Sprintf(`%[1]s.placed_at >= $5 AND NOT %[1]s.rollback AND ($6 = '' OR %[1]s.user_id = $6)`, a)
}

// onlineTTL is how long an instance's report of its players online counts.
const onlineTTL = 15 * time.Second

func (k keys) online() string { return k.prefix + "online" }

// ReportOnline records that n players are online on this instance and
// returns the total over every instance that reported within onlineTTL;
// reports of instances gone for longer are removed.
func (s *Events) ReportOnline(ctx context.Context, n int) (int, error) {
	now := time.Now().UnixMilli()
	var all map[string]string
	err := s.db.do(ctx, func(c redis.Conn) error {
		_ = c.Send("MULTI")
		_ = c.Send("HSET", s.db.keys.online(), s.db.consumer, fmt.Sprintf("%d:%d", n, now))
		_ = c.Send("HGETALL", s.db.keys.online())
		vals, err := redis.Values(c.Do("EXEC"))
		if err != nil || len(vals) != 2 {
			return err
		}
		all, err = redis.StringMap(vals[1], nil)
		return err
	})
	if err != nil {
		return 0, err
	}
	total := 0
	var stale []any
	for field, v := range all {
		var count, at int64
		if _, err := fmt.Sscanf(v, "%d:%d", &count, &at); err != nil || now-at > onlineTTL.Milliseconds() {
			stale = append(stale, field)
			continue
		}
		total += int(count)
	}
	if len(stale) > 0 {
		_ = s.db.do(ctx, func(c redis.Conn) error {
			_, err := c.Do("HDEL", append([]any{s.db.keys.online()}, stale...)...)
			return err
		})
	}
	return total, nil
}

// cooldown is the cooldown of a placement made now.
func (s *db) cooldown() time.Duration {
	if s.cooldownF != nil {
		return s.cooldownF()
	}
	return s.cfg.Cooldown
}
