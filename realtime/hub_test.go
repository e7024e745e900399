package realtime_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/metrics"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
)

// fakeStore is a Feed, Placer and UserLookup whose events the test pumps.
type fakeStore struct {
	cfg    place.Config
	events chan []place.Placement
	panics bool
}

func (f *fakeStore) Canvas(context.Context) ([]byte, place.Size, uint64, error) {
	return make([]byte, f.cfg.Width*f.cfg.Height), f.cfg.Size(), 0, nil
}

func (f *fakeStore) Follow(ctx context.Context, after uint64, fn func([]place.Placement)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b := <-f.events:
			fn(b)
		}
	}
}

func (f *fakeStore) Since(context.Context, uint64, int) ([]place.Placement, error) { return nil, nil }

func (f *fakeStore) Place(context.Context, place.Player, int, int, uint8, time.Time) (place.Placement, time.Time, error) {
	if f.panics {
		panic("boom")
	}
	return place.Placement{}, time.Now(), nil
}

func (f *fakeStore) PlaceRollback(context.Context, string, []place.Pixel, time.Time) ([]place.Placement, error) {
	return nil, nil
}
func (f *fakeStore) PlaceWipe(context.Context, string, []place.Pixel, time.Time) ([]place.Placement, error) {
	return nil, nil
}
func (f *fakeStore) CooldownUntil(context.Context, string) (time.Time, error) {
	return time.Time{}, nil
}
func (f *fakeStore) SetCooldownUntil(context.Context, string, time.Time) error { return nil }
func (f *fakeStore) SetBanned(context.Context, string, bool) error             { return nil }
func (f *fakeStore) UserByID(context.Context, string) (place.User, error)      { return place.User{}, nil }

func startHub(t testing.TB, f *fakeStore, mutate func(*realtime.Options)) (*realtime.Hub, string) {
	t.Helper()
	o := realtime.Options{Config: f.cfg, Feed: f, BatchInterval: 10 * time.Millisecond,
		Placements: placing.New(placing.Options{Config: f.cfg, Placer: f, Users: f})}
	if mutate != nil {
		mutate(&o)
	}
	h := realtime.New(o)
	ctx, cancel := context.WithCancel(context.Background())
	go h.Run(ctx)
	if err := h.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := fmt.Sprint("user", n.Add(1))
		_ = h.ServeWS(w, r, realtime.Identity{UserID: id, Username: id, IsGuest: true, Token: id}, 0, false)
	}))
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
		h.Shutdown(sctx)
		c()
		cancel()
		srv.Close()
	})
	return h, "ws" + strings.TrimPrefix(srv.URL, "http")
}

// rawNeverReading opens a WebSocket with a tiny receive buffer and reads
// nothing after its welcome, which the hub sends once the connection has
// joined: it counts in Online from then on.
func rawNeverReading(t *testing.T, wsURL string) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(wsURL, "ws://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	// Generous: under -race another join may be encoding a large canvas.
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, "101") {
		t.Fatalf("handshake: %q %v", status, err)
	}
	for line := status; line != "\r\n"; {
		if line, err = br.ReadString('\n'); err != nil {
			t.Fatalf("handshake headers: %v", err)
		}
	}
	if _, welcome, err := readFrame(br); err != nil || !strings.Contains(string(welcome), `"type":"welcome"`) {
		t.Fatalf("first frame %.80q, %v; want the welcome", welcome, err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	return conn
}

func TestSlowConsumerIsClosedWhileOthersKeepReceiving(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 4096, Height: 4096}, events: make(chan []place.Placement, 1)}
	h, url := startHub(t, f, func(o *realtime.Options) { o.MaxBacklog = 256 << 10 })
	good := wstest.MustDial(t, url, wstest.Options{Binary: true})
	good.Expect(t, "welcome", 2*time.Second)
	jsonEncodes := func() float64 { return testutil.ToFloat64(metrics.CanvasEncodes.WithLabelValues("json")) }
	before := jsonEncodes()
	rawNeverReading(t, url)
	if h.Online() != 2 {
		t.Fatalf("online = %d after the never-reading connection's welcome, want 2", h.Online())
	}
	// Pump 2,000 events per batch until the slow one is dropped, never
	// more than 16 batches (a quarter of the replay ring) ahead of what the
	// good client has received, and so of what the broadcaster has
	// flushed: the first flush waits for the never-reading connection's
	// join, which encodes a 4096×4096 canvas as JSON (seconds under
	// -race). The good client's chain of seqs must have no gap.
	var seq, last uint64
	through := func(want uint64) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for last < want {
			select {
			case m := <-good.Msgs:
				switch m.Type {
				case "canvas":
					last = m.Seq
				case "pixels":
					if m.PrevSeq != last {
						t.Fatalf("gap: prevSeq %d after %d", m.PrevSeq, last)
					}
					last = m.Seq
				}
			case <-timeout:
				t.Fatalf("good client stuck at seq %d of %d", last, want)
			}
		}
	}
	for i := 0; i < 2000 && h.Online() > 1; i++ {
		batch := make([]place.Placement, 2000)
		for j := range batch {
			seq++
			batch[j] = place.Placement{Seq: seq, X: int(seq % 4096), Y: int(seq / 4096 % 4096), Color: uint8(seq % 16)}
		}
		f.events <- batch
		if i%16 == 15 {
			through(seq)
		}
	}
	through(seq)
	if h.Online() != 1 {
		t.Fatal("the never-reading connection was not closed")
	}
	if jsonEncodes() == before {
		t.Error("the never-reading connection's canvas was never encoded: it did not join as a JSON reader")
	}
	// The good client goes on receiving.
	seq++
	f.events <- []place.Placement{{Seq: seq, X: 1, Y: 1, Color: 1}}
	through(seq)
}

