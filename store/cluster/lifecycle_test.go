package cluster_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/store/cluster"
)

// TestMigrateConcurrently: instances starting together apply each
// migration once.
func TestMigrateConcurrently(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := cluster.Open(context.Background(), e.options(smallConfig))
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Open: %v", err)
	}
	var n int
	if err := pgConn(t, e.databaseURL).QueryRow(context.Background(),
		"SELECT count(*) FROM schema_migrations WHERE version = '1'").Scan(&n); err != nil || n != 1 {
		t.Errorf("version 1 recorded %d times (%v), want once", n, err)
	}
}

// TestCloseEndsFollowers: long-running calls return once the store closes,
// rather than retrying against closed connections forever.
func TestCloseEndsFollowers(t *testing.T) {
	s, err := cluster.Open(context.Background(), newEnv(t).options(smallConfig))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	// Both are under way before Close: the follower has had a placement,
	// the kick subscription listens.
	followed := make(chan struct{})
	var once sync.Once
	go func() {
		done <- s.Feed.Follow(context.Background(), 0, func([]place.Placement) { once.Do(func() { close(followed) }) })
	}()
	listening := make(chan struct{})
	go func() {
		ctx := place.WithSubscribed(context.Background(), func() { close(listening) })
		done <- s.Stores().Kicks.SubscribeKicks(ctx, func(place.Kick) {})
	}()
	placeRandom(t, s, smallConfig, 1, "a")
	for _, started := range []chan struct{}{followed, listening} {
		select {
		case <-started:
		case err := <-done:
			t.Fatalf("a follower returned before Close: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("a follower did not start")
		}
	}
	s.Close()
	for range 2 {
		select {
		case err := <-done:
			if err == nil {
				t.Error("a follower returned nil after Close; want an error")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a follower did not return after Close")
		}
	}
}

// TestReadyReportsAnEvictingRedis: a Redis that may evict keys (any
// maxmemory-policy but noeviction) would lose cooldowns or history, so the
// store is not ready on it, and says why. A private Redis is reconfigured,
// so that the shared one the contract suite checks Ready on stays as it is.
func TestReadyReportsAnEvictingRedis(t *testing.T) {
	e := newEnv(t)
	e.redisURL = testenv.PrivateRedis(t)
	s := mustOpen(t, e.options(smallConfig))
	ctx := context.Background()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready with noeviction: %v", err)
	}
	c, err := redis.DialURL(e.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Do("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"); err != nil {
		t.Fatal(err)
	}
	err = s.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), `maxmemory-policy is "allkeys-lru"`) {
		t.Errorf("Ready with allkeys-lru: %v, want the policy reported", err)
	}
}
