package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// sseEvent is one parsed Server-Sent Event; comments are skipped.
type sseEvent struct {
	Event, ID, Data string
}

type sseStream struct {
	Resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
}

// openSSE connects to an event stream; every event goes to a channel.
func openSSE(t *testing.T, url string, hdr http.Header) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &sseStream{Resp: resp, events: make(chan sseEvent, 64), cancel: cancel}
	t.Cleanup(s.Close)
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var ev sseEvent
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if data != nil {
					ev.Data = strings.Join(data, "\n")
					s.events <- ev
				}
				ev, data = sseEvent{}, nil
			case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
			case strings.HasPrefix(line, "event: "):
				ev.Event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			}
		}
	}()
	return s
}

func (s *sseStream) Close() {
	s.cancel()
	_ = s.Resp.Body.Close()
}

// next returns the next event, failing after timeout.
func (s *sseStream) next(t *testing.T, timeout time.Duration) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("the event stream ended")
		}
		return ev
	case <-time.After(timeout):
		t.Fatalf("no event within %v", timeout)
	}
	return sseEvent{}
}

// none checks that the stream stays open and no event arrives for d.
func (s *sseStream) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if ok {
			t.Errorf("unexpected event %+v", ev)
		} else {
			t.Error("the event stream ended")
		}
	case <-time.After(d):
	}
}

func decodePixels(t *testing.T, ev sseEvent) (prev, seq uint64, events []wstest.Event) {
	t.Helper()
	if ev.Event != "pixels" {
		t.Fatalf("event %q, want pixels: %+v", ev.Event, ev)
	}
	var m wstest.Msg
	if err := json.Unmarshal([]byte(ev.Data), &m); err != nil || m.Type != "pixels" {
		t.Fatalf("data %q: %v", ev.Data, err)
	}
	if ev.ID != fmt.Sprint(m.Seq) {
		t.Errorf("id %q, want the batch's seq %d", ev.ID, m.Seq)
	}
	return m.PrevSeq, m.Seq, m.Events
}

