package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/placecanvas/place/internal/app"
)

// /metrics tells the Go version, the start time, open files and
// connections: it is served to a scraper on the same machine and to
// moderators, not to the internet.
func TestMetricsAreNotPublic(t *testing.T) {
	srv, from := fairServer(t, nil)
	isMetrics := func(r response) bool {
		return r.StatusCode == http.StatusOK && strings.Contains(r.Body, "go_goroutines")
	}
	// A local scraper: loopback, no proxy in between.
	if r := srv.visitor(t).get("/metrics"); !isMetrics(r) {
		t.Fatalf("a local scrape: %d %.200s", r.StatusCode, r.Body)
	}
	// Through the proxy, anyone else is refused, also with a forged
	// loopback X-Forwarded-For.
	for _, ip := range []string{"203.0.113.20", "127.0.0.1"} {
		r := from(ip).get("/metrics")
		if r.StatusCode != http.StatusForbidden || strings.Contains(r.Body, "go_goroutines") || r.JSON(t)["code"] != "FORBIDDEN" {
			t.Fatalf("/metrics from %s through the proxy: %d %.200s", ip, r.StatusCode, r.Body)
		}
	}
	player := from("203.0.113.21")
	player.register("metricsplayer", "a fine password")
	if r := player.get("/metrics"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("/metrics for a player: %d", r.StatusCode)
	}
	admin := srv.newAdmin(t, "operator")
	admin.header.Set("X-Forwarded-For", "203.0.113.22")
	if r := admin.get("/metrics"); !isMetrics(r) {
		t.Fatalf("/metrics for a moderator: %d %.200s", r.StatusCode, r.Body)
	}
}

// With --metrics-listen the metrics have their own address and the public
// listener does not know them, not even for a local scraper.
func TestMetricsListen(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
	if r := srv.visitor(t).get("/metrics"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the public listener: %d %.200s", r.StatusCode, r.Body)
	}
	if srv.MetricsAddr() == nil {
		t.Fatal("no metrics listener")
	}
	res, err := http.Get("http://" + srv.MetricsAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("/metrics on --metrics-listen: %d %.200s", res.StatusCode, body)
	}
}
