package handlers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// TestStartingAndDrainingAnswer503: until the instance has started, and
// while it drains, reads and upgrades are answered 503 (a proxy retries
// them elsewhere) while health checks answer and POSTs are served.
func TestStartingAndDrainingAnswer503(t *testing.T) {
	cfg := place.Config{Width: 10, Height: 10, Cooldown: time.Second}
	srv := downServer(t, cfg)
	var started, draining atomic.Bool
	srv.SetStarted(started.Load)
	srv.SetDraining(draining.Load)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	status := func(method, path string) (int, *http.Response, string) {
		t.Helper()
		var body *strings.Reader
		if method == http.MethodPost {
			body = strings.NewReader(url.Values{"x": {"1"}, "y": {"2"}, "color": {"3"}}.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, ts.URL+path, body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp, string(b)
	}
	for _, phase := range []string{"starting", "draining", "serving"} {
		started.Store(phase != "starting")
		draining.Store(phase == "draining")
		for _, path := range []string{"/", "/api/v1/canvas/info", "/history/recent", "/assets/css/app.css"} {
			code, resp, _ := status(http.MethodGet, path)
			if phase == "serving" {
				if code == http.StatusServiceUnavailable && path != "/history/recent" { // history is down in downServer
					t.Errorf("%s: GET %s: 503", phase, path)
				}
				continue
			}
			if code != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: GET %s: %d, Retry-After %q", phase, path, code, resp.Header.Get("Retry-After"))
			}
			if phase == "draining" && !resp.Close {
				t.Errorf("draining: GET %s does not close the connection", path)
			}
		}
		if code, _, _ := status(http.MethodGet, "/healthz"); code != http.StatusOK {
			t.Errorf("%s: /healthz %d", phase, code)
		}
		// The form placement reaches the store (which is down here: 503 from
		// the store, with the form page, not the gate's).
		if code, _, body := status(http.MethodPost, "/place"); code != http.StatusServiceUnavailable || !strings.Contains(body, "Your pixel was not placed") {
			t.Errorf("%s: POST /place %d, not the store's answer", phase, code)
		}
	}
}
