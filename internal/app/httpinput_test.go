package app_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/wstest"
)

// TestBodyTooLargeIs413: a body over 64 KiB is refused with 413 and the
// usual error shape, whether its length is announced or it comes chunked,
// on the API and on forms.
func TestBodyTooLargeIs413(t *testing.T) {
	ts := start(t, nil)
	big := `{"username":"someone","password":"` + strings.Repeat("a", 70<<10) + `"}`
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.MultiReader(strings.NewReader(big)) // no known length: sent chunked
		}
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/auth/login", body)
		req.Header.Set("Content-Type", "application/json")
		resp, b := roundTrip(t, req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(b, []byte(`"code":"VALIDATION_ERROR"`)) {
			t.Errorf("chunked %v: %d %s", chunked, resp.StatusCode, b)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/place", strings.NewReader("x=1&y=1&color=1&pad="+strings.Repeat("a", 70<<10)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	if resp, b := roundTrip(t, req); resp.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(b, []byte("too large")) {
		t.Errorf("form: %d %s", resp.StatusCode, b)
	}
	// Just under the limit is read as usual (and refused for what it says).
	req, _ = http.NewRequest(http.MethodPost, ts.URL+"/api/v1/auth/login", strings.NewReader(`{"username":"someone","password":"`+strings.Repeat("a", 60<<10)+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, b := roundTrip(t, req); resp.StatusCode == http.StatusRequestEntityTooLarge || resp.StatusCode >= 500 {
		t.Errorf("60 KiB body: %d %s", resp.StatusCode, b)
	}
}

// TestSeqBeyondInt64Is400: before and since are placement numbers, stored
// as signed 64-bit integers; a larger number is refused, not wrapped.
func TestSeqBeyondInt64Is400(t *testing.T) {
	ts := start(t, nil)
	const tooBig, largest = "9223372036854775808", "9223372036854775807"
	for _, path := range []string{"/history/recent?before=", "/history?x=1&y=1&before=", "/api/v1/events?since="} {
		if resp, b := get(t, ts.URL+path+tooBig, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s2^63: %d %s", path, resp.StatusCode, b)
		}
	}
	for _, path := range []string{"/history/recent?before=", "/history?x=1&y=1&before="} {
		if resp, b := get(t, ts.URL+path+largest, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s2^63-1: %d %s", path, resp.StatusCode, b)
		}
	}
	if _, err := wstest.Dial(ts.WS+"?since=18446744073709551615", wstest.Options{}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("WebSocket since=2^64-1: %v, want 400", err)
	}
}

// TestControlPingsAreFloodLimited: WebSocket control pings count toward
// the flood limit like messages; a flood of them closes the connection.
func TestControlPingsAreFloodLimited(t *testing.T) {
	ts := start(t, nil)
	c, _, _ := ts.dialReady(t, wstest.Options{})
	for range 30 {
		if err := c.Conn.WritePing(nil); err != nil {
			t.Fatal(err)
		}
	}
	if m := c.Expect(t, "error", 2*time.Second); m.Code != "TOO_MANY_MESSAGES" {
		t.Errorf("after 30 pings in a second: %v", m)
	}
	for range 250 {
		if err := c.Conn.WritePing(nil); err != nil {
			break
		}
	}
	if code := c.WaitClosed(t, 5*time.Second); code != 1008 {
		t.Errorf("close code %d after a ping flood, want 1008", code)
	}
}
