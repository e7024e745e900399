package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/placecanvas/place/store/cluster"
	"github.com/placecanvas/place/store/embedded"
)

// history generates the seeded placements: uniformly random pixels and
// colors (the worst case for keyframe compression), users drawn from a
// pool, one placement every step from start, a rollback row now and then.
type history struct {
	n             int
	width, height int
	users         int
	start         time.Time
	step          time.Duration
	rng           *rand.Rand
}

type row struct {
	seq      int64
	x, y     int
	color    int
	user     string
	at       time.Time
	rollback bool
}

func (h *history) row(i int) row {
	return row{
		seq: int64(i + 1), x: h.rng.IntN(h.width), y: h.rng.IntN(h.height), color: h.rng.IntN(16),
		user: fmt.Sprintf("u%06d", h.rng.IntN(h.users)), at: h.start.Add(time.Duration(i) * h.step),
		rollback: i%1000 == 999,
	}
}

// The secondary indexes of the placements table, dropped while seeding and
// built again afterwards (faster than keeping them up to date row by row).
var sqliteIndexes = []string{
	`CREATE INDEX placements_pixel ON placements (x, y, seq DESC)`,
	`CREATE INDEX placements_user ON placements (user_id, seq DESC)`,
	`CREATE INDEX placements_time ON placements (placed_at)`,
}

var postgresIndexes = []string{
	`CREATE INDEX placements_pixel ON placements (x, y, seq DESC)`,
	`CREATE INDEX placements_user ON placements (user_id, seq DESC)`,
	`CREATE INDEX placements_time ON placements (placed_at, seq)`,
}

func indexName(create string) string { return strings.Fields(create)[2] }

// seedSQLite writes the history straight into a new embedded database.
func seedSQLite(ctx context.Context, dir string, h *history) error {
	if err := embedded.MigrateDir(ctx, dir); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "place.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, ix := range sqliteIndexes {
		if _, err := db.ExecContext(ctx, `DROP INDEX IF EXISTS `+indexName(ix)); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES ('width', ?), ('height', ?)`, h.width, h.height); err != nil {
		return err
	}
	const perStmt = 100
	stmt, err := db.PrepareContext(ctx, `INSERT INTO placements (seq, x, y, color, user_id, placed_at, rollback) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?),", perStmt), ","))
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, 0, perStmt*7)
	for i := 0; i < h.n; {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		st := tx.StmtContext(ctx, stmt)
		for end := min(h.n, i+200_000); i+perStmt <= end; i += perStmt {
			args = args[:0]
			for j := range perStmt {
				r := h.row(i + j)
				args = append(args, r.seq, r.x, r.y, r.color, r.user, r.at.UnixMilli(), r.rollback)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		progress(i, h.n)
	}
	for _, ix := range sqliteIndexes {
		if _, err := db.ExecContext(ctx, ix); err != nil {
			return err
		}
	}
	// Statistics, as PostgreSQL gets from VACUUM ANALYZE: without them
	// SQLite reads start-up's recent-cooldown query through the user index,
	// a scan of the whole history.
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// seedPostgres copies the history into a new cluster database.
func seedPostgres(ctx context.Context, url string, h *history) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := cluster.Migrate(ctx, pool); err != nil {
		return err
	}
	for _, ix := range postgresIndexes {
		if _, err := pool.Exec(ctx, `DROP INDEX IF EXISTS `+indexName(ix)); err != nil {
			return err
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('width', $1), ('height', $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, fmt.Sprint(h.width), fmt.Sprint(h.height)); err != nil {
		return err
	}
	const chunk = 1_000_000
	for i := 0; i < h.n; i += chunk {
		end := min(h.n, i+chunk)
		next := i
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if next >= end {
				return nil, nil
			}
			r := h.row(next)
			next++
			return []any{r.seq, int32(r.x), int32(r.y), int16(r.color), r.user, r.at, r.rollback}, nil
		})
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"placements"}, []string{"seq", "x", "y", "color", "user_id", "placed_at", "rollback"}, src); err != nil {
			return err
		}
		progress(end, h.n)
	}
	for _, ix := range postgresIndexes {
		if _, err := pool.Exec(ctx, ix); err != nil {
			return err
		}
	}
	_, err = pool.Exec(ctx, `VACUUM ANALYZE placements`)
	return err
}
