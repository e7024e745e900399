package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5/pgconn"

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
func (s *db) untilClosed(ctx context.Context) (context.Context, context.CancelFunc) {
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
func (s *db) do(ctx context.Context, fn func(redis.Conn) error) error {
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
// refused, timeouts) and the errors of a server that cannot serve now
// (starting up, shutting down, out of resources) into place.ErrUnavailable.
func pgError(err error) error {
	if err == nil {
		return nil
	}
	var pe *place.Error
	if errors.As(err, &pe) {
		return err
	}
	if isSQLError(err) && !pgUnavailable(err) {
		return fmt.Errorf("postgresql: %w", err)
	}
	return fmt.Errorf("%w (postgresql: %v)", place.ErrUnavailable, err)
}

// pgUnavailable reports whether err is PostgreSQL saying it cannot serve
// now rather than that the statement is wrong: SQLSTATE class 08
// (connection exception), 53 (insufficient resources: disk full, out of
// memory, too many connections) and 57P01-57P03 (shutting down, crash
// recovery, starting up).
func pgUnavailable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch {
	case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"):
		return true
	}
	switch pe.Code {
	case "57P01", "57P02", "57P03":
		return true
	}
	return false
}

// pgCtx bounds a PostgreSQL call.
func pgCtx(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}
