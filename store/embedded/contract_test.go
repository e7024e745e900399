package embedded_test

import (
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/storetest"
)

// TestContract runs the store contract suite that the cluster store passes too.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, cfg place.Config) place.Stores {
		s := open(t, t.TempDir(), cfg)
		t.Cleanup(func() { s.Close() })
		return s.Stores()
	})
}
