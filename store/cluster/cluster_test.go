package cluster_test

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/store/cluster"
	"github.com/placecanvas/place/store/storetest"
)

// testLogger shows store logs with -v when PLACE_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("PLACE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

// env is one test's share of the services: its own database and key prefix.
type env struct {
	redisURL, databaseURL, prefix string
}

func newEnv(t testing.TB) env {
	return env{
		redisURL:    testenv.RedisURL(t),
		databaseURL: testenv.NewPostgresDatabase(t),
		prefix:      testenv.RedisPrefix(t),
	}
}

func (e env) options(cfg place.Config) cluster.Options {
	return cluster.Options{
		RedisURL:    e.redisURL,
		DatabaseURL: e.databaseURL,
		KeyPrefix:   e.prefix,
		Config:      cfg,
		Logger:      testLogger(),
	}
}

func mustOpen(t testing.TB, opts cluster.Options) *cluster.Store {
	t.Helper()
	s, err := cluster.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	testenv.RedisURL(t)
	testenv.PostgresURL(t)
	storetest.Run(t, func(t *testing.T, cfg place.Config) place.Stores {
		return mustOpen(t, newEnv(t).options(cfg)).Stores()
	})
}
