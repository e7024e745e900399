package app_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/nginxtest"
	"github.com/placecanvas/place/internal/wstest"
)

// hostileFrames are frames no client may send: the first made the
// WebSocket library panic (a 64-bit length with its top bit set), the
// others are lengths and opcodes at their limits, unmasked and fragmented.
func hostileFrames() [][]byte {
	bad := binary.BigEndian.AppendUint64([]byte{0x81, 0xFF}, 1<<63)
	return [][]byte{
		append(bad, 0, 0, 0, 0),
		binary.BigEndian.AppendUint64([]byte{0x82, 0xFF}, 1<<63|1),
		binary.BigEndian.AppendUint64([]byte{0x81, 0xFF}, 1<<62),
		{0x81, 0xFE, 0xFF, 0xFF, 1, 2, 3, 4},
		{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'},
		{0x01, 0x80, 1, 2, 3, 4, 0x80, 0x80, 1, 2, 3, 4},
		{0x8F, 0x80, 1, 2, 3, 4},
	}
}

// sendRaw upgrades a connection to addr's /ws with no cookie and no Origin
// and writes frame on it; it returns once the server has answered or
// closed, or after a second.
func sendRaw(t *testing.T, addr string, frame []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, "101") {
		t.Fatalf("handshake through %s: %q %v", addr, status, err)
	}
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 64<<10)
	for {
		if _, err := br.Read(buf); err != nil {
			return
		}
	}
}

// TestClusterSurvivesHostileFramesThroughNginx sends, through the
// repository's nginx to two cluster instances, the frames that used to end
// the process, several times each so that both instances get them. Both
// stay up, a player keeps placing, and a watcher on each instance receives
// every placement with no gap in the seq chain.
func TestClusterSurvivesHostileFramesThroughNginx(t *testing.T) {
	nginxtest.Binary(t)
	env := newClusterEnv(t)
	cfg := func(c *app.Config) { c.Cooldown = 0 }
	one := startWith(t, env.config(t, cfg))
	two := startWith(t, env.config(t, cfg))
	px := nginxtest.Start(t, []string{strings.TrimPrefix(one.URL, "http://"), strings.TrimPrefix(two.URL, "http://")})

	p, _, _ := one.dialReady(t, wstest.Options{})
	a, _, canvasA := one.dialReady(t, wstest.Options{})
	b, _, canvasB := two.dialReady(t, wstest.Options{Binary: true})

	placed := 0
	place := func() {
		placed++
		p.Place(placed%500, 1, placed%16, fmt.Sprint("p", placed))
		if m := p.Expect(t, "success", 3*time.Second); m.RequestID != fmt.Sprint("p", placed) {
			t.Fatalf("placement %d: %v", placed, m)
		}
	}
	place()
	for round := 0; round < 3; round++ {
		for _, f := range hostileFrames() {
			sendRaw(t, px.Addr, f)
			place()
		}
	}

	for _, ts := range []*testServer{one, two} {
		resp, body := get(t, ts.URL+"/readyz", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s after the hostile frames: %d %s", ts.URL, resp.StatusCode, body)
		}
	}
	// Both watchers saw every placement, in one unbroken chain of seqs.
	for name, c := range map[string]struct {
		cl    *wstest.Client
		start uint64
	}{"instance 1": {a, canvasA.Seq}, "instance 2": {b, canvasB.Seq}} {
		last := c.start
		for last < canvasA.Seq+uint64(placed) {
			m, err := c.cl.Next(3 * time.Second)
			if err != nil {
				t.Fatalf("%s: the chain stopped at seq %d of %d: %v", name, last, canvasA.Seq+uint64(placed), err)
			}
			if m.Type != "pixels" {
				continue
			}
			if m.PrevSeq != last {
				t.Fatalf("%s: gap: pixels (%d, %d] after seq %d", name, m.PrevSeq, m.Seq, last)
			}
			last = m.Seq
		}
	}
}
