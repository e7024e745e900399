package embedded

import (
	"context"
	"sync"
	"time"

	"github.com/placecanvas/place"
)

// Take implements place.Counters: the check and the count happen under the
// one lock, so concurrent callers cannot all pass a check made before any
// of them counted.
func (s *Counters) Take(_ context.Context, limits []place.Limit, now time.Time) (bool, time.Time, error) {
	cm := &s.db.counters
	cm.mu.Lock()
	defer cm.mu.Unlock()
	var until time.Time
	for _, l := range limits {
		c := cm.m[l.Key]
		if now.Before(c.end) && c.n >= l.Max && c.end.After(until) {
			until = c.end
		}
	}
	if !until.IsZero() {
		return false, until, nil
	}
	for _, l := range limits {
		c := cm.m[l.Key]
		if !now.Before(c.end) {
			c = counter{end: now.Add(l.Window)}
		}
		c.n++
		cm.m[l.Key] = c
	}
	cm.prune(now)
	return true, time.Time{}, nil
}

// Give implements place.Counters.
func (s *Counters) Give(_ context.Context, key string) error {
	cm := &s.db.counters
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if c, ok := cm.m[key]; ok && c.n > 0 {
		c.n--
		cm.m[key] = c
	}
	return nil
}

type counter struct {
	n   int64
	end time.Time
}

type counterMap struct {
	mu sync.Mutex
	m  map[string]counter
}

// Incr implements place.Counters in memory (one process holds them all).
func (s *Counters) Incr(_ context.Context, key string, window time.Duration, now time.Time) (int64, time.Time, error) {
	s.db.counters.mu.Lock()
	defer s.db.counters.mu.Unlock()
	c := s.db.counters.m[key]
	if !now.Before(c.end) {
		c = counter{end: now.Add(window)}
	}
	c.n++
	s.db.counters.m[key] = c
	s.db.counters.prune(now)
	return c.n, c.end, nil
}

// prune drops ended windows once the map grows large; mu must be held.
func (cm *counterMap) prune(now time.Time) {
	if len(cm.m) <= 100_000 {
		return
	}
	for k, v := range cm.m {
		if !now.Before(v.end) {
			delete(cm.m, k)
		}
	}
}

// Count implements place.Counters.
func (s *Counters) Count(_ context.Context, key string, now time.Time) (int64, time.Time, error) {
	s.db.counters.mu.Lock()
	defer s.db.counters.mu.Unlock()
	c := s.db.counters.m[key]
	if !now.Before(c.end) {
		return 0, time.Time{}, nil
	}
	return c.n, c.end, nil
}

// Reset implements place.Counters.
func (s *Counters) Reset(_ context.Context, key string) error {
	s.db.counters.mu.Lock()
	defer s.db.counters.mu.Unlock()
	delete(s.db.counters.m, key)
	return nil
}
