package app_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place/handlers"
	"github.com/placecanvas/place/internal/app"
)

// fairServer is a server behind a trusted proxy at 127.0.0.1, so that
// tests choose each request's client address with X-Forwarded-For.
func fairServer(t *testing.T, configure func(*app.Config)) (*authServer, func(ip string) *visitor) {
	srv := startServer(t, func(c *app.Config) {
		c.TrustedProxies = mustPrefixes("127.0.0.1/32")
		if configure != nil {
			configure(c)
		}
	})
	return srv, func(ip string) *visitor {
		b := srv.visitor(t)
		b.header.Set("X-Forwarded-For", ip)
		return b
	}
}

// burst sends n requests at once and returns how many got each status.
func burst(n int, send func(i int) response) map[int]int {
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := send(i)
			mu.Lock()
			statuses[r.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// timedLogin logs in while a burst runs and returns how long it took.
func timedLogin(t *testing.T, b *visitor, name, pw string) time.Duration {
	t.Helper()
	time.Sleep(100 * time.Millisecond) // let the burst reach the server first
	return loginTime(t, b, name, pw)
}

func loginTime(t *testing.T, b *visitor, name, pw string) time.Duration {
	t.Helper()
	began := time.Now()
	b.login(name, pw)
	return time.Since(began)
}

// loginBound is how long a login may take during a burst from another
// address. Without the race detector on an idle machine it takes well
// under 500 ms; the bound allows 1 s, or four times one login alone on a
// machine so loaded that that is longer, as the burst's one hash and its
// sixty refusals share the CPU. Waiting behind the burst's hashes instead
// takes many seconds.
func loginBound(t *testing.T, b *visitor, name, pw string) time.Duration {
	t.Helper()
	alone := min(loginTime(t, b, name, pw), loginTime(t, b, name, pw))
	return max(time.Second, 4*alone)
}

func loginBody(name, pw string) map[string]string {
	return map[string]string{"username": name, "password": pw}
}

func TestConcurrentLoginsCountEachAttempt(t *testing.T) {
	_, from := fairServer(t, nil)
	from("198.51.100.1").register("target", "right password")
	from("198.51.100.2").register("bystander", "bystander password")
	from("198.51.100.3").register("third", "third password")

	// 60 guesses for one account from 60 addresses at once: the account's
	// ceiling of 20 holds, however the requests interleave.
	got := burst(60, func(i int) response {
		return from("192.0.2."+strconv.Itoa(i+1)).postJSON("/api/v1/auth/login", loginBody("target", "guess"))
	})
	if got[http.StatusUnauthorized] > 20 || got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != 60 {
		t.Fatalf("60 parallel guesses from 60 addresses: %v; want at most 20 checked (401), the rest 429", got)
	}
	if r := from("192.0.2.200").postJSON("/api/v1/auth/login", loginBody("target", "right password")); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after the ceiling, the right password: %d %s", r.StatusCode, r.Body)
	}

	// From one address past its limit for the account, a burst with the
	// right password among 60 never logs in; another address meanwhile
	// logs in at once.
	attacker := "203.0.113.7"
	for i := range 5 {
		from(attacker).postJSON("/api/v1/auth/login", loginBody("bystander", "guess "+strconv.Itoa(i)))
	}
	var took time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); took = timedLogin(t, from("198.51.100.9"), "third", "third password") }()
	got = burst(60, func(i int) response {
		pw := "guess"
		if i == 30 {
			pw = "bystander password"
		}
		return from(attacker).postJSON("/api/v1/auth/login", loginBody("bystander", pw))
	})
	wg.Wait()
	if got[http.StatusOK] != 0 || got[http.StatusTooManyRequests] != 60 {
		t.Fatalf("60 parallel logins after the limit: %v; want all 429", got)
	}
	if took > 500*time.Millisecond {
		t.Errorf("a login from another address took %v during the burst; want under 500 ms", took)
	}
}

