package cluster_test

import (
	"context"
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/store/storetest"
)

// TestArchive runs the time-travel contract that the embedded store passes too.
func TestArchive(t *testing.T) {
	testenv.RedisURL(t)
	testenv.PostgresURL(t)
	storetest.RunArchive(t, func(t *testing.T, cfg place.Config) place.Stores {
		return mustOpen(t, newEnv(t).options(cfg)).Stores()
	})
}

// TestKeyframeLockIsShared: one instance at a time builds keyframes.
func TestKeyframeLockIsShared(t *testing.T) {
	e := newEnv(t)
	opts := e.options(storetest.DefaultConfig)
	a, b := mustOpen(t, opts), mustOpen(t, opts)
	ctx := context.Background()
	unlock, ok, err := a.Archive.LockKeyframes(ctx)
	if err != nil || !ok {
		t.Fatalf("first lock: %v, %v", ok, err)
	}
	if _, ok, err := b.Archive.LockKeyframes(ctx); err != nil || ok {
		t.Fatalf("a second instance got the lock too: %v, %v", ok, err)
	}
	unlock()
	unlock2, ok, err := b.Archive.LockKeyframes(ctx)
	if err != nil || !ok {
		t.Fatalf("after unlock: %v, %v", ok, err)
	}
	unlock2()
}
