package embedded_test

import (
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/storetest"
)

func TestEventsContract(t *testing.T) {
	storetest.RunEvents(t, func(t *testing.T, cfg place.Config) place.Stores {
		s := open(t, t.TempDir(), cfg)
		t.Cleanup(func() { s.Close() })
		return s.Stores()
	})
}

func TestTeamsContract(t *testing.T) {
	storetest.RunTeams(t, func(t *testing.T, cfg place.Config) place.Stores {
		s := open(t, t.TempDir(), cfg)
		t.Cleanup(func() { s.Close() })
		return s.Stores()
	})
}
