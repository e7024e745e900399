package cluster_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place/internal/testenv"
)

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
