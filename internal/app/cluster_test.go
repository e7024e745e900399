package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/faultproxy"
	"github.com/placecanvas/place/internal/nginxtest"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/internal/wstest"
)

// clusterEnv is one test's share of the machine's Redis and PostgreSQL: its
// own database and key prefix, removed at the end.
type clusterEnv struct {
	redisURL, databaseURL, prefix string
}

func newClusterEnv(t testing.TB) clusterEnv {
	t.Helper()
	return clusterEnv{redisURL: testenv.RedisURL(t), databaseURL: testenv.NewPostgresDatabase(t), prefix: testenv.RedisPrefix(t)}
}

func (e clusterEnv) config(t testing.TB, mutate func(*app.Config)) app.Config {
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.GuestLimit = 0
	cfg.AddressPlayers = 0
	cfg.ChallengeBits = 0
	cfg.BcryptCost = 4
	cfg.RedisURL, cfg.DatabaseURL, cfg.RedisPrefix = e.redisURL, e.databaseURL, e.prefix
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.DrainPeriod = 0
	if mutate != nil {
		mutate(&cfg)
	}
	return cfg
}

// storedPlacements counts the history rows in PostgreSQL.
func (e clusterEnv) storedPlacements(t *testing.T) (count, maxSeq int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, e.databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM placements`).Scan(&count, &maxSeq); err != nil {
		t.Fatal(err)
	}
	return count, maxSeq
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestClusterTwoInstancesShareOneCanvas(t *testing.T) {
	env := newClusterEnv(t)
	one := startWith(t, env.config(t, nil))
	two := startWith(t, env.config(t, nil))

	a, _, _ := one.dialReady(t, wstest.Options{})
	b, _, _ := two.dialReady(t, wstest.Options{Binary: true})
	sent := time.Now()
	a.Place(3, 4, 5, "a1")
	a.Expect(t, "success", 3*time.Second)
	m := b.Expect(t, "pixels", 3*time.Second)
	if lat := m.Received.Sub(sent); lat > 100*time.Millisecond {
		t.Errorf("a pixel placed through instance 1 reached instance 2 after %v, want ≤ 100ms", lat)
	}
	if len(m.Events) != 1 || m.Events[0] != (wstest.Event{X: 3, Y: 4, Color: 5}) || m.Seq != 1 {
		t.Errorf("instance 2 got %v", m)
	}
	b.Place(6, 7, 8, "b1")
	b.Expect(t, "success", 3*time.Second)
	// Instance 1 may batch both placements in one tick, and its own pixel's
	// broadcast may come after its success; the chain ends at 2.
	if m := a.ExpectThrough(t, 2, 3*time.Second); m.Seq != 2 || m.Events[len(m.Events)-1] != (wstest.Event{X: 6, Y: 7, Color: 8}) {
		t.Errorf("instance 1 got %v", m)
	}
	// The same cooldown everywhere: one user, two instances.
	c := wstest.MustDial(t, two.WS, wstest.Options{Header: http.Header{"Cookie": {a.CookieHeader()}}})
	c.Expect(t, "welcome", 3*time.Second)
	c.Expect(t, "canvas", 3*time.Second)
	c.Place(1, 1, 1, "c1")
	if e := c.Expect(t, "error", 3*time.Second); e.Code != "RATE_LIMITED" {
		t.Errorf("the same session on the other instance: %v", e)
	}

	// Through nginx in front of both.
	px := nginxtest.Start(t, []string{strings.TrimPrefix(one.URL, "http://"), strings.TrimPrefix(two.URL, "http://")})
	for i := 0; i < 4; i++ { // round robin: both instances answer
		v := wstest.MustDial(t, "ws://"+px.Addr+"/ws", wstest.Options{Header: http.Header{"Origin": {px.URL}}, Player: true})
		v.Expect(t, "welcome", 3*time.Second)
		if f := v.Expect(t, "canvas", 3*time.Second); f.Seq != 2 || f.Pixels[4*500+3] != 5 || f.Pixels[7*500+6] != 8 {
			t.Errorf("canvas through nginx: %v", f)
		}
	}
}

// client is a plain HTTP client with a cookie jar that does not follow redirects.
func client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func postJSON(t *testing.T, c *http.Client, u string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := c.Post(u, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func cookieFor(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range c.Jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

func TestClusterBanThroughOneInstanceClosesSocketOnTheOther(t *testing.T) {
	env := newClusterEnv(t)
	one := startWith(t, env.config(t, nil))
	two := startWith(t, env.config(t, nil))

	victim := client()
	if r := postJSON(t, victim, two.URL+"/api/v1/auth/register", map[string]string{"username": "vandal", "password": "a long password"}); r.StatusCode != 200 {
		t.Fatalf("register: %d", r.StatusCode)
	}
	sock := wstest.MustDial(t, two.WS, wstest.Options{Header: http.Header{"Cookie": {cookieFor(victim, two.URL)}}})
	if w := sock.Expect(t, "welcome", 3*time.Second); w.Username != "vandal" {
		t.Fatalf("victim connected as %q", w.Username)
	}

	mod := client()
	if r := postJSON(t, mod, one.URL+"/api/v1/auth/register", map[string]string{"username": "moderator", "password": "another long password"}); r.StatusCode != 200 {
		t.Fatalf("register: %d", r.StatusCode)
	}
	ctx := context.Background()
	m, _ := one.App.Store.Users.UserByName(ctx, "moderator")
	if err := one.App.Store.Users.SetAdmin(ctx, m.ID, true); err != nil {
		t.Fatal(err)
	}
	v, _ := one.App.Store.Users.UserByName(ctx, "vandal")
	start := time.Now()
	resp, err := mod.PostForm(one.URL+"/admin/users/"+v.ID+"/ban", url.Values{"reason": {"vandalism"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusOK {
		t.Fatalf("ban: %d", resp.StatusCode)
	}
	if code := sock.WaitClosed(t, 2*time.Second); code != 1008 {
		t.Errorf("victim's socket on the other instance closed with %d, want 1008", code)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("victim's socket on the other instance closed %v after the ban", d)
	}
	// Login through either instance is refused.
	if r := postJSON(t, client(), two.URL+"/api/v1/auth/login", map[string]string{"username": "vandal", "password": "a long password"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("login after ban: %d", r.StatusCode)
	}
}

func TestClusterRedisOutage(t *testing.T) {
	env := newClusterEnv(t)
	u, _ := url.Parse(env.redisURL)
	proxy, err := faultproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	u.Host = proxy.Addr()
	ts := startWith(t, env.config(t, func(c *app.Config) { c.RedisURL = u.String(); c.Cooldown = 0 }))
	c, _, _ := ts.dialReady(t, wstest.Options{})
	c.Place(1, 1, 3, "before")
	c.Expect(t, "success", 3*time.Second)
	waitFor(t, "the pixel in the hub", 2*time.Second, func() bool { return ts.App.Hub.Seq() == 1 })

	proxy.Cut()
	for i := 0; i < 8; i++ {
		start := time.Now()
		c.Place(2, 2, 4, fmt.Sprint("cut", i))
		e := c.Expect(t, "error", 3*time.Second)
		if e.Code != "SERVICE_UNAVAILABLE" {
			t.Fatalf("placement while Redis is cut: %v", e)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("placement %d took %v to fail, want well under a second", i, d)
		}
	}
	resp, _ := get(t, ts.URL+"/readyz", nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while Redis is cut: %d", resp.StatusCode)
	}
	resp, body := get(t, ts.URL+"/api/v1/canvas", nil)
	if resp.StatusCode != 200 || len(body) != 500*500 || body[500+1] != 3 {
		t.Errorf("canvas while Redis is cut: %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, page := get(t, ts.URL+"/", http.Header{"Accept": {"text/html"}})
	if resp.StatusCode != 200 || !strings.Contains(string(page), `data-testid="canvas"`) {
		t.Errorf("page while Redis is cut: %d", resp.StatusCode)
	}

	proxy.Restore()
	waitFor(t, "placing to work again", 15*time.Second, func() bool {
		c.Place(5, 5, 6, "after")
		m, err := c.Next(3 * time.Second)
		for err == nil && m.Type == "pixels" {
			m, err = c.Next(3 * time.Second)
		}
		return err == nil && m.Type == "success"
	})
	waitFor(t, "readiness", 10*time.Second, func() bool {
		resp, _ := get(t, ts.URL+"/readyz", nil)
		return resp.StatusCode == 200
	})
}

func TestClusterRestoresCanvasFromPostgreSQLWhenRedisIsEmptied(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Cooldown = 0 })
	ts := startWith(t, cfg)
	c, _, _ := ts.dialReady(t, wstest.Options{})
	const n = 60
	for i := 0; i < n; i++ {
		c.Place(i%50, i/50, 1+i%15, fmt.Sprint(i))
		c.Expect(t, "success", 3*time.Second)
		if i%15 == 14 {
			time.Sleep(time.Second) // the flood limit
		}
	}
	waitFor(t, "history in PostgreSQL", 10*time.Second, func() bool { n2, _ := env.storedPlacements(t); return n2 == n })
	waitFor(t, "the hub", 2*time.Second, func() bool { return ts.App.Hub.Seq() == n })
	_, before := get(t, ts.URL+"/api/v1/canvas", nil)
	ts.Stop(t)

	if err := testenv.DeleteRedisKeys(env.redisURL, env.prefix); err != nil {
		t.Fatal(err)
	}
	ts2 := startWith(t, cfg)
	resp, after := get(t, ts2.URL+"/api/v1/canvas", nil)
	if resp.Header.Get("X-Canvas-Seq") != fmt.Sprint(n) || string(after) != string(before) {
		t.Fatalf("after emptying Redis: seq %s, canvas equal %v", resp.Header.Get("X-Canvas-Seq"), string(after) == string(before))
	}
	d, _, _ := ts2.dialReady(t, wstest.Options{})
	// A viewer sees the broadcast; the placer's own may come before its
	// success (which Expect would skip).
	v, _, _ := ts2.dialReady(t, wstest.Options{})
	d.Place(499, 499, 2, "next")
	d.Expect(t, "success", 3*time.Second)
	if m := v.Expect(t, "pixels", 3*time.Second); m.Seq != n+1 {
		t.Errorf("next placement got seq %d, want %d", m.Seq, n+1)
	}
}
