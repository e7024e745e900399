package realtime_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/metrics"
)

// rawUpgrade opens a TCP connection to wsURL and completes the WebSocket
// handshake by hand, so that the test can write any bytes as frames.
func rawUpgrade(tb testing.TB, wsURL string) (net.Conn, *bufio.Reader) {
	tb.Helper()
	addr := strings.TrimPrefix(wsURL, "ws://")
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, "101") {
		conn.Close()
		tb.Fatalf("handshake: %q %v", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			conn.Close()
			tb.Fatalf("handshake headers: %v", err)
		}
		if line == "\r\n" {
			break
		}
	}
	return conn, br
}

// closeCodeOf reads server frames until a close frame and returns its code,
// or 0 when the connection ends without one.
func closeCodeOf(br *bufio.Reader) uint16 {
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return 0
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(br, b[:]); err != nil {
				return 0
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(br, b[:]); err != nil {
				return 0
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return 0
		}
		if h[0]&0x0f == 0x8 && len(payload) >= 2 {
			return binary.BigEndian.Uint16(payload)
		}
	}
}

// badLengthFrame is a text frame whose 64-bit payload length has its top
// bit set, which RFC 6455 forbids; the WebSocket library panics on it.
func badLengthFrame() []byte {
	b := []byte{0x81, 0xFF}
	b = binary.BigEndian.AppendUint64(b, 1<<63)
	return append(b, 0, 0, 0, 0)
}

// A malformed frame header closes that connection with 1002; the process
// and every other connection go on.
func TestMalformedFrameClosesOnlyThatConnection(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	h, url := startHub(t, f, nil)
	bystander := wstest.MustDial(t, url, wstest.Options{})
	bystander.Expect(t, "welcome", 2*time.Second)
	bystander.Expect(t, "canvas", 2*time.Second)
	before := testutil.ToFloat64(metrics.WSReadPanics)

	for i := 0; i < 2; i++ {
		conn, br := rawUpgrade(t, url)
		if _, err := conn.Write(badLengthFrame()); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		if code := closeCodeOf(br); code != 1002 && code != 0 {
			t.Errorf("close code %d, want 1002 (or the connection ended)", code)
		}
		conn.Close()
	}

	bystander.Send(`{"type":"ping"}`)
	bystander.Expect(t, "pong", 2*time.Second)
	if got := testutil.ToFloat64(metrics.WSReadPanics) - before; got != 2 {
		t.Errorf("read panics counted %v, want 2", got)
	}
	deadline := time.Now().Add(2 * time.Second)
	for h.Online() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h.Online() != 1 {
		t.Errorf("online = %d, want only the bystander", h.Online())
	}
}

// FuzzWebSocketFrames writes raw bytes, as frames, to a live WebSocket
// endpoint: whatever they are, the server process survives and a bystander
// connection is still served.
func FuzzWebSocketFrames(f *testing.F) {
	mask := []byte{1, 2, 3, 4}
	masked := func(op byte, payload string) []byte {
		b := []byte{0x80 | op, 0x80 | byte(len(payload))}
		b = append(b, mask...)
		for i := range len(payload) {
			b = append(b, payload[i]^mask[i%4])
		}
		return b
	}
	f.Add(badLengthFrame())
	f.Add(masked(0x1, `{"type":"ping"}`))
	f.Add(masked(0x1, `{"type":"place","x":1,"y":1,"color":1}`))
	f.Add(masked(0x9, "hi"))
	f.Add(masked(0x8, "\x03\xe8"))
	f.Add(append([]byte{0x81, 0xFE, 0xFF, 0xFF}, mask...))
	f.Add([]byte{0x01, 0x80, 1, 2, 3, 4, 0x80, 0x80, 1, 2, 3, 4})
	f.Add([]byte{0x81, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})

	fs := &fakeStore{cfg: place.Config{Width: 10, Height: 10}, events: make(chan []place.Placement)}
	_, url := startHub(f, fs, nil)
	f.Fuzz(func(t *testing.T, frames []byte) {
		conn, br := rawUpgrade(t, url)
		defer conn.Close()
		if _, err := conn.Write(frames); err != nil {
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_ = closeCodeOf(br)
		conn.Close()

		bystander, err := wstest.Dial(url, wstest.Options{})
		if err != nil {
			t.Fatalf("the server stopped serving after %x: %v", frames, err)
		}
		defer bystander.Conn.NetConn().Close()
		if _, err := bystander.Next(2 * time.Second); err != nil {
			t.Fatalf("no welcome after %x: %v", frames, err)
		}
	})
}

// A joiner's first frame, far larger than the backlog limit on a large
// canvas, does not count as backlog: ten viewers joining a 4096×4096
// canvas at once while pixels are placed all get their canvas and stay,
// with every pixel after it.
func TestLargeCanvasJoinersAreNotSlowConsumers(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 4096, Height: 4096}, events: make(chan []place.Placement, 1)}
	_, url := startHub(t, f, nil)
	stop := make(chan struct{})
	pumped := make(chan uint64)
	go func() {
		var seq uint64
		defer func() { pumped <- seq }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			batch := make([]place.Placement, 3)
			for j := range batch {
				seq++
				batch[j] = place.Placement{Seq: seq, X: int(seq % 4096), Y: 7, Color: uint8(seq % 16)}
			}
			f.events <- batch
		}
	}()
	viewers := make([]*wstest.Client, 10)
	for i := range viewers {
		viewers[i] = wstest.MustDial(t, url, wstest.Options{Binary: i > 0})
	}
	from := make([]uint64, len(viewers))
	for i, v := range viewers {
		v.Expect(t, "welcome", 5*time.Second)
		from[i] = v.Expect(t, "canvas", 60*time.Second).Seq
	}
	time.Sleep(time.Second) // pixels keep coming after every canvas
	close(stop)
	last := <-pumped
	for i, v := range viewers {
		seq := from[i]
		for seq < last {
			m, err := v.Next(10 * time.Second)
			if err != nil {
				t.Fatalf("viewer %d stopped at seq %d of %d (close code %d): %v", i, seq, last, v.CloseCode(), err)
			}
			if m.Type != "pixels" {
				continue
			}
			if m.PrevSeq != seq {
				t.Fatalf("viewer %d: gap: pixels (%d, %d] after %d", i, m.PrevSeq, m.Seq, seq)
			}
			seq = m.Seq
		}
		select {
		case <-v.Closed():
			t.Errorf("viewer %d was closed (code %d)", i, v.CloseCode())
		default:
		}
	}
}

