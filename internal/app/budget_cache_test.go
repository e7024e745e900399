package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strconv"
	"testing"
)

// TestExpensiveResponsesAreCachedRatedAndRefused: an answer computed once
// is served again from the cache without counting against the address's
// rate; past the rate the address gets 429 with Retry-After while others
// are served; with the budget spent, 503 with Retry-After, and cached
// answers still come.
func TestExpensiveResponsesAreCachedRatedAndRefused(t *testing.T) {
	cfg := seedCanvas(t, 64, 200)
	cfg.BudgetPerMinute, cfg.BudgetWorkers = 5, 1
	ts := startWith(t, cfg)
	from := func(addr, path string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("X-Forwarded-For", addr)
		return roundTrip(t, req)
	}
	errorCode := func(body []byte) string {
		var e struct{ Code string }
		_ = json.Unmarshal(body, &e)
		return e.Code
	}

	first, want := from("10.5.0.1", "/api/v1/canvas.png?at=10&scale=2")
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first: %d %s", first.StatusCode, want)
	}
	for i := range 10 {
		if r, body := from("10.5.0.1", "/api/v1/canvas.png?at=10&scale=2"); r.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
			t.Fatalf("cached request %d: %d, same image %v", i, r.StatusCode, bytes.Equal(body, want))
		}
	}
	for seq := 11; seq <= 14; seq++ { // 5 computed in all
		if r, body := from("10.5.0.1", fmt.Sprintf("/api/v1/canvas.png?at=%d", seq)); r.StatusCode != http.StatusOK {
			t.Fatalf("at=%d: %d %s", seq, r.StatusCode, body)
		}
	}
	for _, path := range []string{"/api/v1/canvas.png?at=15", "/api/v1/overlay/heatmap.png"} {
		r, body := from("10.5.0.1", path)
		retry, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		if r.StatusCode != http.StatusTooManyRequests || errorCode(body) != "RATE_LIMITED" || retry < 1 || retry > 12 {
			t.Fatalf("%s past the rate: %d %s Retry-After %q; want 429 RATE_LIMITED within 12 s", path, r.StatusCode, body, r.Header.Get("Retry-After"))
		}
	}
	if r, _ := from("10.5.0.1", "/api/v1/canvas.png?at=10&scale=2"); r.StatusCode != http.StatusOK {
		t.Fatalf("a cached answer past the rate: %d", r.StatusCode)
	}
	// The timelapse player's frames (binary, a few a second while it
	// plays) are under the budget but not the rate.
	for seq := 20; seq < 30; seq++ {
		if r, body := from("10.5.0.1", fmt.Sprintf("/api/v1/canvas?at=%d", seq)); r.StatusCode != http.StatusOK {
			t.Fatalf("binary frame at=%d past the rate: %d %s", seq, r.StatusCode, body)
		}
	}
	if r, body := from("10.5.0.2", "/api/v1/canvas.png?at=15"); r.StatusCode != http.StatusOK {
		t.Fatalf("another address: %d %s", r.StatusCode, body)
	}

	// The budget spent (its one worker taken), a new computation waits
	// briefly and is refused; cached answers still come.
	release, err := ts.App.Budget.Acquire(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/canvas.png?at=16", "/api/v1/overlay/virgin.png", "/api/v1/canvas?at=16"} {
		r, body := from("10.5.0.3", path)
		if r.StatusCode != http.StatusServiceUnavailable || errorCode(body) != "SERVICE_UNAVAILABLE" || r.Header.Get("Retry-After") == "" {
			release()
			t.Fatalf("%s with the budget spent: %d %s Retry-After %q; want 503 SERVICE_UNAVAILABLE with Retry-After", path, r.StatusCode, body, r.Header.Get("Retry-After"))
		}
	}
	if r, _ := from("10.5.0.4", "/api/v1/canvas.png?at=15"); r.StatusCode != http.StatusOK {
		t.Errorf("a cached answer with the budget spent: %d", r.StatusCode)
	}
	release()
	if r, body := from("10.5.0.4", "/api/v1/canvas.png?at=16"); r.StatusCode != http.StatusOK {
		t.Fatalf("after the budget freed up: %d %s", r.StatusCode, body)
	}
}

// encodePNG encodes img as image/png does (16 bits a channel for
// NRGBA64).
func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