// A burst that reaches bcrypt (one address registering, or spraying
// logins over many names) holds at most one hash at a time, so it does not
// delay other addresses' logins: without that bound, the burst's sixty
// hashes queue ahead of them.
func TestPasswordWorkIsBoundedPerAddress(t *testing.T) {
	_, from := fairServer(t, func(c *app.Config) { c.BcryptCost = 6 })
	from("198.51.100.1").register("honest", "honest password")
	bound := loginBound(t, from("198.51.100.3"), "honest", "honest password")
	for _, tc := range []struct {
		name string
		send func(i int) response
	}{
		{"registrations", func(i int) response {
			return from("203.0.113.51").postJSON("/api/v1/auth/register", loginBody("new"+strconv.Itoa(i), "long enough"))
		}},
		{"logins", func(i int) response {
			return from("203.0.113.50").postJSON("/api/v1/auth/login", loginBody("user"+strconv.Itoa(i), "guess"))
		}},
	} {
		var took time.Duration
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); took = timedLogin(t, from("198.51.100.3"), "honest", "honest password") }()
		got := burst(60, tc.send)
		wg.Wait()
		if got[http.StatusTooManyRequests] == 0 || got[http.StatusOK]+got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != 60 {
			t.Errorf("60 parallel %s from one address: %v; want some refused with 429 at once", tc.name, got)
		}
		if took > bound {
			t.Errorf("a login from another address took %v during a burst of %s; want under %v", took, tc.name, bound)
		}
		t.Logf("a login from another address took %v during a burst of %s", took, tc.name)
	}
}

func TestIdentitiesAreLimitedPerNetwork(t *testing.T) {
	_, from := fairServer(t, func(c *app.Config) {
		c.GuestLimit = 2
		c.NetworkAllowances = []handlers.NetworkAllowance{{Network: netip.MustParsePrefix("10.1.0.0/16"), Limit: 4}}
	})
	refused := func(what string, r response) {
		t.Helper()
		if r.StatusCode != http.StatusTooManyRequests || errorCode(t, r) != "RATE_LIMITED" {
			t.Fatalf("%s: %d %s; want 429 RATE_LIMITED", what, r.StatusCode, r.Body)
		}
	}
	register := func(b *visitor, name string) response {
		return b.postJSON("/api/v1/auth/register", loginBody(name, "long enough"))
	}

	// A logged-in user registering another account makes a new identity.
	bob := from("203.0.113.20")
	bob.register("bob", "long enough")
	bob.register("bob2", "long enough")
	refused("a third account from one address", register(bob, "bob3"))
	refused("a fresh browser from that address", register(from("203.0.113.20"), "bob4"))
	if _, res, err := from("203.0.113.20").dialWS(); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a new guest from a full address: %v %v", err, res)
	}
	// Registered users of that network still log in.
	b := from("203.0.113.20")
	b.login("bob", "long enough")
	if status, me := b.me(); status != http.StatusOK || me["username"] != "bob" {
		t.Fatalf("login from a full address: %d %v", status, me)
	}

	// A guest becoming an account is not a new identity.
	carol := from("203.0.113.30")
	carol.mustDialWS()
	carol.register("carol", "long enough")
	from("203.0.113.30").mustDialWS()
	if _, res, err := from("203.0.113.30").dialWS(); err == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a third identity from one address: %v", err)
	}

	// A network with an allowance has its own limit per address.
	for i := range 4 {
		from("10.1.2.3").register("school"+strconv.Itoa(i), "long enough")
	}
	refused("beyond the network's allowance", register(from("10.1.2.3"), "school4"))
	from("10.2.0.1").mustDialWS()
	from("10.2.0.1").mustDialWS()
	refused("outside the allowance", register(from("10.2.0.1"), "outsider"))
}

