package app

import (
	"context"
	"log/slog"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/cluster"
	"github.com/placecanvas/place/store/embedded"
)

func openCluster(ctx context.Context, c Config, log *slog.Logger, rules liveRules) (place.Stores, error) {
	st, err := cluster.Open(ctx, cluster.Options{
		RedisURL: c.RedisURL, DatabaseURL: c.DatabaseURL, KeyPrefix: c.RedisPrefix,
		Config: c.CanvasConfig(), Logger: log, ClaimIdle: c.HistoryClaimIdle, Cooldown: rules.cooldown, Charges: rules.charges,
		FlushGap: rules.flushGap,
	})
	if err != nil {
		return place.Stores{}, err
	}
	return st.Stores(), nil
}

// OpenAccounts opens the accounts of the configured mode without serving
// and whatever the canvas size (`place admin`); it applies migrations.
// Only the Users and Close of the stores it returns are set.
func OpenAccounts(ctx context.Context, c Config) (place.Stores, error) {
	if err := c.Validate(); err != nil {
		return place.Stores{}, err
	}
	if c.DatabaseURL != "" {
		st, err := cluster.OpenAccounts(ctx, c.DatabaseURL)
		if err != nil {
			return place.Stores{}, err
		}
		return place.Stores{Users: st.Users, Close: st.Close}, nil
	}
	st, err := embedded.Open(ctx, embedded.Options{DataDir: c.DataDir, Config: c.CanvasConfig(), AnySize: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return place.Stores{}, err
	}
	return place.Stores{Users: st.Users, Close: st.Close}, nil
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
