package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
)

func newPool(url string) *redis.Pool {
	return &redis.Pool{
		MaxIdle:     32,
		MaxActive:   256,
		Wait:        true,
		IdleTimeout: 4 * time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialURLContext(ctx, url,
				redis.DialConnectTimeout(redisDialTimeout),
				redis.DialReadTimeout(redisReadTimeout),
				redis.DialWriteTimeout(redisWriteTimeout))
		},
		TestOnBorrow: func(c redis.Conn, idleSince time.Time) error {
			if time.Since(idleSince) < 30*time.Second {
				return nil
			}
			_, err := c.Do("PING")
			return err
		},
	}
}

// untilClosed returns a context that also ends when the store closes, for
// the long-running calls (Follow, SubscribeNotices).
func (s *Store) untilClosed(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

// do runs fn on a pooled Redis connection behind the circuit breaker: while
// Redis is failing, calls return place.ErrUnavailable at once instead of
// each waiting for a timeout.
func (s *Store) do(ctx context.Context, fn func(redis.Conn) error) error {
	done, err := s.breaker.Allow()
	if err != nil {
		return fmt.Errorf("%w (redis: %v)", place.ErrUnavailable, err)
	}
	ctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
	defer cancel()
	conn, err := s.pool.GetContext(ctx)
	if err != nil {
		done(err)
		return redisError(err)
	}
	err = fn(conn)
	if cerr := conn.Close(); err == nil && cerr != nil {
		err = cerr
	}
	done(breakerOutcome(err))
	return redisError(err)
}

// breakerOutcome tells the breaker whether err means Redis is unwell: an
// error reply about data (wrong type, script error) is Redis working.
func breakerOutcome(err error) error {
	var re redis.Error
	if errors.As(err, &re) {
		msg := string(re)
		for _, p := range []string{"LOADING", "BUSY", "MASTERDOWN", "READONLY", "OOM", "NOREPLICAS"} {
			if strings.HasPrefix(msg, p) {
				return err
			}
		}
		return nil
	}
	var pe *place.Error
	if errors.As(err, &pe) && pe.Code != place.EUNAVAILABLE {
		return nil
	}
	return err
}

// redisError turns connection failures into place.ErrUnavailable, keeping
// the cause for logs.
func redisError(err error) error {
	if err == nil {
		return nil
	}
	var pe *place.Error
	if errors.As(err, &pe) {
		return err
	}
	var re redis.Error
	if errors.As(err, &re) && breakerOutcome(err) == nil {
		return fmt.Errorf("redis: %w", err)
	}
	return fmt.Errorf("%w (redis: %v)", place.ErrUnavailable, err)
}

// pgError turns PostgreSQL failures other than SQL errors (connection
// refused, timeouts) into place.ErrUnavailable.
func pgError(err error) error {
	if err == nil {
		return nil
	}
	var pe *place.Error
	if errors.As(err, &pe) {
		return err
	}
	if isSQLError(err) {
		return fmt.Errorf("postgresql: %w", err)
	}
	return fmt.Errorf("%w (postgresql: %v)", place.ErrUnavailable, err)
}

// pgCtx bounds a PostgreSQL call.
func pgCtx(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}
