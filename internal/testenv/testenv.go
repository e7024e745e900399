// Package testenv finds the external services and binaries that integration
// tests need. A test whose service is missing is skipped with a line that
// says what to set, unless PLACE_REQUIRE_SERVICES=1 (as in CI), which turns
// the skip into a failure.
package testenv

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"
)

// Environment variables read by this package.
const (
	RequireServicesEnv = "PLACE_REQUIRE_SERVICES"
	RedisURLEnv        = "PLACE_TEST_REDIS_URL"
	DatabaseURLEnv     = "PLACE_TEST_DATABASE_URL"
)

const (
	defaultRedisURL    = "redis://127.0.0.1:6379/0"
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	probeTimeout       = 500 * time.Millisecond
)

// Required reports whether missing services fail tests instead of skipping them.
func Required() bool { return os.Getenv(RequireServicesEnv) == "1" }

// Missing skips t because something it needs is not there (or not set up
// as it needs), or fails it when PLACE_REQUIRE_SERVICES=1.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := "SKIPPING: " + fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s; %s=1 requires it", msg, RequireServicesEnv)
	}
	t.Skip(msg)
}

// RedisURL returns the URL of the Redis server to test against, or skips t
// when nothing answers there.
func RedisURL(t testing.TB) string {
	t.Helper()
	raw := envOr(RedisURLEnv, defaultRedisURL)
	addr, err := hostPort(raw, "6379")
	if err != nil {
		t.Fatalf("%s: %v", RedisURLEnv, err)
	}
	if !reachable(addr) {
		Missing(t, "no Redis at %s (set %s)", addr, RedisURLEnv)
	}
	return raw
}

// PostgresURL returns the URL of a PostgreSQL database that tests may use to
// create databases, or skips t when nothing answers there.
func PostgresURL(t testing.TB) string {
	t.Helper()
	raw := envOr(DatabaseURLEnv, defaultDatabaseURL)
	addr, err := hostPort(raw, "5432")
	if err != nil {
		t.Fatalf("%s: %v", DatabaseURLEnv, err)
	}
	if !reachable(addr) {
		Missing(t, "no PostgreSQL at %s (set %s)", addr, DatabaseURLEnv)
	}
	return raw
}

// LookPath returns the path of an executable, or skips t with hint (how to
// install it) when it is not on PATH.
func LookPath(t testing.TB, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "no %s on PATH (%s)", name, hint)
	}
	return p
}

// NewPostgresDatabase creates an empty database with a unique name and
// returns its URL; the database is dropped when the test ends.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := PostgresURL(t)
	name := "place_test_" + strings.ToLower(RandomString(12))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", redact(admin), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", DatabaseURLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// RedisPrefix returns a key prefix no other test uses; every key under it is
// deleted when the test ends.
func RedisPrefix(t testing.TB) string {
	t.Helper()
	raw := RedisURL(t)
	prefix := "place_test:" + RandomString(10) + ":"
	t.Cleanup(func() {
		if err := DeleteRedisKeys(raw, prefix); err != nil {
			t.Errorf("delete test keys %s*: %v", prefix, err)
		}
	})
	return prefix
}

// DeleteRedisKeys deletes every key that starts with prefix (which must not
// contain glob characters).
func DeleteRedisKeys(redisURL, prefix string) error {
	conn, err := redis.DialURL(redisURL, redis.DialConnectTimeout(2*time.Second),
		redis.DialReadTimeout(5*time.Second), redis.DialWriteTimeout(5*time.Second))
	if err != nil {
		return err
	}
	defer conn.Close()
	cursor := "0"
	for {
		reply, err := redis.Values(conn.Do("SCAN", cursor, "MATCH", prefix+"*", "COUNT", 1000))
		if err != nil {
			return err
		}
		cursor, _ = redis.String(reply[0], nil)
		keys, _ := redis.Values(reply[1], nil)
		if len(keys) > 0 {
			if _, err := conn.Do("UNLINK", keys...); err != nil {
				return err
			}
		}
		if cursor == "0" {
			return nil
		}
	}
}

// RandomString returns n random characters from [A-Za-z0-9].
func RandomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// hostPort extracts host:port from a redis:// or postgres:// URL.
func hostPort(raw, defPort string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	host := u.Hostname()
	if host == "" {
		host = "127.0.0.1"
	}
	port := u.Port()
	if port == "" {
		port = defPort
	}
	return net.JoinHostPort(host, port), nil
}

func reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, probeTimeout)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
