package cluster

import (
	"context"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
)

// AddUserSession records that token is one of the user's sessions until expiry.
func (s *SessionIndex) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	return s.db.do(ctx, func(c redis.Conn) error {
		_, err := addSessionScript.Do(c, s.db.keys.userSessions(userID), token, expiry.UnixMilli(), time.Now().UnixMilli())
		return err
	})
}

// RemoveUserSession forgets one of the user's sessions.
func (s *SessionIndex) RemoveUserSession(ctx context.Context, userID, token string) error {
	return s.db.do(ctx, func(c redis.Conn) error {
		_, err := c.Do("ZREM", s.db.keys.userSessions(userID), token)
		return err
	})
}

// UserSessions returns the user's unexpired session tokens.
func (s *SessionIndex) UserSessions(ctx context.Context, userID string) ([]string, error) {
	var tokens []string
	err := s.db.do(ctx, func(c redis.Conn) error {
		var err error
		tokens, err = redis.Strings(c.Do("ZRANGE", s.db.keys.userSessions(userID), "("+itoa(time.Now().UnixMilli()), "+inf", "BYSCORE"))
		return err
	})
	return tokens, err
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

// itoa formats the int64s used in Redis arguments.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
