package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/store/embedded"
)

// OpenStore opens the store of the configured mode.
func OpenStore(ctx context.Context, c Config, log *slog.Logger) (place.Stores, error) {
	st, _, err := openStore(ctx, c, log, nil, liveRules{})
	return st, err
}

// liveRules are the event's live settings the store applies to each
// placement (nil: the configured cooldown, one charge).
type liveRules struct {
	cooldown func() time.Duration
	charges  func() int
	// commitGap spaces the embedded store's commits by the broadcaster's
	// gap (realtime.Hub.CommitGap).
	commitGap func() time.Duration
	// flushGap is the broadcaster's gap whatever its length
	// (realtime.Hub.FlushGap): the cluster store's placements wait a
	// quarter of it (at most cluster.MaxPlaceLinger) for company on their
	// way to Redis.
	flushGap func() time.Duration
}

// openStore opens the store of the configured mode; in embedded mode the
// store loads lc (when not nil) and applies every commit to it
// (fedAtCommit).
func openStore(ctx context.Context, c Config, log *slog.Logger, lc *live.Canvas, rules liveRules) (place.Stores, bool, error) {
	if err := c.Validate(); err != nil {
		return place.Stores{}, false, err
	}
	if c.RedisURL != "" {
		st, err := openCluster(ctx, c, log, rules)
		return st, false, err
	}
	st, err := embedded.Open(ctx, embedded.Options{DataDir: c.DataDir, Config: c.CanvasConfig(), Logger: log, Live: lc, Cooldown: rules.cooldown, Charges: rules.charges, CommitGap: rules.commitGap})
	if err != nil {
		return place.Stores{}, false, err
	}
	return st.Stores(), lc != nil, nil
}
