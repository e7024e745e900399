package budget

import (
	"sync"
	"time"
)

// Rate allows each key (a client address) PerMinute events a minute, in
// bursts of up to PerMinute: a token bucket per key. Buckets that are full
// again are forgotten, so the memory follows the addresses active in the
// last minute.
type Rate struct {
	perMinute int

	mu      sync.Mutex
	buckets map[string]bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewRate returns a Rate of perMinute events per key (0 or less: no limit).
func NewRate(perMinute int) *Rate {
	return &Rate{perMinute: perMinute, buckets: map[string]bucket{}}
}

// Allow takes one event from key's bucket; when it is empty it returns
// false and how long until the next event is allowed.
func (r *Rate) Allow(key string, now time.Time) (bool, time.Duration) {
	if r.perMinute <= 0 {
		return true, 0
	}
	full := float64(r.perMinute)
	perSecond := full / 60
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) > time.Minute {
		for k, b := range r.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*perSecond >= full {
				delete(r.buckets, k)
			}
		}
		r.swept = now
	}
	b, ok := r.buckets[key]
	if !ok {
		b = bucket{tokens: full, at: now}
	}
	b.tokens = min(full, b.tokens+max(0, now.Sub(b.at).Seconds())*perSecond)
	b.at = now
	if b.tokens < 1 {
		r.buckets[key] = b
		return false, time.Duration((1 - b.tokens) / perSecond * float64(time.Second))
	}
	b.tokens--
	r.buckets[key] = b
	return true, 0
}