// placeAll places pixels one after another over one WebSocket and waits
// until the hub has broadcast them all.
func placeAll(t *testing.T, ts *testServer, c *wstest.Client, pixels ...wstest.Event) {
	t.Helper()
	want := ts.App.Hub.Seq() + uint64(len(pixels))
	for i, p := range pixels {
		if err := c.Place(p.X, p.Y, p.Color, fmt.Sprint("r", i)); err != nil {
			t.Fatal(err)
		}
		c.Expect(t, "success", 2*time.Second)
	}
	deadline := time.Now().Add(3 * time.Second)
	for ts.App.Hub.Seq() < want {
		if time.Now().After(deadline) {
			t.Fatalf("hub at seq %d, want %d", ts.App.Hub.Seq(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSSEResumeWithLastEventIDGetsExactlyTheMissedEvents(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	p := []wstest.Event{{X: 1, Y: 1, Color: 2}, {X: 2, Y: 2, Color: 3}, {X: 3, Y: 3, Color: 4}, {X: 4, Y: 4, Color: 5}}
	placeAll(t, ts, ws, p[:3]...)

	// A client that saw seq 1 comes back: it gets (1, 3] as one event,
	// chained to what it had, then the live events.
	s := openSSE(t, ts.URL+"/api/v1/events?since=0", http.Header{"Last-Event-Id": {"1"}})
	h := s.Resp.Header
	if s.Resp.StatusCode != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") ||
		h.Get("Cache-Control") != "no-cache" || h.Get("X-Accel-Buffering") != "no" || h.Get("Set-Cookie") != "" {
		t.Fatalf("status %d, headers %v", s.Resp.StatusCode, h)
	}
	prev, seq, events := decodePixels(t, s.next(t, 2*time.Second))
	if prev != 1 || seq != 3 || fmt.Sprint(events) != fmt.Sprint(p[1:3]) {
		t.Fatalf("resume: prevSeq %d seq %d events %v, want 1, 3, %v", prev, seq, events, p[1:3])
	}
	placeAll(t, ts, ws, p[3])
	prev, seq, events = decodePixels(t, s.next(t, 2*time.Second))
	if prev != 3 || seq != 4 || fmt.Sprint(events) != fmt.Sprint(p[3:]) {
		t.Fatalf("live: prevSeq %d seq %d events %v", prev, seq, events)
	}
	s.none(t, 300*time.Millisecond)

	// ?since= alone works the same way.
	s2 := openSSE(t, ts.URL+"/api/v1/events?since=2", nil)
	prev, seq, events = decodePixels(t, s2.next(t, 2*time.Second))
	if prev != 2 || seq != 4 || fmt.Sprint(events) != fmt.Sprint(p[2:]) {
		t.Fatalf("since=2: prevSeq %d seq %d events %v", prev, seq, events)
	}

	// A fresh client gets only what comes next.
	s3 := openSSE(t, ts.URL+"/api/v1/events", nil)
	s3.none(t, 200*time.Millisecond)
	placeAll(t, ts, ws, wstest.Event{X: 9, Y: 9, Color: 9})
	prev, seq, _ = decodePixels(t, s3.next(t, 2*time.Second))
	if prev != 4 || seq != 5 {
		t.Fatalf("fresh: prevSeq %d seq %d", prev, seq)
	}
}

func TestSSEResetWhenEventsAreNotHeld(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 1, Y: 1, Color: 1})
	// An id from the future (another canvas, a lost database): start over.
	s := openSSE(t, ts.URL+"/api/v1/events", http.Header{"Last-Event-Id": {"999"}})
	ev := s.next(t, 2*time.Second)
	if ev.Event != "reset" || ev.ID != "1" || ev.Data != `{"seq":1}` {
		t.Fatalf("got %+v, want a reset at seq 1", ev)
	}
	placeAll(t, ts, ws, wstest.Event{X: 2, Y: 2, Color: 2})
	if prev, seq, _ := decodePixels(t, s.next(t, 2*time.Second)); prev != 1 || seq != 2 {
		t.Fatalf("after reset: prevSeq %d seq %d", prev, seq)
	}
}

func TestSSEBadResumePointIs400(t *testing.T) {
	ts := start(t, nil)
	for _, tc := range []struct {
		query string
		hdr   http.Header
	}{
		{"?since=abc", nil},
		{"?since=-1", nil},
		{"?since=1.5", nil},
		{"?since=1&since=2", nil},
		{"?since=99999999999999999999999", nil},
		{"", http.Header{"Last-Event-Id": {"x"}}},
		{"?since=1", http.Header{"Last-Event-Id": {"-3"}}},
	} {
		resp, body := get(t, ts.URL+"/api/v1/events"+tc.query, tc.hdr)
		var e struct{ Code, Message string }
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode != 400 || e.Code != "VALIDATION_ERROR" || e.Message == "" {
			t.Errorf("%s %v: %d %s", tc.query, tc.hdr, resp.StatusCode, body)
		}
	}
}

func TestPanelsStreamRenderedFragments(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	s := openSSE(t, ts.URL+"/panels/events", nil)
	if s.Resp.Header.Get("X-Accel-Buffering") != "no" || s.Resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("headers %v", s.Resp.Header)
	}
	got := map[string]string{}
	for len(got) < 2 {
		ev := s.next(t, 3*time.Second)
		got[ev.Event] = ev.Data
	}
	if !strings.Contains(got["online"], "<strong>0</strong> players online") || !strings.Contains(got["recent"], "No pixels placed yet") {
		t.Fatalf("first frames: %q", got)
	}

	ws, w, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 10, Y: 20, Color: 12})
	deadline := time.After(4 * time.Second)
	var online, recent string
	for online == "" || recent == "" {
		select {
		case ev := <-s.events:
			switch ev.Event {
			case "online":
				online = ev.Data
			case "recent":
				recent = ev.Data
			}
		case <-deadline:
			t.Fatalf("panels did not update: online %q recent %q", online, recent)
		}
	}
	if !strings.Contains(online, "<strong>1</strong> player online") {
		t.Errorf("online = %q", online)
	}
	if w.Username == "" || strings.Contains(recent, w.Username) {
		t.Errorf("recent fragment names the guest %s to the public: %s", w.Username, recent)
	}
	for _, want := range []string{"an anonymous player", "placed blue at", `href="/#x=10&amp;y=20&amp;z=16"`, "10, 20", "--swatch:#0083C7"} {
		if !strings.Contains(recent, want) {
			t.Errorf("recent fragment lacks %q: %s", want, recent)
		}
	}
	// Nothing changes, nothing is sent.
	s.none(t, 1500*time.Millisecond)
}

func TestStreamsEndOnShutdown(t *testing.T) {
	ts := start(t, nil)
	pixels := openSSE(t, ts.URL+"/api/v1/events", nil)
	panels := openSSE(t, ts.URL+"/panels/events", nil)
	panels.next(t, 3*time.Second)
	begin := time.Now()
	ts.Stop(t)
	if d := time.Since(begin); d > 4*time.Second {
		t.Errorf("shutdown took %v with open streams", d)
	}
	for name, s := range map[string]*sseStream{"events": pixels, "panels": panels} {
		select {
		case <-drain(s.events):
		case <-time.After(2 * time.Second):
			t.Errorf("%s stream still open after shutdown", name)
		}
	}
}

// drain reads ch until it is closed.
func drain[T any](ch <-chan T) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	return done
}
