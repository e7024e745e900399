// Package teststores opens a store of each mode for the tests of the
// packages that follow the placement feed: embedded in a temporary
// directory, cluster on the test's own PostgreSQL database and Redis key
// prefix (skipped, or failed under PLACE_REQUIRE_SERVICES=1, without them).
package teststores

import (
	"context"
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/store/cluster"
	"github.com/placecanvas/place/store/embedded"
)

// Opener opens a store's roles; a second call opens the same data again
// (a restart), after the first was closed or beside it.
type Opener func(t *testing.T) place.Stores

// Both runs fn once per mode, as a subtest named after the mode.
func Both(t *testing.T, cfg place.Config, fn func(t *testing.T, open Opener)) {
	WithCharges(t, cfg, 1, fn)
}

// WithCharges is Both with stores whose players may store charges.
func WithCharges(t *testing.T, cfg place.Config, charges int, fn func(t *testing.T, open Opener)) {
	limit := func() int { return charges }
	t.Run("embedded", func(t *testing.T) {
		dir := t.TempDir()
		fn(t, func(t *testing.T) place.Stores {
			st, err := embedded.Open(context.Background(), embedded.Options{DataDir: dir, Config: cfg, Charges: limit})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return st.Stores()
		})
	})
	t.Run("cluster", func(t *testing.T) {
		redisURL, dbURL, prefix := testenv.RedisURL(t), testenv.NewPostgresDatabase(t), testenv.RedisPrefix(t)
		fn(t, func(t *testing.T) place.Stores {
			st, err := cluster.Open(context.Background(), cluster.Options{RedisURL: redisURL, DatabaseURL: dbURL, KeyPrefix: prefix, Config: cfg, Charges: limit})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return st.Stores()
		})
	})
}
