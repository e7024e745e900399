package realtime_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
)

// ackConn is a raw WebSocket client that can tell which frames came in
// one read of its socket, that is, in one write of the server.
type ackConn struct {
	net.Conn
	br *bufio.Reader
}

// dialAcks opens a raw connection to the hub with the given query and
// reads its welcome and canvas.
func dialAcks(t *testing.T, wsURL, query string) *ackConn {
	t.Helper()
	addr := strings.TrimPrefix(wsURL, "ws://")
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", query, addr)
	c := &ackConn{Conn: conn, br: bufio.NewReader(conn)}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	status, err := c.br.ReadString('\n')
	if err != nil || !strings.Contains(status, "101") {
		t.Fatalf("handshake: %q %v", status, err)
	}
	for line := status; line != "\r\n"; {
		if line, err = c.br.ReadString('\n'); err != nil {
			t.Fatalf("handshake headers: %v", err)
		}
	}
	for _, want := range []string{`"type":"welcome"`, `"type":"canvas"`} {
		if _, p, err := readFrame(c.br); err != nil || !strings.Contains(string(p), want) {
			t.Fatalf("frame %.60q, %v; want %s", p, err, want)
		}
	}
	return c
}

// send writes one masked text frame (payload under 126 bytes).
func (c *ackConn) send(t *testing.T, payload string) {
	t.Helper()
	key := [4]byte{7, 1, 9, 3}
	f := append([]byte{0x81, 0x80 | byte(len(payload))}, key[:]...)
	for i := range len(payload) {
		f = append(f, payload[i]^key[i%4])
	}
	if _, err := c.Write(f); err != nil {
		t.Fatal(err)
	}
}

// nextRead returns the text frames of the next read of the socket: what
// the server wrote at once (loopback delivers a small write whole).
func (c *ackConn) nextRead(t *testing.T, timeout time.Duration) ([]string, error) {
	t.Helper()
	if c.br.Buffered() > 0 {
		t.Fatalf("%d bytes read ahead", c.br.Buffered())
	}
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 64<<10)
	n, err := c.Read(buf)
	if err != nil {
		return nil, err
	}
	var frames []string
	for b := buf[:n]; len(b) > 0; {
		if len(b) < 2 || b[1]&0x7f >= 126 {
			t.Fatalf("unexpected bytes %q", b)
		}
		end := 2 + int(b[1]&0x7f)
		if end > len(b) {
			t.Fatalf("a frame cut across reads: %q", b)
		}
		frames = append(frames, string(b[2:end]))
		b = b[end:]
	}
	return frames, nil
}

func types(frames []string) string {
	var out []string
	for _, f := range frames {
		_, rest, _ := strings.Cut(f, `"type":"`)
		typ, _, _ := strings.Cut(rest, `"`)
		out = append(out, typ)
	}
	return strings.Join(out, ",")
}

// ackHub starts a hub whose flushes are at least gap apart and at most
// interval, and broadcasts placement 1, so that the next flush waits for
// the gap.
func ackHub(t *testing.T, gap, interval time.Duration) (events chan []place.Placement, url string) {
	t.Helper()
	events, url, _ = ackHubWith(t, gap, interval)
	return events, url
}

func ackHubWith(t *testing.T, gap, interval time.Duration) (chan []place.Placement, string, *realtime.Hub) {
	t.Helper()
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	h, url := startHub(t, f, func(o *realtime.Options) { o.MinGap, o.BatchInterval = gap, interval })
	return f.events, url, h
}

