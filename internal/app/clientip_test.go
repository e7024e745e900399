package app_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/placecanvas/place/internal/app"
)

// Without --trusted-proxies, X-Forwarded-For is the client's own word and
// changing it must not buy more attempts.
func TestSpoofedForwardedForDoesNotResetLimits(t *testing.T) {
	srv := startServer(t, nil)
	srv.visitor(t).register("target", "right password")
	b := srv.visitor(t)
	for i := 0; i < 5; i++ {
		b.header.Set("X-Forwarded-For", "10.9.8."+strconv.Itoa(i))
		if r := b.postJSON("/api/v1/auth/login", map[string]string{"username": "target", "password": "guess"}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, r.StatusCode)
		}
	}
	b.header.Set("X-Forwarded-For", "10.9.8.200")
	if r := b.postJSON("/api/v1/auth/login", map[string]string{"username": "target", "password": "right password"}); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a forged X-Forwarded-For reset the limit: %d %s", r.StatusCode, r.Body)
	}
}

// Behind a trusted proxy the client is the right-most entry the proxy did
// not add; whatever the client wrote to the left of it is ignored.
func TestTrustedProxyUsesRightMostUntrustedEntry(t *testing.T) {
	srv := startServer(t, func(c *app.Config) {
		c.TrustedProxies = mustPrefixes("127.0.0.1/32", "10.0.0.0/8")
	})
	srv.visitor(t).register("target", "right password")
	b := srv.visitor(t)
	for i := 0; i < 5; i++ {
		// The client forges the first entry; the proxies append the real
		// address and their own.
		b.header.Set("X-Forwarded-For", "1.1.1."+strconv.Itoa(i)+", 198.51.100.23, 10.0.0.5")
		if r := b.postJSON("/api/v1/auth/login", map[string]string{"username": "target", "password": "guess"}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, r.StatusCode)
		}
	}
	b.header.Set("X-Forwarded-For", "8.8.8.8, 198.51.100.23, 10.0.0.5")
	if r := b.postJSON("/api/v1/auth/login", map[string]string{"username": "target", "password": "right password"}); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the left-most entry was trusted: %d", r.StatusCode)
	}
	b.header.Set("X-Forwarded-For", "198.51.100.23, 198.51.100.24, 10.0.0.5")
	if r := b.postJSON("/api/v1/auth/login", map[string]string{"username": "target", "password": "right password"}); r.StatusCode != http.StatusOK {
		t.Fatalf("another client behind the proxy was throttled: %d %s", r.StatusCode, r.Body)
	}
}

func TestGuestLimitPerIP(t *testing.T) {
	srv := startServer(t, func(c *app.Config) {
		c.GuestLimit = 2
		c.TrustedProxies = mustPrefixes("127.0.0.1/32")
	})
	from := func(ip string) *visitor {
		b := srv.visitor(t)
		b.header.Set("X-Forwarded-For", ip)
		return b
	}
	for i := 0; i < 2; i++ {
		from("203.0.113.9").mustDialWS()
	}
	_, res, err := from("203.0.113.9").dialWS()
	if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third guest from one address: %v %v", err, res)
	}
	// Registering without a session is a new identity too.
	r := from("203.0.113.9").postJSON("/api/v1/auth/register", map[string]string{"username": "fresh", "password": "long enough"})
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("register without a session beyond the limit: %d %s", r.StatusCode, r.Body)
	}
	// An IPv6 /64 is one client.
	from("2001:db8::1").mustDialWS()
	from("2001:db8::2").mustDialWS()
	if _, res, err := from("2001:db8::ffff").dialWS(); err == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third guest from one /64: %v", err)
	}
	// Another address still gets a guest, and a guest keeps its session.
	b := from("203.0.113.10")
	b.mustDialWS()
	b.mustDialWS()
	b.mustDialWS()
}

// Reading pages and the canvas creates no session: no cookie is set and
// nothing is stored.
func TestReadsCreateNoSession(t *testing.T) {
	srv := startServer(t, nil)
	b := srv.visitor(t)
	for _, path := range []string{"/", "/login", "/register", "/api/v1/canvas", "/api/v1/canvas.png", "/api/v1/canvas/info", "/api/v1/auth/me", "/api/v1/history/pixel?x=1&y=1", "/healthz", "/readyz"} {
		r := b.get(path)
		if r.StatusCode >= 500 {
			t.Errorf("GET %s: %d", path, r.StatusCode)
		}
		if c := r.Header.Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("GET %s set a cookie: %v", path, c)
		}
	}
	if n := srv.countRows(t, "sessions"); n != 0 {
		t.Fatalf("%d sessions stored by reads", n)
	}
	if n := srv.countRows(t, "users"); n != 0 {
		t.Fatalf("%d users created by reads", n)
	}
}
