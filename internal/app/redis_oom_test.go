package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/testenv"
)

// setMaxmemory sets maxmemory on the test's private Redis: "full" makes it
// refuse every write (OOM), "0" lifts the limit.
func setMaxmemory(t *testing.T, redisURL, limit string) {
	t.Helper()
	c, err := redis.DialURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if limit == "full" {
		info, err := redis.String(c.Do("INFO", "memory"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
				n, _ := strconv.Atoi(v)
				limit = strconv.Itoa(n / 2)
			}
		}
	}
	if _, err := c.Do("CONFIG", "SET", "maxmemory", limit); err != nil {
		t.Fatal(err)
	}
}

// TestClusterRedisAtMaxmemory: a Redis that answers reads but refuses
// writes (maxmemory reached) makes the instance not ready, starting to play
// is answered 503, and a registration refused by it leaves no half-made
// account: once Redis takes writes again, the same registration succeeds.
func TestClusterRedisAtMaxmemory(t *testing.T) {
	redisURL := testenv.PrivateRedis(t)
	env := clusterEnv{redisURL: redisURL, databaseURL: testenv.NewPostgresDatabase(t), prefix: "place_test:oom:"}
	cfg := env.config(t, nil)
	srv := startServer(t, func(c *app.Config) {
		c.RedisURL, c.DatabaseURL, c.RedisPrefix = cfg.RedisURL, cfg.DatabaseURL, cfg.RedisPrefix
	})
	ready := func() int {
		r := srv.visitor(t).getJSON("/readyz")
		return r.StatusCode
	}
	if s := ready(); s != http.StatusOK {
		t.Fatalf("/readyz before: %d", s)
	}

	guest := srv.visitor(t)
	if r := guest.postJSON("/api/v1/session", nil); r.StatusCode != http.StatusOK && r.StatusCode != http.StatusCreated {
		t.Fatalf("starting to play: %d %s", r.StatusCode, r.Body)
	}
	_, before := guest.me()

	setMaxmemory(t, redisURL, "full")
	waitFor(t, "/readyz to answer 503 while Redis refuses writes", 5*time.Second, func() bool { return ready() == http.StatusServiceUnavailable })
	if r := srv.visitor(t).postJSON("/api/v1/session", nil); r.StatusCode != http.StatusServiceUnavailable || errorCode(t, r) != "SERVICE_UNAVAILABLE" {
		t.Errorf("starting to play while Redis refuses writes: %d %s", r.StatusCode, r.Body)
	}
	player := srv.visitor(t)
	creds := map[string]string{"username": "latecomer", "password": "a long password"}
	if r := player.postJSON("/api/v1/auth/register", creds); r.StatusCode != http.StatusServiceUnavailable || errorCode(t, r) != "SERVICE_UNAVAILABLE" {
		t.Fatalf("registering while Redis refuses writes: %d %s, want 503", r.StatusCode, r.Body)
	}

	guestCreds := map[string]string{"username": "upgraded", "password": "a long password"}
	if r := guest.postJSON("/api/v1/auth/register", guestCreds); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a guest registering while Redis refuses writes: %d %s, want 503", r.StatusCode, r.Body)
	}

	setMaxmemory(t, redisURL, "0")
	waitFor(t, "/readyz to answer 200 again", 15*time.Second, func() bool { return ready() == http.StatusOK })
	// The player tries again, as the 503 told them to.
	if r := player.postJSON("/api/v1/auth/register", creds); r.StatusCode != http.StatusOK {
		t.Fatalf("registering again once Redis takes writes: %d %s, want 200", r.StatusCode, r.Body)
	}
	if s, me := player.me(); s != http.StatusOK || me["username"] != "latecomer" || me["isGuest"] != false {
		t.Fatalf("after registering again: %d %v", s, me)
	}
	// The guest's retry finishes its upgrade: the same identity, now the account.
	if r := guest.postJSON("/api/v1/auth/register", guestCreds); r.StatusCode != http.StatusOK {
		t.Fatalf("the guest registering again: %d %s, want 200", r.StatusCode, r.Body)
	}
	if s, me := guest.me(); s != http.StatusOK || me["username"] != "upgraded" || me["userId"] != before["userId"] || me["userId"] == nil {
		t.Fatalf("the guest after registering again: %d %v (before: %v)", s, me, before)
	}
	// The name is still taken for anyone else.
	if r := srv.visitor(t).postJSON("/api/v1/auth/register", map[string]string{"username": "latecomer", "password": "another password"}); r.StatusCode != http.StatusConflict || errorCode(t, r) != "USERNAME_TAKEN" {
		t.Errorf("someone else registering the name: %d %s", r.StatusCode, r.Body)
	}
}
