package embedded_test

import (
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/storetest"
)

// TestArchive runs the time-travel contract that the cluster store passes too.
func TestArchive(t *testing.T) {
	storetest.RunArchive(t, func(t *testing.T, cfg place.Config) storetest.ArchiveStore {
		s := open(t, t.TempDir(), cfg)
		t.Cleanup(func() { s.Close() })
		return s
	})
}
