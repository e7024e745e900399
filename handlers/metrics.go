package handlers

import (
	"net"
	"net/http"
	"net/netip"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/placecanvas/place"
)

// metricsHandler writes the process's metrics in Prometheus text format.
var metricsHandler = promhttp.Handler()

// MetricsHandler serves the metrics alone, for a listener of their own
// (--metrics-listen).
func MetricsHandler() http.Handler { return metricsHandler }

// metrics serves GET /metrics on the public listener. The metrics tell the
// Go version, the start time, open files, connections and bytes, which are
// nobody else's business: with --metrics-listen they are served there and
// this route is 404; otherwise only to a scraper on this machine (a
// loopback connection that came through no proxy) and to moderators.
func (s *ops) metrics(c echo.Context) error {
	if s.metricsElsewhere {
		return place.Errorf(place.ENOTFOUND, "Not found.")
	}
	if !localScrape(c.Request()) && !s.viewerIsAdmin(c) {
		return place.Errorf(place.EFORBIDDEN, "The metrics are served only to moderators and to scrapers on this machine; see --metrics-listen.")
	}
	metricsHandler.ServeHTTP(c.Response(), c.Request())
	return nil
}

// localScrape reports whether r came straight from this machine: a
// loopback peer without a proxy's forwarding headers. Behind a proxy on
// the same machine every request comes from loopback, so the headers the
// proxy adds (deploy/nginx.conf sets X-Forwarded-For) tell them apart.
func localScrape(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