// expectPixels reads one write holding only a pixels frame.
func expectPixels(t *testing.T, c *ackConn) {
	t.Helper()
	frames, err := c.nextRead(t, 5*time.Second)
	if err != nil || types(frames) != "pixels" {
		t.Fatalf("read %v %v, want one pixels frame", frames, err)
	}
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// With ?acks=batched, a success waits for the next broadcast and goes out
// in the same write, before its pixels; a connection that did not ask
// gets its success at once, in a write of its own.
func TestBatchedAckGoesInTheBroadcastWrite(t *testing.T) {
	events, url := ackHub(t, time.Second, 5*time.Second)
	batched := dialAcks(t, url, "?acks=batched")
	plain := dialAcks(t, url, "")
	events <- []place.Placement{{Seq: 1, X: 1, Y: 1, Color: 2}}
	expectPixels(t, batched)
	expectPixels(t, plain)

	batched.send(t, `{"type":"place","x":3,"y":4,"color":5,"requestId":"b1"}`)
	plain.send(t, `{"type":"place","x":3,"y":4,"color":5,"requestId":"p1"}`)
	if frames, err := plain.nextRead(t, 2*time.Second); err != nil || types(frames) != "success" || !strings.Contains(frames[0], `"requestId":"p1"`) {
		t.Fatalf("the plain connection read %v %v, want its success alone", frames, err)
	}
	if frames, err := batched.nextRead(t, 200*time.Millisecond); !isTimeout(err) {
		t.Fatalf("the batched connection read %v %v before the next flush, want nothing", frames, err)
	}
	events <- []place.Placement{{Seq: 2, X: 3, Y: 4, Color: 5}}
	frames, err := batched.nextRead(t, 5*time.Second)
	if err != nil || types(frames) != "success,pixels" || !strings.Contains(frames[0], `"requestId":"b1"`) {
		t.Fatalf("the batched connection read %v %v, want its success and the pixels in one write", frames, err)
	}
	expectPixels(t, plain)
}

// With no broadcast to go with, a held success goes out on its own within
// the gap, well before the batch interval; and an answer sent at once (an
// error) takes the held successes with it, in the order of the messages.
func TestBatchedAckIsWrittenWithinTheGap(t *testing.T) {
	const gap = time.Second
	events, url := ackHub(t, gap, 10*time.Second)
	c := dialAcks(t, url, "?acks=batched")
	events <- []place.Placement{{Seq: 1, X: 1, Y: 1, Color: 2}}
	expectPixels(t, c)

	start := time.Now()
	c.send(t, `{"type":"place","x":3,"y":4,"color":5,"requestId":"r1"}`)
	frames, err := c.nextRead(t, 5*time.Second)
	if err != nil || types(frames) != "success" {
		t.Fatalf("read %v %v, want the success alone", frames, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the success came after %v, want within the gap (%v)", d, gap)
	}

	// Right after a flush: the next one is a gap away.
	events <- []place.Placement{{Seq: 2, X: 1, Y: 1, Color: 3}}
	expectPixels(t, c)
	c.send(t, `{"type":"place","x":3,"y":4,"color":5,"requestId":"r2"}`)
	c.send(t, `{"type":"place","x":99,"y":4,"color":5,"requestId":"r3"}`)
	frames, err = c.nextRead(t, 5*time.Second)
	if err != nil || types(frames) != "success,error" || !strings.Contains(frames[0], `"r2"`) || !strings.Contains(frames[1], `"INVALID_COORDS"`) {
		t.Fatalf("read %v %v, want the held success, then the error, in one write", frames, err)
	}
}

// A connection closed while it holds answers gets them before the close
// frame, as it would have without batching.
func TestHeldAcksGoBeforeTheClose(t *testing.T) {
	events, url, h := ackHubWith(t, time.Second, 10*time.Second)
	c := dialAcks(t, url, "?acks=batched")
	events <- []place.Placement{{Seq: 1, X: 1, Y: 1, Color: 2}}
	expectPixels(t, c)
	c.send(t, `{"type":"place","x":3,"y":4,"color":5,"requestId":"r1"}`)
	if frames, err := c.nextRead(t, 200*time.Millisecond); !isTimeout(err) {
		t.Fatalf("read %v %v before the close, want nothing", frames, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go h.Shutdown(ctx)
	frames, err := c.nextRead(t, 5*time.Second)
	if err != nil || len(frames) != 2 || !strings.Contains(frames[0], `"requestId":"r1"`) || !strings.Contains(frames[1], "going away") {
		t.Fatalf("read %q %v, want the held success and the close frame in one write", frames, err)
	}
}

// The acks parameter takes batched or each, once; anything else is a
// VALIDATION_ERROR, before any upgrade.
func TestBatchedAcksParameter(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  bool
		bad   bool
	}{
		{"", false, false},
		{"?since=3", false, false},
		{"?acks=batched", true, false},
		{"?acks=each", false, false},
		{"?acks=", false, true},
		{"?acks=Batched", false, true},
		{"?acks=yes", false, true},
		{"?acks=batched&acks=batched", false, true},
	} {
		got, err := realtime.BatchedAcks(httptest.NewRequest("GET", "/ws"+tc.query, nil))
		if got != tc.want || (err != nil) != tc.bad {
			t.Errorf("%q: %v %v, want %v (refused: %v)", tc.query, got, err, tc.want, tc.bad)
		}
		if err != nil && place.ErrorCode(err) != place.EVALIDATION {
			t.Errorf("%q: %v, want a VALIDATION_ERROR", tc.query, err)
		}
	}
}
