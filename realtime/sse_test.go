package realtime

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func TestAppendSSE(t *testing.T) {
	got := string(AppendSSE(nil, "recent", "", []byte("<ol>\n<li>a</li>\r\n</ol>")))
	want := "event: recent\ndata: <ol>\ndata: <li>a</li>\ndata: </ol>\n\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := string(ResetSSE(42)); got != "event: reset\nid: 42\ndata: {\"seq\":42}\n\n" {
		t.Errorf("reset = %q", got)
	}
}

func TestBatchSSEIsFormattedOnce(t *testing.T) {
	events := []Event{{X: 1, Y: 2, Color: 3}}
	b := &Batch{PrevSeq: 4, Seq: 5, Events: events, JSON: AppendPixelsJSON(nil, 4, 5, events)}
	first := b.SSE()
	want := "event: pixels\nid: 5\ndata: " + string(b.JSON) + "\n\n"
	if string(first) != want {
		t.Fatalf("got %q, want %q", first, want)
	}
	if second := b.SSE(); &second[0] != &first[0] {
		t.Error("the frame was formatted again instead of shared")
	}
}

// A stream outlives the server's read and write timeouts (it clears the
// deadlines) and is kept alive by heartbeats between batches.
func TestServeSSEOutlivesServerTimeouts(t *testing.T) {
	cfg := place.Config{Width: 10, Height: 10}
	h := New(Options{Config: cfg})
	h.opts.Live.Reset(make([]byte, 100), cfg.Size(), 0)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = h.ServeSSE(w, r, SSEOptions{Heartbeat: 100 * time.Millisecond})
	}))
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()

	opened := time.Now()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended while waiting for %s", what)
			}
			return l
		case <-time.After(3 * time.Second):
			t.Fatalf("nothing within 3 s while waiting for %s", what)
		}
		return ""
	}
	// Five heartbeats, 100 ms apart, take the stream past both timeouts.
	for heartbeats := 0; heartbeats < 5; {
		if next("heartbeats") == ": heartbeat" {
			heartbeats++
		}
	}
	if d := time.Since(opened); d < srv.Config.WriteTimeout {
		t.Fatalf("five heartbeats within %v, want one every 100 ms", d)
	}
	h.bc.enqueue([]place.Placement{{Seq: 1, X: 3, Y: 4, Color: 5}})
	h.bc.flush()
	for l := ""; !strings.HasPrefix(l, "data: ") || !strings.Contains(l, `"seq":1`); {
		l = next("the batch after the server's timeouts passed")
	}
	// The hub's shutdown ends the stream.
	h.Shutdown(t.Context())
	for range lines {
	}
}