func TestGuestNamesAreReserved(t *testing.T) {
	_, from := fairServer(t, nil)
	for _, name := range []string{"Guest_abcdef", "guest_x", "GUEST_Admin"} {
		r := from("198.51.100.1").postJSON("/api/v1/auth/register", loginBody(name, "long enough"))
		if r.StatusCode != http.StatusBadRequest || errorCode(t, r) != "VALIDATION_ERROR" || !strings.Contains(r.Body, "Guest_") {
			t.Errorf("register %s: %d %s", name, r.StatusCode, r.Body)
		}
	}
	from("198.51.100.1").register("Guestbook", "long enough") // only the prefix with _ is kept
}

// deviceCookie returns the device cookie a response set, or nil.
func deviceCookie(r response) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == "device" {
			return c
		}
	}
	return nil
}

// deviceOf returns the device id the server reads from a cookie value.
func deviceOf(t *testing.T, srv *authServer, value string) (string, bool) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.AddCookie(&http.Cookie{Name: "device", Value: value})
	return srv.Server.DeviceID(req)
}

func TestDeviceCookie(t *testing.T) {
	cfg := app.Defaults()
	cfg.DataDir, cfg.Addr, cfg.GuestLimit, cfg.BcryptCost = t.TempDir(), "127.0.0.1:0", 0, 4
	ts := startWith(t, cfg)
	srv := &authServer{App: ts.App, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "http://"), Cfg: cfg}
	b := srv.visitor(t)
	b.register("dora", "long enough")
	r := b.postJSON("/api/v1/auth/login", loginBody("dora", "long enough"))
	ck := deviceCookie(r)
	if ck == nil {
		t.Fatalf("login set no device cookie: %v", r.Header.Values("Set-Cookie"))
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge < 300*24*3600 || ck.Path != "/" {
		t.Errorf("device cookie %+v; want HttpOnly, SameSite=Lax, Path=/, a lifetime of about 400 days", ck)
	}
	id, ok := deviceOf(t, srv, ck.Value)
	if !ok || id == "" {
		t.Fatalf("the server does not accept its own device cookie %q", ck.Value)
	}

	// Logging out and in again keeps the device.
	b.postJSON("/api/v1/auth/logout", nil)
	if again := deviceCookie(b.postJSON("/api/v1/auth/login", loginBody("dora", "long enough"))); again == nil {
		t.Fatal("a second login set no device cookie")
	} else if got, _ := deviceOf(t, srv, again.Value); got != id {
		t.Fatalf("the device changed across logout and login: %q, then %q", id, got)
	}

	// A tampered cookie is not read, and is replaced by a new device.
	tampered := ck.Value[:len(ck.Value)-2] + "xx"
	if _, ok := deviceOf(t, srv, tampered); ok {
		t.Fatal("a tampered device cookie was accepted")
	}
	c := srv.visitor(t)
	u, _ := url.Parse(srv.URL)
	c.jar.SetCookies(u, []*http.Cookie{{Name: "device", Value: tampered, Path: "/"}})
	fresh := deviceCookie(c.postJSON("/api/v1/auth/login", loginBody("dora", "long enough")))
	if fresh == nil {
		t.Fatal("no device cookie replaced a tampered one")
	}
	if got, ok := deviceOf(t, srv, fresh.Value); !ok || got == id {
		t.Fatalf("a tampered cookie got device %q (ok %v); want a new valid one", got, ok)
	}

	// Reading pages makes no device cookie, as it makes no session.
	if ck := deviceCookie(srv.visitor(t).get("/")); ck != nil {
		t.Errorf("GET / set a device cookie")
	}

	// The key outlives the process.
	ts.Stop(t)
	srv2 := startServer(t, func(c *app.Config) { c.DataDir, c.Width, c.Height = cfg.DataDir, cfg.Width, cfg.Height })
	if got, ok := deviceOf(t, srv2, ck.Value); !ok || got != id {
		t.Fatalf("after a restart the device cookie reads as %q, %v; want %q", got, ok, id)
	}
}
