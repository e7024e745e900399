package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

// statsModes runs a test in embedded mode and, when Redis and PostgreSQL
// are there, in cluster mode.
func statsModes(t *testing.T, run func(t *testing.T, configure func(*app.Config))) {
	t.Run("embedded", func(t *testing.T) { run(t, func(c *app.Config) { c.Cooldown = 0 }) })
	t.Run("cluster", func(t *testing.T) {
		env := newClusterEnv(t)
		run(t, func(c *app.Config) {
			c.Cooldown = 0
			c.RedisURL, c.DatabaseURL, c.RedisPrefix = env.redisURL, env.databaseURL, env.prefix
		})
	})
}

// section returns the part of a page from the element with testid on to
// the end of its table (or the next section).
func section(page, testid string) string {
	i := strings.Index(page, `data-testid="`+testid+`"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func TestStatsPageAndOptOut(t *testing.T) {
	statsModes(t, func(t *testing.T, configure func(*app.Config)) {
		srv := startServer(t, configure)
		alice, bob, guest := srv.visitor(t), srv.visitor(t), srv.visitor(t)
		alice.register("alice", "a long password")
		bob.register("bob", "a long password")
		pa, pb, pg := alice.mustDialWS(), bob.mustDialWS(), guest.mustDialWS()
		for _, p := range [][3]int{{1, 1, 5}, {1, 1, 6}, {2, 3, 7}} {
			if m := pa.place(t, p[0], p[1], p[2]); m["type"] != "success" {
				t.Fatal(m)
			}
		}
		for _, p := range [][3]int{{1, 1, 2}} {
			if m := pb.place(t, p[0], p[1], p[2]); m["type"] != "success" {
				t.Fatal(m)
			}
		}
		for _, p := range [][3]int{{4, 4, 1}, {4, 5, 1}, {4, 6, 1}, {4, 7, 1}, {4, 8, 1}} {
			if m := pg.place(t, p[0], p[1], p[2]); m["type"] != "success" {
				t.Fatal(m)
			}
		}
		// History is written behind the placements in cluster mode.
		waitFor(t, "history to hold every placement", 10*time.Second, func() bool {
			n, err := srv.App.Store.History.RecentPlacements(t.Context(), 0, 100)
			return err == nil && len(n) == 9
		})

		r := guest.get("/stats")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("/stats: %d %s", r.StatusCode, r.Body)
		}
		for id, want := range map[string]string{"stats-placements": ">9<", "stats-players": ">3<", "stats-painted": ">7<"} {
			if got := section(r.Body, id); !strings.HasPrefix(got[strings.Index(got, ">"):], want) {
				t.Errorf("%s: %.60q, want it to start with %s", id, got, want)
			}
		}
		placers := section(r.Body, "stats-top-placers")
		if !strings.Contains(placers, "alice") || !strings.Contains(placers, "bob") || strings.Index(placers, "alice") > strings.Index(placers, "bob") {
			t.Errorf("top placers: alice then bob wanted, got %s", placers)
		}
		if strings.Contains(placers, "Guest_") {
			t.Errorf("a guest is listed: %s", placers)
		}
		if pixels := section(r.Body, "stats-top-pixels"); !strings.Contains(pixels, "1, 1</a></td><td>3</td>") {
			t.Errorf("top pixel (1,1) placed 3 times not first: %s", pixels)
		}
		if !strings.Contains(r.Body, `data-testid="stats-chart"`) {
			t.Error("no chart")
		}

		// Alice leaves the list; bob stays.
		if r := alice.postForm("/account/stats", url.Values{}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("opt out: %d %s", r.StatusCode, r.Body)
		}
		if page := alice.get("/account").Body; !strings.Contains(page, "kept off") || strings.Contains(page, "checked") {
			t.Errorf("account page after opting out: %s", section(page, "account-page"))
		}
		placers = section(guest.get("/stats").Body, "stats-top-placers")
		if strings.Contains(placers, "alice") || !strings.Contains(placers, "bob") {
			t.Errorf("after alice opted out: %s", placers)
		}
		// And comes back.
		if r := alice.postForm("/account/stats", url.Values{"listed": {"1"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("opt in: %d %s", r.StatusCode, r.Body)
		}
		if placers = section(guest.get("/stats").Body, "stats-top-placers"); !strings.Contains(placers, "alice") {
			t.Errorf("after alice opted in again: %s", placers)
		}
		// Bad input changes nothing; guests have no such setting.
		if r := alice.postForm("/account/stats", url.Values{"listed": {"yes"}}); r.StatusCode != http.StatusBadRequest {
			t.Errorf("listed=yes: %d", r.StatusCode)
		}
		if r := guest.postForm("/account/stats", url.Values{}); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("guest opt-out: %d", r.StatusCode)
		}
	})
}
