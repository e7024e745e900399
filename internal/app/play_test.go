package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

// inBothModes runs f against an embedded server and a cluster-mode one
// (skipped without Redis and PostgreSQL), each behind a trusted proxy so
// that visitors may come from chosen addresses.
func inBothModes(t *testing.T, configure func(*app.Config), f func(t *testing.T, srv *authServer, from func(ip string) *visitor)) {
	mutate := func(c *app.Config) {
		c.Width, c.Height = 16, 16
		c.BatchInterval = 5 * time.Millisecond
		c.TrustedProxies = mustPrefixes("127.0.0.1/32")
		if configure != nil {
			configure(c)
		}
	}
	t.Run("embedded", func(t *testing.T) {
		srv, from := fairServer(t, configure)
		f(t, srv, from)
	})
	t.Run("cluster", func(t *testing.T) {
		env := newClusterEnv(t)
		ts := startWith(t, env.config(t, mutate))
		srv := &authServer{App: ts.App, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "http://")}
		f(t, srv, func(ip string) *visitor {
			b := srv.visitor(t)
			b.header.Set("X-Forwarded-For", ip)
			return b
		})
	})
}

// wantCooldown checks a placement answer is RATE_LIMITED with time left.
func wantCooldown(t *testing.T, what string, m map[string]any) {
	t.Helper()
	left, _ := m["remainingSeconds"].(float64)
	if m["code"] != "RATE_LIMITED" || left < 1 || left > 30 {
		t.Fatalf("%s: %v; want RATE_LIMITED with the seconds left", what, m)
	}
}

// The cooldown belongs to the browser as well as the account: logging out
// and placing as a new guest, or logging in as another account, waits for
// what is left.
func TestCooldownFollowsTheBrowser(t *testing.T) {
	inBothModes(t, func(c *app.Config) { c.Cooldown = 30 * time.Second }, func(t *testing.T, srv *authServer, from func(string) *visitor) {
		from("198.51.100.7").register("other", "long enough")
		b := from("198.51.100.8")
		if m := b.mustDialWS().place(t, 1, 1, 3); m["type"] != "success" {
			t.Fatalf("first placement: %v", m)
		}
		if r := b.postJSON("/api/v1/auth/logout", nil); r.StatusCode != http.StatusOK {
			t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
		}
		// A new guest from the same browser.
		ws := b.mustDialWS()
		if status, me := b.me(); status != http.StatusOK || me["isGuest"] != true {
			t.Fatalf("after logging out and placing again: %d %v; want a new guest", status, me)
		}
		wantCooldown(t, "a new guest from the browser that just placed", ws.place(t, 2, 2, 3))
		// Another account on that browser.
		b.login("other", "long enough")
		wantCooldown(t, "another account on the browser that just placed", b.mustDialWS().place(t, 3, 3, 3))
		// The welcome of a viewer on that browser says so too.
		if r := b.postJSON("/api/v1/auth/logout", nil); r.StatusCode != http.StatusOK {
			t.Fatalf("logout: %d", r.StatusCode)
		}
		v, _, err := b.watchWS()
		if err != nil {
			t.Fatal(err)
		}
		if w := v.next(t, "welcome"); w["userId"] != "" || w["cooldown"].(float64) < 1000 {
			t.Fatalf("a viewer on that browser: %v; want no user and the browser's cooldown", w)
		}
	})
}

// With the identity limit of an address used up, a fresh browser from it
// watches the canvas and its live pixels, is told why it cannot place, and
// a registered user from it logs in and places; a logged-in user cannot
// make more accounts from it.
func TestWatchingNeedsNoSession(t *testing.T) {
	inBothModes(t, func(c *app.Config) { c.GuestLimit = 1 }, func(t *testing.T, srv *authServer, from func(string) *visitor) {
		from("198.51.100.1").register("regular", "long enough")
		player := from("203.0.113.40")
		ws := player.mustDialWS() // the address's one new identity
		if m := ws.place(t, 4, 4, 5); m["type"] != "success" {
			t.Fatalf("placement: %v", m)
		}

		fresh := from("203.0.113.40")
		v, res, err := fresh.watchWS()
		if err != nil {
			t.Fatalf("a fresh browser from a full address cannot watch: %v %v", err, res)
		}
		if w := v.next(t, "welcome"); w["userId"] != "" || w["isGuest"] != false {
			t.Fatalf("welcome of a viewer: %v", w)
		}
		v.next(t, "canvas")
		if m := from("198.51.100.9").mustDialWS().place(t, 5, 5, 6); m["type"] != "success" {
			t.Fatalf("a placement elsewhere: %v", m)
		}
		for px := v.next(t, "pixels"); !strings.Contains(fmtJSON(px["events"]), `{"color":6,"x":5,"y":5}`); px = v.next(t, "pixels") {
		} // next fails the test when the pixel does not come within 5 s
		if m := v.place(t, 1, 1, 1); m["code"] != "UNAUTHORIZED" {
			t.Fatalf("a viewer placing: %v; want UNAUTHORIZED (start playing first)", m)
		}
		r := fresh.do(http.MethodPost, "/api/v1/session", "", nil, nil)
		if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.Body, "log in") || r.Header.Get("Retry-After") == "" {
			t.Fatalf("starting to play from a full address: %d %s; want 429 saying when and to log in", r.StatusCode, r.Body)
		}

		// A registered user from that address logs in and places.
		fresh.login("regular", "long enough")
		if m := fresh.mustDialWS().place(t, 6, 6, 7); m["type"] != "success" {
			t.Fatalf("a registered user from a full address: %v", m)
		}
		// …but cannot make more accounts from it.
		if r := fresh.postJSON("/api/v1/auth/register", loginBody("another", "long enough")); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a logged-in user registering from a full address: %d %s", r.StatusCode, r.Body)
		}
	})
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
