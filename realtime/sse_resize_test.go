package realtime

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// sseEvent is one Server-Sent Event: its name and data.
type sseEvent struct{ name, data string }

// readSSE opens url and sends its events (heartbeats and retry lines left
// out) on the returned channel until the stream ends. It returns once the
// response headers are in, which ServeSSE sends after subscribing: every
// batch flushed from then on reaches the stream.
func readSSE(t *testing.T, url string, header http.Header) <-chan sseEvent {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan sseEvent, 16)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

func nextSSE(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(2 * time.Second):
		t.Fatal("no event within 2 s")
	}
	return sseEvent{}
}

// An SSE reader is told of a growth as a WebSocket is: a resize alone when
// nothing was placed, a resize before the pixels that need it otherwise,
// and the current size first when it resumes from before a growth.
func TestSSEStreamsAreToldOfGrowth(t *testing.T) {
	cfg := place.Config{Width: 10, Height: 10}
	h := New(Options{Config: cfg})
	h.opts.Live.Reset(make([]byte, 100), cfg.Size(), 0)
	h.bc.sentSize = cfg.Size()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since, err := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64)
		_ = h.ServeSSE(w, r, SSEOptions{Since: since, Resume: err == nil})
	}))
	defer srv.Close()
	defer h.Shutdown(t.Context())

	events := readSSE(t, srv.URL, nil)
	h.Grow(place.Size{Width: 12, Height: 10})
	h.bc.flush()
	if ev := nextSSE(t, events); ev.name != "resize" || ev.data != `{"type":"resize","width":12,"height":10,"seq":0}` {
		t.Fatalf("after a growth with nothing placed: %+v", ev)
	}

	h.Grow(place.Size{Width: 12, Height: 14})
	h.bc.enqueue([]place.Placement{{Seq: 1, X: 11, Y: 13, Color: 5}})
	h.bc.flush()
	if ev := nextSSE(t, events); ev.name != "resize" || !strings.Contains(ev.data, `"width":12,"height":14,"seq":0`) {
		t.Fatalf("before the pixel beyond the old size: %+v", ev)
	}
	if ev := nextSSE(t, events); ev.name != "pixels" || !strings.Contains(ev.data, `"x":11,"y":13,"color":5`) {
		t.Fatalf("the pixel: %+v", ev)
	}

	// The canvas grows again after seq 1: a reader that resumes at seq 1
	// has missed nothing placed but gets the size the canvas has now; one
	// that resumes after the last growth gets only pixels (below).
	h.Grow(place.Size{Width: 14, Height: 16})
	h.bc.flush()
	if ev := nextSSE(t, events); ev.name != "resize" || !strings.Contains(ev.data, `"width":14,"height":16,"seq":1`) {
		t.Fatalf("after the second growth: %+v", ev)
	}
	resumed := readSSE(t, srv.URL, http.Header{"Last-Event-Id": {"1"}})
	if ev := nextSSE(t, resumed); ev.name != "resize" || !strings.Contains(ev.data, `"width":14,"height":16,"seq":1`) {
		t.Fatalf("a resumed stream starts with %+v, want the current size", ev)
	}
	h.bc.enqueue([]place.Placement{{Seq: 2, X: 0, Y: 0, Color: 1}})
	h.bc.flush()
	if ev := nextSSE(t, resumed); ev.name != "pixels" || !strings.Contains(ev.data, `"prevSeq":1,"seq":2`) {
		t.Fatalf("then %+v, want the next pixels", ev)
	}
	later := readSSE(t, srv.URL, http.Header{"Last-Event-Id": {"2"}})
	h.bc.enqueue([]place.Placement{{Seq: 3, X: 1, Y: 0, Color: 1}})
	h.bc.flush()
	if ev := nextSSE(t, later); ev.name != "pixels" || !strings.Contains(ev.data, `"prevSeq":2,"seq":3`) {
		t.Fatalf("a stream resumed after the last growth starts with %+v, want pixels", ev)
	}
}