func TestIdleConnectionClosed(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	_, url := startHub(t, f, func(o *realtime.Options) { o.IdleTimeout = 300 * time.Millisecond; o.PingInterval = time.Hour })
	c := wstest.MustDial(t, url, wstest.Options{})
	c.Expect(t, "welcome", 2*time.Second)
	start := time.Now()
	c.WaitClosed(t, 3*time.Second)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("closed after %v, before the idle timeout", d)
	}
	// An active one stays: messages count as activity. The idle timeout is
	// the socket's read deadline, on the real clock, so real time passes:
	// a message every 100 ms for 800 ms, past the 300 ms timeout.
	a := wstest.MustDial(t, url, wstest.Options{})
	a.Expect(t, "welcome", 2*time.Second)
	a.Expect(t, "canvas", 2*time.Second)
	for i := 0; i < 8; i++ {
		a.Send(`{"type":"ping"}`)
		a.Expect(t, "pong", 2*time.Second)
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case <-a.Closed():
		t.Fatal("an active connection was closed as idle")
	default:
	}
}

func TestPanicClosesOnlyThatConnection(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement), panics: true}
	h, url := startHub(t, f, nil)
	bystander := wstest.MustDial(t, url, wstest.Options{})
	bystander.Expect(t, "welcome", 2*time.Second)
	bystander.Expect(t, "canvas", 2*time.Second)
	c := wstest.MustDial(t, url, wstest.Options{})
	c.Expect(t, "welcome", 2*time.Second)
	c.Place(1, 1, 1, "x")
	if code := c.WaitClosed(t, 2*time.Second); code != 1011 {
		t.Errorf("close code %d, want 1011", code)
	}
	bystander.Send(`{"type":"ping"}`)
	bystander.Expect(t, "pong", 2*time.Second)
	// The client sees the close frame before the server has finished
	// forgetting the socket, so the count is read until it settles.
	deadline := time.Now().Add(2 * time.Second)
	for h.Online() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if h.Online() != 1 {
		t.Errorf("online = %d, want 1: the panicking socket was not forgotten", h.Online())
	}
}

// A socket whose session reaches its known expiry is closed within a second
// of it, even with the periodic re-check far away; one whose session was
// renewed elsewhere stays.
func TestSocketClosedAtSessionExpiry(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	var renewed atomic.Bool
	o := realtime.Options{Config: f.cfg, Feed: f, BatchInterval: 10 * time.Millisecond,
		Placements:     placing.New(placing.Options{Config: f.cfg, Placer: f, Users: f}),
		SessionRecheck: time.Hour,
		SessionAlive: func(_ context.Context, token string) bool {
			return token == "renewed" && renewed.Load()
		}}
	h := realtime.New(o)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx)
	if err := h.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(700 * time.Millisecond)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		_ = h.ServeWS(w, r, realtime.Identity{UserID: token, Username: token, Token: token, Expires: expires}, 0, false)
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	renewed.Store(true)
	keep := wstest.MustDial(t, url+"?token=renewed", wstest.Options{})
	keep.Expect(t, "welcome", 2*time.Second)
	gone := wstest.MustDial(t, url+"?token=expired", wstest.Options{})
	gone.Expect(t, "welcome", 2*time.Second)
	if code := gone.WaitClosed(t, 3*time.Second); code != 1008 {
		t.Errorf("close code %d, want 1008", code)
	}
	if late := time.Since(expires); late > 1200*time.Millisecond || late < 0 {
		t.Errorf("closed %v after the session expired, want within a second", late)
	}
	select {
	case <-keep.Closed():
		t.Error("a socket whose session was renewed was closed")
	case <-time.After(300 * time.Millisecond):
	}
}

// The canvas frame for a seq is encoded once per encoding and shared by
// every connection that needs it.
func TestCanvasFrameEncodedOncePerSeq(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 500, Height: 500}, events: make(chan []place.Placement, 1)}
	_, url := startHub(t, f, nil)
	count := func(enc string) float64 { return testutil.ToFloat64(metrics.CanvasEncodes.WithLabelValues(enc)) }
	json0, bin0 := count("json"), count("binary")
	for i := 0; i < 10; i++ {
		for _, binary := range []bool{false, true} {
			c := wstest.MustDial(t, url, wstest.Options{Binary: binary})
			c.Expect(t, "welcome", 2*time.Second)
			c.Expect(t, "canvas", 2*time.Second)
		}
	}
	if d1, d2 := count("json")-json0, count("binary")-bin0; d1 != 1 || d2 != 1 {
		t.Fatalf("20 connections at one seq encoded %v JSON and %v binary frames, want 1 and 1", d1, d2)
	}
	// A new seq needs a new frame. A reader that has the placement shows
	// that it is on the live canvas.
	watcher := wstest.MustDial(t, url, wstest.Options{})
	watcher.Expect(t, "welcome", 2*time.Second)
	watcher.Expect(t, "canvas", 2*time.Second)
	f.events <- []place.Placement{{Seq: 1, X: 1, Y: 1, Color: 3}}
	watcher.ExpectThrough(t, 1, 2*time.Second)
	c := wstest.MustDial(t, url, wstest.Options{Binary: true})
	c.Expect(t, "welcome", 2*time.Second)
	if m := c.Expect(t, "canvas", 2*time.Second); m.Seq != 1 || m.Pixels[501] != 3 {
		t.Errorf("canvas after a placement: %v", m)
	}
	if d := count("binary") - bin0; d != 2 {
		t.Errorf("%v binary frames after the second seq, want 2", d)
	}
}
