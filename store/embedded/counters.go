package embedded

import (
	"context"
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
