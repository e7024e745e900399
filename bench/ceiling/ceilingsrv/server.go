// Package ceilingsrv is the fan-out ceiling: the least a server can do and
// still speak the place protocol (docs/protocol.md). It accepts gws
// connections, acknowledges every placement at once, and broadcasts each
// tick's placements encoded once, through one gws Broadcaster per tick. It
// has no sessions, cooldowns, history or limits, so `place bench` run
// against it measures what fan-out alone costs on the machine; the real
// server's figures divided by its figures are the honest overhead.
package ceilingsrv

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
	"github.com/placecanvas/place"
)

// BinaryProtocol is the subprotocol of docs/protocol.md ("Binary encoding").
const BinaryProtocol = "place.v1.bin"

// Config sizes the canvas and sets the broadcast tick.
type Config struct {
	Width, Height int
	BatchInterval time.Duration
}

// Server is the ceiling server. Serve its Handler and call Run to broadcast.
type Server struct {
	cfg            Config
	binUpgrader    *gws.Upgrader
	jsonUpgrader   *gws.Upgrader
	welcomePrefix  []byte
	nextUser       atomic.Uint64
	connections    atomic.Int64
	placementCount atomic.Uint64

	mu         sync.Mutex
	canvas     []byte // one color per byte, as of sentSeq
	seq        uint64 // last seq assigned
	sentSeq    uint64 // last seq broadcast
	pending    []uint32
	conns      map[*gws.Conn]bool // value: speaks the binary encoding
	canvasBin  []byte             // encoded canvas frames, valid for canvasSeq
	canvasJSON []byte
	canvasSeq  uint64
}

// New returns a server with a white canvas.
func New(cfg Config) (*Server, error) {
	if err := (place.Config{Width: cfg.Width, Height: cfg.Height}).Validate(); err != nil {
		return nil, err
	}
	if cfg.BatchInterval <= 0 {
		return nil, fmt.Errorf("batch interval must be positive")
	}
	s := &Server{
		cfg:    cfg,
		canvas: make([]byte, cfg.Width*cfg.Height),
		conns:  map[*gws.Conn]bool{},
	}
	// The same small per-connection footprint the real server aims for: a
	// 512-byte read buffer, no compression, no UTF-8 check on our own traffic.
	opt := func(protocols ...string) *gws.ServerOption {
		return &gws.ServerOption{
			ReadBufferSize:     512,
			ReadMaxPayloadSize: 1024,
			SubProtocols:       protocols,
		}
	}
	s.binUpgrader = gws.NewUpgrader(s, opt(BinaryProtocol))
	s.jsonUpgrader = gws.NewUpgrader(s, opt())

	info := map[string]any{
		"width": cfg.Width, "height": cfg.Height, "cooldownSeconds": 0,
		"colorCount": place.ColorCount, "palette": place.Palette,
	}
	infoJSON, _ := json.Marshal(info)
	s.welcomePrefix = fmt.Appendf(nil, `{"type":"welcome","isGuest":true,"cooldown":0,"canvasInfo":%s`, infoJSON)
	return s, nil
}

// Handler serves /ws and /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	return mux
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	up := s.jsonUpgrader
	for _, p := range strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ",") {
		if strings.TrimSpace(p) == BinaryProtocol {
			up = s.binUpgrader
		}
	}
	conn, err := up.Upgrade(w, r)
	if err != nil {
		return
	}
	go conn.ReadLoop()
}

// Run broadcasts a batch every BatchInterval until ctx is done.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.BatchInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.broadcast()
		case <-ctx.Done():
			return
		}
	}
}

