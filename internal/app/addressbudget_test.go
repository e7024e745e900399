package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place/handlers"
	"github.com/placecanvas/place/internal/app"
)

// budgetConfig is the address budget as it ships (3 players' worth per
// address), with a 1 s cooldown to keep the test short, behind a trusted
// proxy so that each client chooses its address, and with 10.0.0.0/8
// declared (--network-allowance) as a classroom.
func budgetConfig(c *app.Config) {
	c.TrustedProxies = mustPrefixes("127.0.0.1/32")
	c.Cooldown = time.Second
	c.AddressPlayers = 3
	c.NetworkAllowances = []handlers.NetworkAllowance{{Network: mustPrefixes("10.0.0.0/8")[0], Limit: 0}}
}

// The measure of done, in both modes: 30 scripted identities from
// one address land at most 3 players' worth over 8 cooldowns while one
// honest player on another address lands all 8, and 30 identities on a
// declared network land at least 7 of 8 each.
func TestAddressBudgetHoldsACrowd(t *testing.T) {
	modes := map[string]func(t *testing.T) *authServer{
		"embedded": func(t *testing.T) *authServer { return startServer(t, budgetConfig) },
		"cluster": func(t *testing.T) *authServer {
			cfg := newClusterEnv(t).config(t, func(c *app.Config) {
				c.Width, c.Height, c.BatchInterval = 16, 16, 5*time.Millisecond
				budgetConfig(c)
			})
			ts := startWith(t, cfg)
			return &authServer{App: ts.App, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "http://"), Cfg: cfg}
		},
	}
	for name, startMode := range modes {
		t.Run(name, func(t *testing.T) {
			srv := startMode(t)
			player := func(ip string) *wsPeer {
				v := srv.visitor(t)
				v.header.Set("X-Forwarded-For", ip)
				return v.mustDialWS()
			}
			type group struct {
				name    string
				players []*wsPeer
				landed  []atomic.Int64
			}
			newGroup := func(name string, n int, ip func(i int) string) *group {
				g := &group{name: name, landed: make([]atomic.Int64, n)}
				for i := range n {
					g.players = append(g.players, player(ip(i)))
				}
				return g
			}
			crowd := newGroup("crowd", 30, func(int) string { return "203.0.113.50" })
			honest := newGroup("honest", 1, func(int) string { return "198.51.100.9" })
			class := newGroup("classroom", 30, func(int) string { return "10.1.2.3" })
			groups := []*group{crowd, honest, class}

			// Every identity plays for 8 cooldowns: the honest ones place
			// whenever their cooldown allows (nextPlacement); the crowd's
			// script tries again every 100 ms when its address is refused.
			const rounds = 8
			refusals := map[string]int{}
			var mu sync.Mutex
			began := time.Now()
			end := began.Add(rounds * time.Second)
			var wg sync.WaitGroup
			for gi, g := range groups {
				for i, p := range g.players {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for time.Now().Before(end) {
							m := p.place(t, i%16, gi, int(time.Since(began)/time.Second)%16)
							wait := 100 * time.Millisecond
							if m["type"] == "success" {
								// Counted when the server placed it within the
								// 8 cooldowns (one sent at their very end lands
								// in the ninth).
								if at, _ := m["serverTime"].(float64); time.UnixMilli(int64(at)).Before(end) {
									g.landed[i].Add(1)
								}
								next, _ := m["nextPlacement"].(float64)
								wait = time.Until(time.UnixMilli(int64(next)))
							} else {
								mu.Lock()
								refusals[fmt.Sprint(g.name, " ", m["code"])]++
								mu.Unlock()
							}
							time.Sleep(wait)
						}
					}()
				}
			}
			wg.Wait()
			total := func(g *group) (n int64) {
				for i := range g.landed {
					n += g.landed[i].Load()
				}
				return n
			}
			t.Logf("landed in %d cooldowns: crowd %d, honest %d, classroom %d; refusals %v", rounds, total(crowd), total(honest), total(class), refusals)
			if n := total(crowd); n > 3*rounds {
				t.Errorf("30 identities on one address landed %d pixels in %d cooldowns, want at most %d (3 players' worth)", n, rounds, 3*rounds)
			}
			if n := total(crowd); n < 2*rounds {
				t.Errorf("the crowd's address landed %d pixels, want about 3 players' worth (at least %d)", n, 2*rounds)
			}
			if refusals["crowd ADDRESS_BUDGET"] == 0 {
				t.Errorf("no ADDRESS_BUDGET refusal for the crowd: %v", refusals)
			}
			if n := total(honest); n != rounds {
				t.Errorf("the honest player landed %d of %d", n, rounds)
			}
			for i := range class.landed {
				if n := class.landed[i].Load(); n < rounds-1 {
					t.Errorf("classroom identity %d landed %d of %d, want at least %d", i, n, rounds, rounds-1)
				}
			}
		})
	}
}

// The form that places without JavaScript says it too: the fourth guest on
// an address within a cooldown gets 429 ADDRESS_BUDGET with Retry-After and
// what to do, and its pixel is not placed.
func TestAddressBudgetRefusalOnTheForm(t *testing.T) {
	srv := startServer(t, func(c *app.Config) {
		budgetConfig(c)
		c.Cooldown = time.Minute
	})
	for i := range 4 {
		v := srv.visitor(t)
		v.header.Set("X-Forwarded-For", "203.0.113.77")
		r := v.postForm("/place", url.Values{"x": {fmt.Sprint(i)}, "y": {"5"}, "color": {"5"}})
		if i < 3 {
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("guest %d: %d %.300s", i, r.StatusCode, r.Body)
			}
			continue
		}
		if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.Body, "ADDRESS_BUDGET") || !strings.Contains(r.Body, "register an account") {
			t.Fatalf("fourth guest: %d %.2000s", r.StatusCode, r.Body)
		}
		if ra := r.Header.Get("Retry-After"); ra != "60" {
			t.Fatalf("Retry-After %q, want 60", ra)
		}
	}
	canvas := srv.visitor(t).get("/api/v1/canvas")
	if canvas.Body[5*16+3] != 0 {
		t.Fatalf("the refused pixel was placed")
	}
	wantMetrics(t, srv, `place_fairplay_total{outcome="shared",rule="address_budget"}`, `place_fairplay_total{outcome="refused",rule="address_budget"}`)
}

// wantMetrics checks that /metrics has each series with a count of at
// least one (the counters are the process's, shared by the tests).
func wantMetrics(t *testing.T, srv *authServer, series ...string) {
	t.Helper()
	body := srv.visitor(t).get("/metrics").Body
	for _, name := range series {
		i := strings.Index(body, name+" ")
		if i < 0 {
			t.Errorf("/metrics has no %s", name)
			continue
		}
		line, _, _ := strings.Cut(body[i+len(name)+1:], "\n")
		if line == "0" {
			t.Errorf("/metrics: %s is 0", name)
		}
	}
}