// rawUpgradeDeflate is rawUpgrade offering permessage-deflate (and the
// binary subprotocol when binary), as a browser does.
func rawUpgradeDeflate(tb testing.TB, wsURL string, binary bool) (net.Conn, *bufio.Reader, string) {
	tb.Helper()
	addr := strings.TrimPrefix(wsURL, "ws://")
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	proto := ""
	if binary {
		proto = "Sec-WebSocket-Protocol: place.v1.bin\r\n"
	}
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%sSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n", addr, proto)
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var ext string
	for i := 0; ; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			tb.Fatalf("handshake: %v", err)
		}
		if i == 0 && !strings.Contains(line, "101") {
			tb.Fatalf("handshake: %q", line)
		}
		if strings.HasPrefix(strings.ToLower(line), "sec-websocket-extensions:") {
			ext = strings.TrimSpace(line[len("sec-websocket-extensions:"):])
		}
		if line == "\r\n" {
			break
		}
	}
	tb.Cleanup(func() { conn.Close() })
	return conn, br, ext
}

// readFrame reads one server frame: its first byte and its payload.
func readFrame(br *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	p := make([]byte, n)
	_, err := io.ReadFull(br, p)
	return h[0], p, err
}

// A client offering permessage-deflate gets its canvas compressed: a
// blank 2048×2048 canvas in under 5 % of its bytes (a few kilobytes
// instead of megabytes), in both encodings; a standard client decodes it to the same canvas; a client
// that offers nothing gets it as before.
func TestCanvasIsCompressedForClientsThatOfferDeflate(t *testing.T) {
	const side = 2048
	f := &fakeStore{cfg: place.Config{Width: side, Height: side}, events: make(chan []place.Placement)}
	_, url := startHub(t, f, nil)
	for _, bin := range []bool{true, false} {
		_, br, ext := rawUpgradeDeflate(t, url, bin)
		if !strings.Contains(ext, "permessage-deflate") {
			t.Fatalf("binary %v: the extension was not accepted: %q", bin, ext)
		}
		var canvasBytes, rawBytes int
		for {
			b0, p, err := readFrame(br)
			if err != nil {
				t.Fatal(err)
			}
			if b0&0x40 != 0 { // compressed: only the canvas is
				canvasBytes = len(p)
				z := flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader([]byte{0, 0, 0xff, 0xff})))
				plain, _ := io.ReadAll(z)
				rawBytes = len(plain)
				if bin && (len(plain) != 13+side*side/2 || plain[0] != 2) {
					t.Errorf("binary canvas inflates to %d bytes, type %d", len(plain), plain[0])
				}
				if !bin && !bytes.HasPrefix(plain, []byte(`{"type":"canvas"`)) {
					t.Errorf("JSON canvas inflates to %.40q", plain)
				}
				break
			}
		}
		t.Logf("binary %v: a blank %d² canvas of %d bytes sent in %d", bin, side, rawBytes, canvasBytes)
		if canvasBytes > rawBytes/20 {
			t.Errorf("binary %v: canvas frame %d bytes of %d, want at most 5 %%", bin, canvasBytes, rawBytes)
		}
	}
	for _, bin := range []bool{true, false} {
		plain := wstest.MustDial(t, url, wstest.Options{Binary: bin})
		plain.Expect(t, "welcome", 5*time.Second)
		want := plain.Expect(t, "canvas", 30*time.Second)
		z := wstest.MustDial(t, url, wstest.Options{Binary: bin, Deflate: true})
		z.Expect(t, "welcome", 5*time.Second)
		got := z.Expect(t, "canvas", 30*time.Second)
		if got.Width != side || !bytes.Equal(got.Pixels, want.Pixels) || got.Seq != want.Seq {
			t.Errorf("binary %v: a deflate client decoded %v, want %v", bin, got, want)
		}
	}
}