// broadcast sends the placements since the last tick to every connection,
// encoded once per encoding and written through one Broadcaster each, and
// only then applies them to the canvas: the canvas always stands at sentSeq,
// so a connection that gets it in OnOpen continues with the next batch.
// The lock is held throughout so that OnOpen's canvas is queued on the
// connection before any batch after it.
func (s *Server) broadcast() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seq == s.sentSeq {
		return
	}
	var bin, js *gws.Broadcaster
	for c, isBin := range s.conns {
		if isBin {
			if bin == nil {
				bin = gws.NewBroadcaster(gws.OpcodeBinary, EncodePixelsBinary(s.sentSeq, s.seq, s.pending))
			}
			_ = bin.Broadcast(c)
		} else {
			if js == nil {
				js = gws.NewBroadcaster(gws.OpcodeText, EncodePixelsJSON(s.sentSeq, s.seq, s.pending))
			}
			_ = js.Broadcast(c)
		}
	}
	if bin != nil {
		bin.Close()
	}
	if js != nil {
		js.Close()
	}
	for _, e := range s.pending {
		s.canvas[int(e>>12&0xfff)*s.cfg.Width+int(e&0xfff)] = byte(e >> 24)
	}
	s.sentSeq = s.seq
	s.pending = s.pending[:0]
}

// OnOpen sends welcome and canvas and registers the connection for batches.
func (s *Server) OnOpen(c *gws.Conn) {
	isBin := c.SubProtocol() == BinaryProtocol
	now := time.Now().UnixMilli()
	id := s.nextUser.Add(1)
	welcome := fmt.Appendf(append([]byte(nil), s.welcomePrefix...),
		`,"userId":"g%d","username":"Guest_%06d","serverTime":%d}`, id, id%1000000, now)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.canvasSeq != s.sentSeq {
		s.canvasBin, s.canvasJSON, s.canvasSeq = nil, nil, s.sentSeq
	}
	var frame []byte
	op := gws.OpcodeText
	if isBin {
		if s.canvasBin == nil {
			s.canvasBin = EncodeCanvasBinary(s.cfg.Width, s.cfg.Height, s.sentSeq, s.canvas)
		}
		frame, op = s.canvasBin, gws.OpcodeBinary
	} else {
		if s.canvasJSON == nil {
			s.canvasJSON = EncodeCanvasJSON(s.cfg.Width, s.cfg.Height, s.sentSeq, s.canvas)
		}
		frame = s.canvasJSON
	}
	c.WriteAsync(gws.OpcodeText, welcome, nil)
	c.WriteAsync(op, frame, nil)
	s.conns[c] = isBin
	s.connections.Add(1)
}

// OnClose forgets the connection.
func (s *Server) OnClose(c *gws.Conn, _ error) {
	s.mu.Lock()
	if _, ok := s.conns[c]; ok {
		delete(s.conns, c)
		s.connections.Add(-1)
	}
	s.mu.Unlock()
}

// OnPing answers protocol pings.
func (s *Server) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

// OnPong ignores pongs.
func (s *Server) OnPong(*gws.Conn, []byte) {}

type clientMessage struct {
	Type      string `json:"type"`
	X         *int   `json:"x"`
	Y         *int   `json:"y"`
	Color     *int   `json:"color"`
	RequestID string `json:"requestId"`
}

// OnMessage accepts place and ping; a placement is applied and
// acknowledged at once.
func (s *Server) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	var msg clientMessage
	if m.Opcode != gws.OpcodeText || json.Unmarshal(m.Bytes(), &msg) != nil {
		s.writeError(c, place.EINVALIDMESSAGE, "Unreadable message.", "")
		return
	}
	switch msg.Type {
	case "ping":
		c.WriteAsync(gws.OpcodeText, []byte(`{"type":"pong"}`), nil)
	case "place":
		if msg.X == nil || msg.Y == nil || msg.Color == nil || len(msg.RequestID) > 64 {
			s.writeError(c, place.EINVALIDMESSAGE, "A placement needs x, y, color and requestId.", msg.RequestID)
			return
		}
		cfg := place.Config{Width: s.cfg.Width, Height: s.cfg.Height}
		if err := cfg.CheckPixel(*msg.X, *msg.Y, *msg.Color); err != nil {
			e := err.(*place.Error)
			s.writeError(c, e.Code, e.Message, msg.RequestID)
			return
		}
		s.mu.Lock()
		s.seq++
		s.pending = append(s.pending, uint32(*msg.X)|uint32(*msg.Y)<<12|uint32(*msg.Color)<<24)
		s.mu.Unlock()
		s.placementCount.Add(1)
		now := time.Now().UnixMilli()
		id, _ := json.Marshal(msg.RequestID)
		c.WriteAsync(gws.OpcodeText, fmt.Appendf(nil, `{"type":"success","requestId":%s,"nextPlacement":%d,"serverTime":%d}`, id, now, now), nil)
	default:
		s.writeError(c, place.EINVALIDMESSAGE, "Unknown message type.", msg.RequestID)
	}
}

