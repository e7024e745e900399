package app

import (
	"context"
	"log/slog"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/cluster"
	"github.com/placecanvas/place/store/embedded"
)

func openCluster(ctx context.Context, c Config, log *slog.Logger, rules liveRules) (Storage, error) {
	return cluster.Open(ctx, cluster.Options{
		RedisURL: c.RedisURL, DatabaseURL: c.DatabaseURL, KeyPrefix: c.RedisPrefix,
		Config: c.CanvasConfig(), Logger: log, ClaimIdle: c.HistoryClaimIdle, Cooldown: rules.cooldown, Charges: rules.charges,
	})
}

// Accounts is what the command line's account administration needs.
type Accounts interface {
	place.Users
	Close() error
}

// OpenAccounts opens the accounts of the configured mode without serving
// and whatever the canvas size (`place admin`); it applies migrations.
func OpenAccounts(ctx context.Context, c Config) (Accounts, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.DatabaseURL != "" {
		return cluster.OpenAccounts(ctx, c.DatabaseURL)
	}
	return embedded.Open(ctx, embedded.Options{DataDir: c.DataDir, Config: c.CanvasConfig(), AnySize: true, Logger: slog.New(slog.DiscardHandler)})
}

// Migrate applies the migrations of the configured mode.
func Migrate(ctx context.Context, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.DatabaseURL != "" {
		st, err := cluster.OpenAccounts(ctx, c.DatabaseURL)
		if err != nil {
			return err
		}
		return st.Close()
	}
	return embedded.MigrateDir(ctx, c.DataDir)
}
