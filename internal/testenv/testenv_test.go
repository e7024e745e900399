package testenv_test

import (
	"net"
	"strings"
	"testing"

	"github.com/placecanvas/place/internal/testenv"
)

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestMissingServiceSkips(t *testing.T) {
	t.Setenv(testenv.RequireServicesEnv, "")
	t.Setenv(testenv.RedisURLEnv, "redis://"+closedPort(t))
	t.Setenv(testenv.DatabaseURLEnv, "postgres://postgres@"+closedPort(t)+"/postgres")
	for name, probe := range map[string]func(testing.TB) string{
		"redis":    testenv.RedisURL,
		"postgres": testenv.PostgresURL,
		"binary": func(tb testing.TB) string {
			return testenv.LookPath(tb, "no-such-binary-place", "not installable")
		},
	} {
		var inner *testing.T
		t.Run(name, func(t *testing.T) {
			inner = t
			probe(t)
			t.Error("probe returned for a missing service")
		})
		if !inner.Skipped() {
			t.Errorf("%s: missing service did not skip the test", name)
		}
	}
}

func TestRandomString(t *testing.T) {
	a, b := testenv.RandomString(16), testenv.RandomString(16)
	if len(a) != 16 || a == b || strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		t.Errorf("RandomString gave %q and %q", a, b)
	}
}

func TestServices(t *testing.T) {
	t.Run("postgres database", func(t *testing.T) {
		u := testenv.NewPostgresDatabase(t)
		if !strings.Contains(u, "/place_test_") {
			t.Errorf("database URL %q does not name a test database", u)
		}
	})
	t.Run("redis prefix", func(t *testing.T) {
		p1, p2 := testenv.RedisPrefix(t), testenv.RedisPrefix(t)
		if p1 == p2 || !strings.HasSuffix(p1, ":") {
			t.Errorf("prefixes %q and %q", p1, p2)
		}
	})
}
