package app_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/nginxtest"
	"github.com/placecanvas/place/internal/wstest"
)

// TestThroughNginx runs the repository's nginx configuration in front of a
// server: pages, the API and WebSockets (with the browser's Origin, which
// carries nginx's port) work through it.
func TestThroughNginx(t *testing.T) {
	nginxtest.Binary(t)
	ts := start(t, func(c *app.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	px := nginxtest.Start(t, []string{strings.TrimPrefix(ts.URL, "http://")})

	resp, body := get(t, px.URL+"/api/v1/canvas/info", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"width":500`) {
		t.Fatalf("info through nginx: %d %s", resp.StatusCode, body)
	}
	// A body nginx buffers to a temporary file (over 16 KB) reaches the
	// server, which answers it; nginx itself does not fail it.
	big, err := http.Post(px.URL+"/api/v1/session", "application/json", strings.NewReader(`{"pad":"`+strings.Repeat("x", 30<<10)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	big.Body.Close()
	if big.StatusCode >= 500 {
		t.Errorf("a 30 KB body through nginx: %s", big.Status)
	}
	ws := "ws://" + px.Addr + "/ws"
	a := wstest.MustDial(t, ws, wstest.Options{Header: http.Header{"Origin": {px.URL}}, Player: true})
	a.Expect(t, "welcome", 3*time.Second)
	a.Expect(t, "canvas", 3*time.Second)
	b := wstest.MustDial(t, ws, wstest.Options{Header: http.Header{"Origin": {px.URL}}, Binary: true, Player: true})
	b.Expect(t, "welcome", 3*time.Second)
	b.Expect(t, "canvas", 3*time.Second)
	sent := time.Now()
	a.Place(7, 7, 7, "n1")
	a.Expect(t, "success", 3*time.Second)
	m := b.Expect(t, "pixels", 3*time.Second)
	if len(m.Events) != 1 || m.Events[0] != (wstest.Event{X: 7, Y: 7, Color: 7}) {
		t.Errorf("pixels through nginx: %v", m)
	}
	t.Logf("delivery through nginx: %v", m.Received.Sub(sent))
	// A foreign origin is still refused behind the proxy.
	if _, err := wstest.Dial(ws, wstest.Options{Header: http.Header{"Origin": {"http://evil.example"}}}); err == nil {
		t.Error("foreign origin accepted through nginx")
	}
}

// TestSSESurvivesIdleThroughNginx keeps an event stream idle for longer
// than a minute through the repository's nginx configuration: heartbeats
// keep it open and the next placement still arrives on it.
func TestSSESurvivesIdleThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPING: a 65 s idle test in -short mode")
	}
	t.Parallel() // mostly waiting; let the other tests run meanwhile
	nginxtest.Binary(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	px := nginxtest.Start(t, []string{strings.TrimPrefix(ts.URL, "http://")})
	s := openSSE(t, px.URL+"/api/v1/events", nil)
	if s.Resp.StatusCode != 200 || !strings.HasPrefix(s.Resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("through nginx: %d %s", s.Resp.StatusCode, s.Resp.Header.Get("Content-Type"))
	}
	s.none(t, 65*time.Second)
	c, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, c, wstest.Event{X: 4, Y: 5, Color: 6})
	_, seq, events := decodePixels(t, s.next(t, 3*time.Second))
	if seq != 1 || len(events) != 1 || events[0] != (wstest.Event{X: 4, Y: 5, Color: 6}) {
		t.Errorf("after 65 s idle: seq %d, events %v", seq, events)
	}
}
