package cluster

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/placecanvas/place/migrations"
)

// migrationLockKey is the pg_advisory_lock key that serializes migrations
// between instances starting at the same time ("place" in ASCII).
const migrationLockKey = 0x706c616365

// Migrate applies the PostgreSQL migrations that have not been applied yet
// (see package migrations). Concurrent callers (instances starting
// together) wait for each other on an advisory lock, so each file runs once.
func Migrate(ctx context.Context, db *pgxpool.Pool) error {
	ms, err := migrations.Load(migrations.Postgres, "postgres")
	if err != nil {
		return err
	}
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
	return migrations.Run(ctx, pgMigrator{conn}, migrations.PostgresDialect, ms)
}

// pgMigrator adapts a pgx connection to the migration runner. Exec without
// arguments uses the simple protocol, which runs a file of several
// statements in one round trip.
type pgMigrator struct{ conn *pgxpool.Conn }

func (m pgMigrator) Exec(ctx context.Context, q string, args ...any) error {
	_, err := m.conn.Exec(ctx, q, args...)
	return err
}

func (m pgMigrator) Strings(ctx context.Context, q string) ([]string, error) {
	rows, err := m.conn.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (m pgMigrator) Begin(ctx context.Context) (migrations.Tx, error) {
	tx, err := m.conn.Begin(ctx)
	return pgTx{tx}, err
}

type pgTx struct{ tx pgx.Tx }

func (t pgTx) Exec(ctx context.Context, q string, args ...any) error {
	_, err := t.tx.Exec(ctx, q, args...)
	return err
}
func (t pgTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t pgTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
