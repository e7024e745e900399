// Package wstest is a small WebSocket test client for the place protocol:
// it connects with gws, collects every message on a channel, and decodes
// both the JSON and the binary encodings.
package wstest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// Msg is one decoded server message; fields not in a message are zero.
type Msg struct {
	Type             string          `json:"type"`
	UserID           string          `json:"userId"`
	Username         string          `json:"username"`
	IsGuest          bool            `json:"isGuest"`
	Cooldown         int64           `json:"cooldown"`
	ServerTime       int64           `json:"serverTime"`
	CanvasInfo       json.RawMessage `json:"canvasInfo"`
	Width            int             `json:"width"`
	Height           int             `json:"height"`
	Data             string          `json:"data"`
	Seq              uint64          `json:"seq"`
	PrevSeq          uint64          `json:"prevSeq"`
	Events           []Event         `json:"events"`
	RequestID        string          `json:"requestId"`
	NextPlacement    int64           `json:"nextPlacement"`
	Code             string          `json:"code"`
	Message          string          `json:"message"`
	RemainingSeconds int             `json:"remainingSeconds"`

	Pixels   []byte    // decoded canvas, one byte per pixel
	Binary   bool      // arrived as a binary frame
	Received time.Time // when it arrived
}

// String describes a message briefly (never the whole canvas).
func (m Msg) String() string {
	switch m.Type {
	case "canvas":
		return fmt.Sprintf("canvas %dx%d seq %d (%d pixels, binary %v)", m.Width, m.Height, m.Seq, len(m.Pixels), m.Binary)
	case "pixels":
		if len(m.Events) > 5 {
			return fmt.Sprintf("pixels (%d, %d] %d events %v…", m.PrevSeq, m.Seq, len(m.Events), m.Events[:5])
		}
		return fmt.Sprintf("pixels (%d, %d] %v", m.PrevSeq, m.Seq, m.Events)
	case "error":
		return fmt.Sprintf("error %s %q requestId %q remaining %d", m.Code, m.Message, m.RequestID, m.RemainingSeconds)
	case "resize":
		return fmt.Sprintf("resize %dx%d seq %d", m.Width, m.Height, m.Seq)
	}
	return fmt.Sprintf("%s requestId %q user %q", m.Type, m.RequestID, m.Username)
}

// Event is one pixel of a pixels message.
type Event struct {
	X     int `json:"x"`
	Y     int `json:"y"`
	Color int `json:"color"`
}

// Client is a connected test client.
type Client struct {
	Conn     *gws.Conn
	Resp     *http.Response
	Msgs     chan Msg
	closeMu  sync.Mutex
	closed   chan struct{}
	closeErr error
}

type handler struct {
	gws.BuiltinEventHandler
	c      *Client
	states bool
}

func (h *handler) OnClose(_ *gws.Conn, err error) {
	h.c.closeMu.Lock()
	defer h.c.closeMu.Unlock()
	select {
	case <-h.c.closed:
	default:
		h.c.closeErr = err
		close(h.c.closed)
	}
}

func (h *handler) OnPing(conn *gws.Conn, p []byte) { _ = conn.WritePong(p) }

func (h *handler) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	msg, err := Decode(m.Opcode == gws.OpcodeBinary, m.Bytes())
	if err != nil {
		msg = Msg{Type: "undecodable", Message: err.Error()}
	}
	msg.Received = time.Now()
	if msg.Type == "state" && !h.states {
		return
	}
	select {
	case h.c.Msgs <- msg:
	default:
		panic("wstest: message buffer full")
	}
}

// Options configure Dial.
type Options struct {
	Header http.Header
	Binary bool // offer the binary subprotocol
	// Player first starts playing (POST /api/v1/session on the same host,
	// with Header's Origin) and connects with the session's cookies, as the
	// browser client does before its first placement. Without it (and
	// without a Cookie header) the connection is a viewer.
	Player bool
	// States keeps the event's `state` messages; without it they are
	// dropped, so that tests of the canvas see only its messages.
	States bool
	// Deflate offers permessage-deflate, as browsers do.
	Deflate bool
}

// startPlaying asks the server behind a ws:// URL for a session and
// returns its cookies as a Cookie header value.
func startPlaying(wsURL string, hdr http.Header) (string, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return "", err
	}
	u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	u.Path, u.RawQuery = "/api/v1/session", ""
	req, err := http.NewRequest(http.MethodPost, u.String(), nil)
	if err != nil {
		return "", err
	}
	if o := hdr.Get("Origin"); o != "" {
		req.Header.Set("Origin", o)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("POST %s: %s %s", u, resp.Status, body)
	}
	var parts []string
	for _, c := range resp.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), nil
}

// Dial connects to a ws:// URL.
func Dial(url string, o Options) (*Client, error) {
	c := &Client{Msgs: make(chan Msg, 1<<16), closed: make(chan struct{})}
	hdr := http.Header{}
	for k, v := range o.Header {
		hdr[k] = v
	}
	if o.Binary {
		hdr.Set("Sec-WebSocket-Protocol", "place.v1.bin")
	}
	if o.Player && hdr.Get("Cookie") == "" {
		cookie, err := startPlaying(url, hdr)
		if err != nil {
			return nil, err
		}
		hdr.Set("Cookie", cookie)
	}
	opt := &gws.ClientOption{Addr: url, RequestHeader: hdr, ReadMaxPayloadSize: 64 << 20}
	opt.PermessageDeflate.Enabled = o.Deflate
	conn, resp, err := gws.NewClient(&handler{c: c, states: o.States}, opt)
	if err != nil {
		return nil, err
	}
	c.Conn, c.Resp = conn, resp
	go conn.ReadLoop()
	return c, nil
}

