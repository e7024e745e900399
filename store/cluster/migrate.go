package cluster

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/placecanvas/place/migrations"
)

// migrationLockKey is the pg_advisory_lock key that serializes migrations
// between instances starting at the same time ("place" in ASCII).
const migrationLockKey = 0x706c616365

// Migrate applies the embedded PostgreSQL migrations that have not been
// applied yet, each in its own transaction, in file-name order. Concurrent
// callers (instances starting together) wait for each other on an advisory
// lock, so each file runs once.
func Migrate(ctx context.Context, db *pgxpool.Pool) error {
	files, err := fs.Glob(migrations.Postgres, "postgres/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)

	conn, err := db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockKey)); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// A failed unlock (connection gone) releases the session lock anyway.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLockKey))
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    text        PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied := map[string]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	for _, file := range files {
		version := strings.TrimSuffix(file[strings.LastIndex(file, "/")+1:], ".sql")
		if applied[version] {
			continue
		}
		sql, err := fs.ReadFile(migrations.Postgres, file)
		if err != nil {
			return err
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		// Exec without arguments uses the simple protocol, which runs a file
		// of several statements in one round trip.
		if _, err := tx.Exec(ctx, string(sql)); err != nil {
			_ = tx.Rollback(ctx)
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", version); err != nil {
			_ = tx.Rollback(ctx)
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
	}
	return nil
}
