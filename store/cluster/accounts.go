package cluster

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenAccounts opens only the PostgreSQL side of the cluster store, with
// the migrations applied: enough for the command line's account
// administration (`place admin`, `place migrate`) without Redis and whatever
// the canvas size. Only its Users and Close may be used.
func OpenAccounts(ctx context.Context, databaseURL string) (*Store, error) {
	pgcfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	pgcfg.ConnConfig.ConnectTimeout = pgConnectTimeout
	pg, err := pgxpool.NewWithConfig(ctx, pgcfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := Migrate(ctx, pg); err != nil {
		pg.Close()
		return nil, err
	}
	s := &db{pg: pg, log: slog.New(slog.DiscardHandler)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return newStore(s), nil
}
