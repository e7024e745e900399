package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/faultproxy"
)

// TestEveryRouteWithAStoreDown takes Redis, then PostgreSQL, away (a fault
// proxy that refuses connections) and walks every route of the server as
// a visitor without a cookie, a guest, a player and an admin: a dependency
// that is down is answered 503 (or a cached read), never 500.
func TestEveryRouteWithAStoreDown(t *testing.T) {
	for _, down := range []string{"redis", "postgresql"} {
		t.Run(down, func(t *testing.T) { walkRoutesWithStoreDown(t, down) })
	}
}

func walkRoutesWithStoreDown(t *testing.T, down string) {
	env := newClusterEnv(t)
	redisURL, _ := url.Parse(env.redisURL)
	pgURL, _ := url.Parse(env.databaseURL)
	target := redisURL
	if down == "postgresql" {
		target = pgURL
	}
	proxy, err := faultproxy.New(target.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	target.Host = proxy.Addr()
	srv := startServer(t, func(c *app.Config) {
		c.RedisURL, c.DatabaseURL, c.RedisPrefix = redisURL.String(), pgURL.String(), env.prefix
		c.Cooldown = 0
	})
	anon, guest, player := srv.visitor(t), srv.visitor(t), srv.visitor(t)
	if r := guest.postForm("/place", url.Values{"x": {"1"}, "y": {"1"}, "color": {"3"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("guest placement before the outage: %d %s", r.StatusCode, r.Body)
	}
	player.register("player1", "a long password")
	admin := srv.newAdmin(t, "moderator1")
	adminID := srv.user(t, "moderator1").ID
	visitors := map[string]*visitor{"no cookie": anon, "guest": guest, "player": player, "admin": admin}

	proxy.Refuse()
	for _, r := range srv.Server.Routes().Routes() {
		path := strings.ReplaceAll(r.Path, ":id", adminID)
		if path == "/assets/*" {
			path = "/assets/css/app.css"
		}
		for who, v := range visitors {
			status := v.statusOf(t, r.Method, path)
			if status == http.StatusInternalServerError {
				t.Errorf("%s down: %s %s as %s: 500", down, r.Method, path, who)
			}
		}
	}
	// The two cases that answered wrongly before.
	if down == "redis" {
		if s := anon.statusOf(t, http.MethodPost, "/place"); s != http.StatusServiceUnavailable {
			t.Errorf("form placement without a cookie, Redis down: %d, want 503", s)
		}
		if s := player.statusOf(t, http.MethodGet, "/api/v1/auth/me"); s != http.StatusServiceUnavailable {
			t.Errorf("/api/v1/auth/me with a session, Redis down: %d, want 503", s)
		}
	}
}

// statusOf sends a plausible request for a route (a form or JSON body for
// POSTs) and returns the status; streams are not read.
func (b *visitor) statusOf(t *testing.T, method, path string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body *strings.Reader
	ct := ""
	switch {
	case method != http.MethodPost:
		body = strings.NewReader("")
	case strings.HasPrefix(path, "/api/"):
		body, ct = strings.NewReader(`{"username":"someone","password":"a long password"}`), "application/json"
	default:
		form := url.Values{"x": {"2"}, "y": {"2"}, "color": {"4"}, "username": {"someone"}, "password": {"a long password"}, "reason": {"test"}}
		body, ct = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, method, b.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if !strings.HasPrefix(path, "/api/") {
		req.Header.Set("Accept", "text/html,*/*")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
