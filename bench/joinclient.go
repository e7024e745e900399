package bench

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// joinConn is one join of the probe: a WebSocket opened by hand on a raw
// connection, so that a client which is sent the canvas compressed need not
// inflate it to know it arrived (see RunJoins).
type joinConn struct {
	conn     net.Conn
	ws       wsReader
	deflate  bool  // permessage-deflate negotiated
	upgraded int64 // bytes of the upgrade response
}

// wsGUID is the key suffix of RFC 6455, section 1.3.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialJoin opens a TCP connection from local (nil: any) and performs the
// WebSocket upgrade, offering the binary subprotocol and permessage-deflate
// as asked. The whole join, this and reading the canvas, must end by
// deadline.
func dialJoin(ctx context.Context, wsURL, origin string, local net.Addr, binary, deflate bool, deadline time.Time) (*joinConn, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "ws" {
		return nil, fmt.Errorf("the join probe speaks ws:// only, not %s", u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	d := net.Dialer{Deadline: deadline, LocalAddr: local}
	raw, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	_ = raw.SetDeadline(deadline)
	var read atomic.Int64
	cc := countingConn{raw, &read}
	j := &joinConn{conn: raw}
	var keyBytes [16]byte
	_, _ = rand.Read(keyBytes[:])
	key := base64.StdEncoding.EncodeToString(keyBytes[:])
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: %s\r\n", u.RequestURI(), u.Host, key, origin)
	if binary {
		req.WriteString("Sec-WebSocket-Protocol: " + BinaryProtocol + "\r\n")
	}
	if deflate {
		// What browsers offer.
		req.WriteString("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(raw, req.String()); err != nil {
		raw.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(cc, 16<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("reading the upgrade response: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		raw.Close()
		return nil, fmt.Errorf("upgrade refused: %s", resp.Status)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		raw.Close()
		return nil, fmt.Errorf("upgrade answered with a wrong Sec-WebSocket-Accept")
	}
	if binary && resp.Header.Get("Sec-WebSocket-Protocol") != BinaryProtocol {
		raw.Close()
		return nil, fmt.Errorf("the server did not accept the sub-protocol %s", BinaryProtocol)
	}
	ext := resp.Header.Get("Sec-WebSocket-Extensions")
	j.deflate = strings.Contains(ext, "permessage-deflate")
	if j.deflate && !deflate {
		raw.Close()
		return nil, fmt.Errorf("the server answered with an extension not offered: %s", ext)
	}
	j.upgraded = read.Load() - int64(br.Buffered())
	j.ws = wsReader{r: br, deflate: j.deflate, maxSize: 64 << 20}
	return j, nil
}

// isCanvas tells from its first bytes whether a message is the canvas,
// inflating only those when it came compressed.
func isCanvas(m wsMessage) bool {
	head := m.prefix
	if m.compressed {
		var buf [32]byte
		n, _ := io.ReadFull(flate.NewReader(bytes.NewReader(m.prefix)), buf[:])
		head = buf[:n]
	}
	if m.opcode == opBinary {
		return len(head) > 0 && head[0] == binCanvas
	}
	return bytes.HasPrefix(head, []byte(`{"type":"canvas"`))
}

// readCanvas reads messages until the canvas has arrived, keeping the
// payloads when keep. It returns the canvas message and the bytes read from
// the connection by then: the upgrade response and every frame through the
// canvas's last byte.
func (j *joinConn) readCanvas(keep bool) (wsMessage, int64, error) {
	for {
		m, err := j.ws.readMessage(keep)
		if err != nil {
			return m, j.upgraded + j.ws.consumed, err
		}
		if isCanvas(m) {
			return m, j.upgraded + j.ws.consumed, nil
		}
	}
}

// canvasPixels inflates (when compressed) and decodes a canvas message into
// one color index per pixel, checking that it holds width × height of them.
// It also returns the plain message's size.
func canvasPixels(m wsMessage) (pixels []byte, width, height int, seq uint64, plain int64, err error) {
	data := m.data
	if m.compressed {
		// RFC 7692, section 7.2.2: the sender removed this tail.
		fr := flate.NewReader(io.MultiReader(bytes.NewReader(data), bytes.NewReader([]byte{0, 0, 0xff, 0xff})))
		data, err = io.ReadAll(io.LimitReader(fr, 64<<20))
		if err != nil && len(data) == 0 {
			return nil, 0, 0, 0, 0, fmt.Errorf("inflating the canvas: %w", err)
		}
		err = nil
	}
	plain = int64(len(data))
	if m.opcode == opBinary {
		width, height, seq, err = decodeBinaryCanvas(data)
		if err != nil {
			return nil, 0, 0, 0, plain, fmt.Errorf("binary canvas: %w", err)
		}
		pixels = make([]byte, width*height)
		for i := range pixels {
			b := data[13+i/2]
			if i%2 == 1 {
				b >>= 4
			}
			pixels[i] = b & 0x0f
		}
		return pixels, width, height, seq, plain, nil
	}
	var c struct {
		Type          string
		Width, Height int
		Seq           uint64
		Data          []byte
	}
	if err := json.Unmarshal(data, &c); err != nil || c.Type != "canvas" {
		return nil, 0, 0, 0, plain, fmt.Errorf("JSON canvas: not a canvas message (%v)", err)
	}
	if c.Width <= 0 || c.Height <= 0 || len(c.Data) != c.Width*c.Height {
		return nil, 0, 0, 0, plain, fmt.Errorf("JSON canvas: %d bytes for %dx%d", len(c.Data), c.Width, c.Height)
	}
	return c.Data, c.Width, c.Height, c.Seq, plain, nil
}

// canvasRef identifies a canvas state: its size, seq and a hash of its
// pixels. It travels between the processes of one run as text.
type canvasRef struct {
	Width, Height int
	Seq           uint64
	Hash          string
}

func newCanvasRef(pixels []byte, width, height int, seq uint64) canvasRef {
	sum := sha256.Sum256(pixels)
	return canvasRef{Width: width, Height: height, Seq: seq, Hash: hex.EncodeToString(sum[:])}
}

func (r canvasRef) String() string {
	return fmt.Sprintf("%dx%d@%d:%s", r.Width, r.Height, r.Seq, r.Hash)
}

func parseCanvasRef(s string) (canvasRef, error) {
	var r canvasRef
	size, rest, ok1 := strings.Cut(s, "@")
	seq, hash, ok2 := strings.Cut(rest, ":")
	_, err1 := fmt.Sscanf(size, "%dx%d", &r.Width, &r.Height)
	_, err2 := fmt.Sscanf(seq, "%d", &r.Seq)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || len(hash) != 64 {
		return r, fmt.Errorf("reference %q is not WxH@SEQ:SHA256", s)
	}
	r.Hash = hash
	return r, nil
}

// fetchReference joins once without compression over the binary protocol
// and returns the canvas it got: what the probe's clients must match.
func fetchReference(ctx context.Context, wsURL, origin string, timeout time.Duration) (canvasRef, error) {
	j, err := dialJoin(ctx, wsURL, origin, nil, true, false, time.Now().Add(timeout))
	if err != nil {
		return canvasRef{}, fmt.Errorf("reference join: %w", err)
	}
	defer j.conn.Close()
	m, _, err := j.readCanvas(true)
	if err != nil {
		return canvasRef{}, fmt.Errorf("reference join: %w", err)
	}
	pixels, w, h, seq, _, err := canvasPixels(m)
	if err != nil {
		return canvasRef{}, fmt.Errorf("reference join: %w", err)
	}
	return newCanvasRef(pixels, w, h, seq), nil
}
