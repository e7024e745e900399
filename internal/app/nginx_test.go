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
	ws := "ws://" + px.Addr + "/ws"
	a := wstest.MustDial(t, ws, wstest.Options{Header: http.Header{"Origin": {px.URL}}})
	a.Expect(t, "welcome", 3*time.Second)
	a.Expect(t, "canvas", 3*time.Second)
	b := wstest.MustDial(t, ws, wstest.Options{Header: http.Header{"Origin": {px.URL}}, Binary: true})
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
