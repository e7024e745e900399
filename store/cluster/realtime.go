package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
)

// AddUserSession records that token is one of the user's sessions until expiry.
func (s *Store) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	return s.do(ctx, func(c redis.Conn) error {
		_, err := addSessionScript.Do(c, s.keys.userSessions(userID), token, expiry.UnixMilli(), time.Now().UnixMilli())
		return err
	})
}

// RemoveUserSession forgets one of the user's sessions.
func (s *Store) RemoveUserSession(ctx context.Context, userID, token string) error {
	return s.do(ctx, func(c redis.Conn) error {
		_, err := c.Do("ZREM", s.keys.userSessions(userID), token)
		return err
	})
}

// UserSessions returns the user's unexpired session tokens.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]string, error) {
	var tokens []string
	err := s.do(ctx, func(c redis.Conn) error {
		var err error
		tokens, err = redis.Strings(c.Do("ZRANGE", s.keys.userSessions(userID), "("+itoa(time.Now().UnixMilli()), "+inf", "BYSCORE"))
		return err
	})
	return tokens, err
}

// PublishKick sends k to every instance.
func (s *Store) PublishKick(ctx context.Context, k place.Kick) error {
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return s.do(ctx, func(c redis.Conn) error {
		_, err := c.Do("PUBLISH", s.keys.kicks, b)
		return err
	})
}

// kickPing is how often an idle subscription checks its connection.
const kickPing = 5 * time.Second

// SubscribeKicks calls fn for every kick published by any instance until
// ctx ends, resubscribing with backoff when the connection fails. Kicks
// published while disconnected are lost; a kick is a prompt to close
// sockets at once, and each instance also rechecks sessions on its own.
func (s *Store) SubscribeKicks(ctx context.Context, fn func(place.Kick)) error {
	return s.subscribe(ctx, s.keys.kicks, func(data []byte) {
		var k place.Kick
		if err := json.Unmarshal(data, &k); err != nil {
			s.log.Warn("ignoring malformed kick", "err", err)
			return
		}
		fn(k)
	})
}

// subscribe calls fn with every message published on channel until ctx
// ends, resubscribing with backoff when the connection fails.
func (s *Store) subscribe(ctx context.Context, channel string, fn func([]byte)) error {
	outer := ctx
	ctx, cancel := s.untilClosed(ctx)
	defer cancel()
	retry := newBackoff(100*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		err := s.subscribeOnce(ctx, channel, fn, retry)
		if ctx.Err() == nil {
			s.log.Warn("subscription lost; resubscribing", "channel", channel, "err", err)
			retry.wait(ctx)
		}
	}
	if outer.Err() == nil {
		return errClosed
	}
	return outer.Err()
}

func (s *Store) subscribeOnce(ctx context.Context, channel string, fn func([]byte), retry *backoff) error {
	conn, err := s.pool.GetContext(ctx)
	if err != nil {
		return err
	}
	psc := redis.PubSubConn{Conn: conn}
	defer psc.Close()
	if err := psc.Subscribe(channel); err != nil {
		return err
	}
	// Unsubscribing ends the receive loop when ctx ends. A connection allows
	// one writer at a time, hence the lock shared with Ping; Close waits
	// for a running Unsubscribe.
	var writeMu sync.Mutex
	unsubscribed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(unsubscribed)
		writeMu.Lock()
		defer writeMu.Unlock()
		_ = psc.Unsubscribe()
	})
	defer func() {
		if !stop() {
			<-unsubscribed
		}
	}()
	for {
		switch m := psc.ReceiveWithTimeout(2 * kickPing).(type) {
		case redis.Message:
			fn(m.Data)
		case redis.Subscription:
			if m.Kind == "subscribe" {
				retry.reset()
			}
			if m.Count == 0 {
				return ctx.Err()
			}
		case redis.Pong:
		case error:
			var ne interface{ Timeout() bool }
			if errors.As(m, &ne) && ne.Timeout() {
				// Quiet channel: prove the connection is alive.
				writeMu.Lock()
				err := psc.Ping("")
				writeMu.Unlock()
				if err != nil {
					return err
				}
				continue
			}
			return m
		}
	}
}

// Incr counts one hit for key in the current fixed window.
func (s *Store) Incr(ctx context.Context, key string, window time.Duration, now time.Time) (int64, time.Time, error) {
	var n, ttl int64
	err := s.do(ctx, func(c redis.Conn) error {
		vals, err := redis.Int64s(counterScript.Do(c, s.keys.counter(key), max(window.Milliseconds(), 1)))
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
func (s *Store) Count(ctx context.Context, key string, now time.Time) (int64, time.Time, error) {
	var n, ttl int64
	err := s.do(ctx, func(c redis.Conn) error {
		_ = c.Send("MULTI")
		_ = c.Send("GET", s.keys.counter(key))
		_ = c.Send("PTTL", s.keys.counter(key))
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
func (s *Store) Reset(ctx context.Context, key string) error {
	return s.do(ctx, func(c redis.Conn) error {
		_, err := c.Do("DEL", s.keys.counter(key))
		return err
	})
}

// itoa formats the int64s used in Redis arguments.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
