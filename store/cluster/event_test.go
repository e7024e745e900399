package cluster_test

import (
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/store/storetest"
)

func TestEventsContract(t *testing.T) {
	testenv.RedisURL(t)
	testenv.PostgresURL(t)
	storetest.RunEvents(t, func(t *testing.T, cfg place.Config) place.Stores {
		return mustOpen(t, newEnv(t).options(cfg)).Stores()
	})
}

func TestTeamsContract(t *testing.T) {
	testenv.RedisURL(t)
	testenv.PostgresURL(t)
	storetest.RunTeams(t, func(t *testing.T, cfg place.Config) place.Stores {
		return mustOpen(t, newEnv(t).options(cfg)).Stores()
	})
}
