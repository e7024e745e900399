package app_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/faultproxy"
	"github.com/placecanvas/place/internal/wstest"
)

// TestPlayerWhoseSessionCannotBeRead: a player who connects while the
// session store is down watches the canvas; a placement is answered
// SERVICE_UNAVAILABLE (not UNAUTHORIZED, which would tell them to start
// playing) and the socket closes with 1013 so that the client reconnects;
// once the store is back, the reconnected player places as themself.
func TestPlayerWhoseSessionCannotBeRead(t *testing.T) {
	env := newClusterEnv(t)
	u, _ := url.Parse(env.redisURL)
	proxy, err := faultproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	u.Host = proxy.Addr()
	ts := startWith(t, env.config(t, func(c *app.Config) { c.RedisURL = u.String(); c.Cooldown = 0 }))
	first, w, _ := ts.dialReady(t, wstest.Options{})
	cookie := first.CookieHeader()
	first.Conn.WriteClose(1000, nil)

	proxy.Refuse()
	c := wstest.MustDial(t, ts.WS, wstest.Options{Header: http.Header{"Cookie": {cookie}}})
	c.Expect(t, "welcome", 5*time.Second)
	c.Place(1, 1, 3, "down")
	if code := c.WaitClosed(t, 5*time.Second); code != 1013 {
		t.Errorf("close code %d, want 1013 (try again later)", code)
	}
	// The error came just before the close.
	var e wstest.Msg
	for len(c.Msgs) > 0 && e.Type != "error" {
		e = <-c.Msgs
	}
	if e.Code != "SERVICE_UNAVAILABLE" || e.RequestID != "down" {
		t.Fatalf("placing with the session store down: %v, want SERVICE_UNAVAILABLE", e)
	}

	proxy.Restore()
	waitFor(t, "the player placing again after reconnecting", 15*time.Second, func() bool {
		c, err := wstest.Dial(ts.WS, wstest.Options{Header: http.Header{"Cookie": {cookie}}})
		if err != nil {
			return false
		}
		defer c.Conn.WriteClose(1000, nil)
		m, err := c.Next(3 * time.Second)
		if err != nil || m.Type != "welcome" || m.UserID != w.UserID {
			return false
		}
		c.Place(2, 2, 4, "back")
		for {
			m, err := c.Next(3 * time.Second)
			if err != nil || m.Type == "error" {
				return false
			}
			if m.Type == "success" {
				return true
			}
		}
	})
}
