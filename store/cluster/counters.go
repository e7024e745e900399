package cluster

import (
	"context"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
)

// takeScript counts one hit against every counter when none is full, in
// one atomic step. It returns {1} when counted, or {0, ms} with the longest
// time left among the full windows.
//
// KEYS: counters. ARGV: max and window (ms) of each, in order.
var takeScript = redis.NewScript(-1, `
local wait = -1
for i = 1, #KEYS do
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  if n >= tonumber(ARGV[2*i-1]) then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then
      ttl = tonumber(ARGV[2*i])
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
    if ttl > wait then wait = ttl end
  end
end
if wait >= 0 then return {0, wait} end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[2*i]) end
end
return {1}
`)

// giveScript takes one hit back from a counter, never below zero; the
// window keeps its end.
//
// KEYS: counter.
var giveScript = redis.NewScript(1, `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 1
`)

// Take implements place.Counters with one script, so that N concurrent
// callers against a limit of M let at most M through on every instance.
func (s *Counters) Take(ctx context.Context, limits []place.Limit, now time.Time) (bool, time.Time, error) {
	args := make([]any, 0, 3*len(limits))
	for _, l := range limits {
		args = append(args, s.db.keys.counter(l.Key))
	}
	for _, l := range limits {
		args = append(args, l.Max, max(l.Window.Milliseconds(), 1))
	}
	var vals []int64
	err := s.db.do(ctx, func(c redis.Conn) error {
		var err error
		vals, err = redis.Int64s(takeScript.Do(c, append([]any{len(limits)}, args...)...))
		return err
	})
	if err != nil {
		return false, time.Time{}, err
	}
	if len(vals) > 0 && vals[0] == 1 {
		return true, time.Time{}, nil
	}
	var wait int64
	if len(vals) > 1 {
		wait = vals[1]
	}
	return false, now.Add(time.Duration(wait) * time.Millisecond), nil
}

// Give implements place.Counters.
func (s *Counters) Give(ctx context.Context, key string) error {
	return s.db.do(ctx, func(c redis.Conn) error {
		_, err := giveScript.Do(c, s.db.keys.counter(key))
		return err
	})
}

// Incr counts one hit for key in the current fixed window.
func (s *Counters) Incr(ctx context.Context, key string, window time.Duration, now time.Time) (int64, time.Time, error) {
	var n, ttl int64
	err := s.db.do(ctx, func(c redis.Conn) error {
		vals, err := redis.Int64s(counterScript.Do(c, s.db.keys.counter(key), max(window.Milliseconds(), 1)))
		if err == nil && len(vals) == 2 {
			n, ttl = vals[0], vals[1]
		}
		return err
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	return n, now.Add(time.Duration(ttl) * time.Millisecond), nil
}

// Count returns key's count in the current window and when it ends.
func (s *Counters) Count(ctx context.Context, key string, now time.Time) (int64, time.Time, error) {
	var n, ttl int64
	err := s.db.do(ctx, func(c redis.Conn) error {
		_ = c.Send("MULTI")
		_ = c.Send("GET", s.db.keys.counter(key))
		_ = c.Send("PTTL", s.db.keys.counter(key))
		vals, err := redis.Values(c.Do("EXEC"))
		if err != nil || len(vals) != 2 {
			return err
		}
		if vals[0] != nil {
			n, _ = redis.Int64(vals[0], nil)
		}
		ttl, _ = redis.Int64(vals[1], nil)
		return nil
	})
	if err != nil || n == 0 || ttl < 0 {
		return 0, time.Time{}, err
	}
	return n, now.Add(time.Duration(ttl) * time.Millisecond), nil
}

// Reset clears key's counter.
func (s *Counters) Reset(ctx context.Context, key string) error {
	return s.db.do(ctx, func(c redis.Conn) error {
		_, err := c.Do("DEL", s.db.keys.counter(key))
		return err
	})
}