// MustDial is Dial that fails the test on error; the client is closed at cleanup.
func MustDial(t testing.TB, url string, o Options) *Client {
	t.Helper()
	c, err := Dial(url, o)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Conn.WriteClose(1000, nil) })
	return c
}

// Send writes a raw text message.
func (c *Client) Send(s string) error { return c.Conn.WriteString(s) }

// Place sends a place message.
func (c *Client) Place(x, y, color int, requestID string) error {
	return c.Send(fmt.Sprintf(`{"type":"place","x":%d,"y":%d,"color":%d,"requestId":%q}`, x, y, color, requestID))
}

// Next returns the next message, or an error after timeout.
func (c *Client) Next(timeout time.Duration) (Msg, error) {
	select {
	case m := <-c.Msgs:
		return m, nil
	case <-time.After(timeout):
		return Msg{}, errors.New("timeout waiting for a message")
	}
}

// Expect returns the next message of the given type, skipping `pixels`
// and `resize` broadcasts in between, or fails the test.
func (c *Client) Expect(t testing.TB, typ string, timeout time.Duration) Msg {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.Next(time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for %q: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
		if m.Type != "pixels" && m.Type != "resize" {
			t.Fatalf("waiting for %q, got %v", typ, m)
		}
	}
}

// ExpectThrough returns the first pixels message whose seq reaches seq,
// skipping earlier pixels messages (in cluster mode a client's own placement
// is broadcast from the shared stream, so its pixels may come before or after
// its success), or fails the test.
func (c *Client) ExpectThrough(t testing.TB, seq uint64, timeout time.Duration) Msg {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m := c.Expect(t, "pixels", time.Until(deadline))
		if m.Seq >= seq {
			return m
		}
	}
}

// Closed returns a channel closed when the connection ends.
func (c *Client) Closed() <-chan struct{} { return c.closed }

// CloseErr returns the error the connection ended with (a *gws.CloseError
// carries the code).
func (c *Client) CloseErr() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.closeErr
}

// CloseCode returns the close code the server sent, or 0.
func (c *Client) CloseCode() uint16 {
	var ce *gws.CloseError
	if errors.As(c.CloseErr(), &ce) {
		return ce.Code
	}
	return 0
}

// WaitClosed waits for the connection to end and returns the close code.
func (c *Client) WaitClosed(t testing.TB, timeout time.Duration) uint16 {
	t.Helper()
	select {
	case <-c.closed:
		return c.CloseCode()
	case <-time.After(timeout):
		t.Fatalf("connection still open after %v", timeout)
		return 0
	}
}

// Decode decodes one server message in either encoding.
func Decode(binaryFrame bool, b []byte) (Msg, error) {
	if !binaryFrame {
		var m Msg
		if err := json.Unmarshal(b, &m); err != nil {
			return m, err
		}
		if m.Type == "canvas" {
			px, err := base64.StdEncoding.DecodeString(m.Data)
			if err != nil {
				return m, err
			}
			m.Pixels, m.Data = px, ""
		}
		return m, nil
	}
	if len(b) == 0 {
		return Msg{}, errors.New("empty binary frame")
	}
	switch b[0] {
	case 1:
		if len(b) < 17 || (len(b)-17)%4 != 0 {
			return Msg{}, fmt.Errorf("bad pixels frame length %d", len(b))
		}
		m := Msg{Type: "pixels", Binary: true, PrevSeq: binary.LittleEndian.Uint64(b[1:]), Seq: binary.LittleEndian.Uint64(b[9:])}
		for i := 17; i < len(b); i += 4 {
			v := binary.LittleEndian.Uint32(b[i:])
			m.Events = append(m.Events, Event{X: int(v & 0xfff), Y: int(v >> 12 & 0xfff), Color: int(v >> 24)})
		}
		return m, nil
	case 2:
		if len(b) < 13 {
			return Msg{}, errors.New("short canvas frame")
		}
		m := Msg{Type: "canvas", Binary: true, Width: int(binary.LittleEndian.Uint16(b[1:])), Height: int(binary.LittleEndian.Uint16(b[3:])), Seq: binary.LittleEndian.Uint64(b[5:])}
		n := m.Width * m.Height
		if len(b)-13 != (n+1)/2 {
			return Msg{}, fmt.Errorf("canvas frame has %d pixel bytes, want %d", len(b)-13, (n+1)/2)
		}
		m.Pixels = make([]byte, n)
		for i := 0; i < n; i++ {
			v := b[13+i/2]
			if i%2 == 0 {
				m.Pixels[i] = v & 0x0f
			} else {
				m.Pixels[i] = v >> 4
			}
		}
		return m, nil
	}
	return Msg{}, fmt.Errorf("unknown binary frame type %d", b[0])
}

// CookieHeader returns the Cookie header for the session the server set on
// the upgrade response, or "".
func (c *Client) CookieHeader() string {
	if c.Resp == nil {
		return ""
	}
	for _, ck := range c.Resp.Cookies() {
		if strings.Contains(ck.Name, "session") {
			return ck.Name + "=" + ck.Value
		}
	}
	return ""
}
