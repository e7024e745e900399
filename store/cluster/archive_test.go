package cluster_test

import (
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/store/storetest"
)

// TestArchive runs the time-travel contract that the embedded store passes too.
func TestArchive(t *testing.T) {
	testenv.RedisURL(t)
	testenv.PostgresURL(t)
	storetest.RunArchive(t, func(t *testing.T, cfg place.Config) storetest.ArchiveStore {
		return mustOpen(t, newEnv(t).options(cfg))
	})
}
