package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

func banNetwork(t *testing.T, admin *visitor, network, duration, reason string) response {
	t.Helper()
	return admin.postForm("/admin/networks", url.Values{"network": {network}, "duration": {duration}, "reason": {reason}})
}

func TestNetworkBans(t *testing.T) {
	srv, from := fairServer(t, nil)
	admin := srv.newAdmin(t, "mod")
	from("198.51.100.1").register("eve", "long enough")

	if r := banNetwork(t, admin, "203.0.113.0/24", "1h", "spam from a dorm"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("ban: %d %s", r.StatusCode, r.Body)
	}
	page := admin.get("/admin/networks")
	if !strings.Contains(page.Body, "203.0.113.0/24") || !strings.Contains(page.Body, "spam from a dorm") || !strings.Contains(page.Body, `data-testid="flash"`) {
		t.Fatalf("the admin page does not list the ban:\n%s", page.Body)
	}

	// No new guests or accounts from the network; the reason is told.
	if _, res, err := from("203.0.113.5").dialWS(); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("a new guest from a banned network: %v %v", err, res)
	}
	r := from("203.0.113.77").postJSON("/api/v1/auth/register", loginBody("fresh", "long enough"))
	if r.StatusCode != http.StatusForbidden || errorCode(t, r) != "BANNED" || !strings.Contains(r.Body, "spam from a dorm") {
		t.Fatalf("registering from a banned network: %d %s", r.StatusCode, r.Body)
	}
	// Registered players still log in from it; other networks are free.
	from("203.0.113.9").login("eve", "long enough")
	from("203.0.114.5").mustDialWS()

	// An IPv6 address bans its /64.
	banNetwork(t, admin, "2001:db8::1", "24h", "bot")
	if _, res, err := from("2001:db8::ffff").dialWS(); err == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("a new guest from a banned /64: %v", err)
	}
	from("2001:db8:0:1::1").mustDialWS()

	// Bad input is refused with a reason and stores nothing.
	for _, bad := range []url.Values{
		{"network": {"0.0.0.0/0"}, "duration": {"1h"}, "reason": {"all"}},
		{"network": {"nowhere"}, "duration": {"1h"}, "reason": {"x"}},
		{"network": {"198.51.100.0/24"}, "duration": {"forever"}, "reason": {"x"}},
		{"network": {"198.51.100.0/24"}, "duration": {"1h"}, "reason": {" "}},
	} {
		r := admin.postForm("/admin/networks", bad)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, `id="admin-error"`) {
			t.Errorf("ban %v: %d", bad, r.StatusCode)
		}
	}
	bans, err := srv.Store.NetworkBans.NetworkBans(context.Background(), time.Now())
	if err != nil || len(bans) != 2 {
		t.Fatalf("bans stored: %v %v; want 2", bans, err)
	}
	if r := srv.visitor(t).postForm("/admin/networks", url.Values{"network": {"198.51.100.0/24"}, "duration": {"1h"}, "reason": {"x"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("a visitor banned a network: %d", r.StatusCode)
	}

	// Lifting the ban lets new players in again at once.
	id := strconv.FormatInt(bans[1].ID, 10)
	if r := admin.postForm("/admin/networks/"+id+"/lift", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("lift: %d %s", r.StatusCode, r.Body)
	}
	from("203.0.113.5").mustDialWS()
	if r := admin.postForm("/admin/networks/"+id+"/lift", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("lifting a lifted ban: %d", r.StatusCode)
	}

	// Both actions are in the audit log.
	audit := admin.get("/admin/audit").Body
	for _, action := range []string{`data-action="ban-network"`, `data-action="unban-network"`, "<code>203.0.113.0/24</code>"} {
		if !strings.Contains(audit, action) {
			t.Errorf("audit log lacks %s", action)
		}
	}
}

// A ban made through one instance holds on another within a second.
func TestNetworkBanReachesEveryInstance(t *testing.T) {
	env := newClusterEnv(t)
	mutate := func(c *app.Config) { c.TrustedProxies = mustPrefixes("127.0.0.1/32") }
	a := startWith(t, env.config(t, mutate))
	b := startWith(t, env.config(t, mutate))
	srvA := &authServer{App: a.App, URL: a.URL, Host: strings.TrimPrefix(a.URL, "http://")}
	srvB := &authServer{App: b.App, URL: b.URL, Host: strings.TrimPrefix(b.URL, "http://")}
	admin := srvA.newAdmin(t, "mod")
	probe := srvB.visitor(t)
	probe.header.Set("X-Forwarded-For", "203.0.113.5")
	probe.mustDialWS() // reads (and caches) the bans on B before the ban
	if r := banNetwork(t, admin, "203.0.113.0/24", "1h", "spam"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("ban: %d %s", r.StatusCode, r.Body)
	}
	banned := time.Now()
	for {
		fresh := srvB.visitor(t)
		fresh.header.Set("X-Forwarded-For", "203.0.113.6")
		_, res, err := fresh.dialWS()
		if err != nil && res != nil && res.StatusCode == http.StatusForbidden {
			break
		}
		if time.Since(banned) > 1500*time.Millisecond {
			t.Fatalf("instance B still makes guests from the network %v after the ban", time.Since(banned))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
