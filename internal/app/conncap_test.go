package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

// openCappedSSE opens the event stream from ip with the visitor's session (if
// any); it returns the status and a function that ends the stream.
func openCappedSSE(t *testing.T, b *visitor) (int, map[string]any, func()) {
	t.Helper()
	return openCappedStream(t, b, "/api/v1/events")
}

// openCappedStream opens the event stream at path as openCappedSSE does.
func openCappedStream(t *testing.T, b *visitor, path string) (int, map[string]any, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.srv.URL+path, nil)
	req.Header = b.header.Clone()
	if tok := b.token(); tok != "" {
		req.Header.Set("Cookie", "session="+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var body map[string]any
	if res.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(data, &body)
	}
	t.Cleanup(func() { cancel(); res.Body.Close() })
	return res.StatusCode, body, func() { cancel(); res.Body.Close() }
}

// eventually retries f for up to 3 s.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); !f(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 3 s", what)
		}
	}
}

func TestConnectionCaps(t *testing.T) {
	_, from := fairServer(t, func(c *app.Config) {
		c.Cooldown = 0
		c.MaxConnsPerAddress, c.MaxConnsPerSession = 5, 2
	})

	// Per session: a third socket of one session is refused before the
	// upgrade, in the API's error shape; the first two keep working.
	a := from("203.0.113.1")
	first := a.mustDialWS()
	a.mustDialWS()
	_, res, err := a.dialWS()
	if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third socket of a session: %v %v", err, res)
	}
	if status, body, _ := openCappedSSE(t, a); status != http.StatusTooManyRequests || body["code"] != "TOO_MANY_ATTEMPTS" {
		t.Fatalf("an event stream beyond the session's cap: %d %v", status, body)
	}
	if m := first.place(t, 1, 1, 3); m["type"] != "success" {
		t.Fatalf("an earlier socket stopped working after a refusal: %v", m)
	}
	// Closing a socket frees its place.
	_ = first.conn.NetConn().Close()
	eventually(t, "a socket after one closed", func() bool {
		p, _, err := a.dialWS()
		if err == nil {
			p.next(t, "welcome")
		}
		return err == nil
	})

	// Per address, across sessions and kinds of connection.
	b := from("203.0.113.2")
	var ends []func()
	for range 5 {
		status, body, end := openCappedSSE(t, b)
		if status != http.StatusOK {
			t.Fatalf("event stream within the address's cap: %d %v", status, body)
		}
		ends = append(ends, end)
	}
	if status, body, _ := openCappedSSE(t, b); status != http.StatusTooManyRequests || body["code"] != "TOO_MANY_ATTEMPTS" {
		t.Fatalf("sixth stream from one address: %d %v", status, body)
	}
	if _, res, err := from("203.0.113.2").dialWS(); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a socket from a full address: %v %v", err, res)
	}
	from("203.0.113.3").mustDialWS() // another address is not affected
	ends[0]()
	eventually(t, "a stream after one ended", func() bool {
		status, _, end := openCappedSSE(t, b)
		end()
		return status == http.StatusOK
	})
}

// streamPaths are every long-lived event stream the server offers; each
// holds a socket and a goroutine for as long as it lasts, so each counts
// against the connection caps as a WebSocket does.
var streamPaths = []string{"/api/v1/events", "/panels/events", "/screen/events"}

func TestConnectionCapsCountEveryStream(t *testing.T) {
	_, from := fairServer(t, func(c *app.Config) {
		c.MaxConnsPerAddress, c.MaxConnsPerSession = 4, 3
	})

	// Per address: one socket and one stream of each kind fill the cap of
	// four; a fifth connection of any kind is refused with a clear error,
	// in the API's shape.
	a := from("203.0.113.10")
	a.mustDialWS()
	var ends []func()
	for _, path := range streamPaths {
		status, body, end := openCappedStream(t, from("203.0.113.10"), path)
		if status != http.StatusOK {
			t.Fatalf("%s within the address's cap: %d %v", path, status, body)
		}
		ends = append(ends, end)
	}
	for _, path := range streamPaths {
		status, body, _ := openCappedStream(t, from("203.0.113.10"), path)
		msg, _ := body["message"].(string)
		if status != http.StatusTooManyRequests || body["code"] != "TOO_MANY_ATTEMPTS" || !strings.Contains(msg, "Too many open connections from your network") {
			t.Errorf("%s past the address's cap: %d %v", path, status, body)
		}
	}
	if _, res, err := from("203.0.113.10").dialWS(); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a socket past the address's cap: %v %v", err, res)
	}
	// Another address is still served, every kind.
	for _, path := range streamPaths {
		if status, body, end := openCappedStream(t, from("203.0.113.11"), path); status != http.StatusOK {
			t.Errorf("%s from another address: %d %v", path, status, body)
		} else {
			end()
		}
	}
	from("203.0.113.11").mustDialWS()
	// Ending a panel stream gives its place back.
	ends[1]()
	eventually(t, "a stream after a panel stream ended", func() bool {
		status, _, end := openCappedStream(t, from("203.0.113.10"), "/screen/events")
		end()
		return status == http.StatusOK
	})

	// Per session: the panel and screen streams of one session count
	// together with its sockets.
	s := from("203.0.113.12")
	s.mustDialWS() // makes the visitor's session
	if s.token() == "" {
		t.Fatal("no session after the first socket")
	}
	for _, path := range []string{"/panels/events", "/screen/events"} {
		if status, body, _ := openCappedStream(t, s, path); status != http.StatusOK {
			t.Fatalf("%s within the session's cap: %d %v", path, status, body)
		}
	}
	status, body, _ := openCappedStream(t, s, "/panels/events")
	if msg, _ := body["message"].(string); status != http.StatusTooManyRequests || !strings.Contains(msg, "for this session") {
		t.Fatalf("a panel stream past the session's cap: %d %v", status, body)
	}
}