func (s *Server) writeError(c *gws.Conn, code place.Code, message, requestID string) {
	b, _ := json.Marshal(struct {
		Type      string     `json:"type"`
		Code      place.Code `json:"code"`
		Message   string     `json:"message"`
		RequestID string     `json:"requestId,omitempty"`
	}{"error", code, message, requestID})
	c.WriteAsync(gws.OpcodeText, b, nil)
}

// serveMetrics writes the few Prometheus series `place bench` reads.
func (s *Server) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintf(w, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %d\n", residentBytes())
	fmt.Fprintf(w, "# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes %d\n", ms.HeapInuse)
	fmt.Fprintf(w, "# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(w, "# TYPE place_ws_connections gauge\nplace_ws_connections %d\n", s.connections.Load())
	fmt.Fprintf(w, "# TYPE place_placements_total counter\nplace_placements_total %d\n", s.placementCount.Load())
}

// residentBytes reads the resident set size from /proc/self/statm (Linux);
// 0 elsewhere.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// EncodePixelsBinary encodes a pixels message as in docs/protocol.md ("Binary encoding"): byte 1,
// prevSeq and seq (uint64 LE), then x | y<<12 | color<<24 per event.
func EncodePixelsBinary(prevSeq, seq uint64, events []uint32) []byte {
	b := make([]byte, 17+4*len(events))
	b[0] = 1
	binary.LittleEndian.PutUint64(b[1:], prevSeq)
	binary.LittleEndian.PutUint64(b[9:], seq)
	for i, e := range events {
		binary.LittleEndian.PutUint32(b[17+4*i:], e)
	}
	return b
}

// EncodePixelsJSON encodes a pixels message as in docs/protocol.md.
func EncodePixelsJSON(prevSeq, seq uint64, events []uint32) []byte {
	b := make([]byte, 0, 64+28*len(events))
	b = fmt.Appendf(b, `{"type":"pixels","prevSeq":%d,"seq":%d,"events":[`, prevSeq, seq)
	for i, e := range events {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"x":%d,"y":%d,"color":%d}`, e&0xfff, e>>12&0xfff, e>>24)
	}
	return append(b, "]}"...)
}

// EncodeCanvasBinary encodes a canvas message as in docs/protocol.md ("Binary encoding"): byte 2,
// width and height (uint16 LE), seq (uint64 LE), two pixels per byte with
// the first in the low nibble.
func EncodeCanvasBinary(width, height int, seq uint64, canvas []byte) []byte {
	b := make([]byte, 13+(len(canvas)+1)/2)
	b[0] = 2
	binary.LittleEndian.PutUint16(b[1:], uint16(width))
	binary.LittleEndian.PutUint16(b[3:], uint16(height))
	binary.LittleEndian.PutUint64(b[5:], seq)
	for i, c := range canvas {
		b[13+i/2] |= (c & 0xf) << (4 * (i % 2))
	}
	return b
}

// EncodeCanvasJSON encodes a canvas message as in docs/protocol.md.
func EncodeCanvasJSON(width, height int, seq uint64, canvas []byte) []byte {
	b := fmt.Appendf(nil, `{"type":"canvas","width":%d,"height":%d,"seq":%d,"data":"`, width, height, seq)
	b = base64.StdEncoding.AppendEncode(b, canvas)
	return append(b, `"}`...)
}
