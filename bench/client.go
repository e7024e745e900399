package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// client is one WebSocket connection of the run. Its gws callbacks run on
// its own read goroutine; the counters are atomic because the runner reads
// them from another.
type client struct {
	r        *runner
	id       int
	conn     *gws.Conn
	delivery *Histogram // shared with other clients, see runner.deliveryShards
	timed    bool       // time every event received (Options.TimedClients)

	readyOnce sync.Once
	ready     chan struct{} // closed once the first canvas (the first seq) arrived
	closed    chan struct{} // closed by OnClose
	welcome   welcomeMsg    // written before ready is closed
	closeErr  error         // written before closed is closed
	closing   atomic.Bool   // set when the runner closes the connection itself

	haveSeq atomic.Bool
	lastSeq atomic.Uint64
	missed  atomic.Int64 // seqs skipped between consecutive messages
	bytes   atomic.Int64 // received, payload plus frame header
	wire    atomic.Int64 // read from the socket (compressed, handshake included)

	joinTime  time.Duration // from the dial to the first canvas
	joinBytes int64         // wire bytes by then
	messages  atomic.Int64  // pixels messages received

	evs []event // scratch for decoding, read goroutine only

	// Placer state, used by the one scheduler goroutine that owns this client.
	nextAllowed time.Time
	placeBuf    []byte
}

func newClient(r *runner, id int) *client {
	return &client{
		r:        r,
		id:       id,
		delivery: r.deliveryShards[id%len(r.deliveryShards)],
		timed:    r.opts.TimedClients == 0 || id >= r.opts.Clients-r.opts.TimedClients,
		ready:    make(chan struct{}),
		closed:   make(chan struct{}),
	}
}

func (c *client) isReady() bool {
	select {
	case <-c.ready:
		return true
	default:
		return false
	}
}

func (c *client) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *client) OnOpen(*gws.Conn) {}

func (c *client) OnClose(_ *gws.Conn, err error) {
	c.closeErr = err
	close(c.closed)
}

func (c *client) OnPing(socket *gws.Conn, payload []byte) { _ = socket.WritePong(payload) }

func (c *client) OnPong(*gws.Conn, []byte) {}

// frameHeaderLen is the size of an unmasked server-to-client frame header.
func frameHeaderLen(n int) int {
	switch {
	case n < 126:
		return 2
	case n < 1<<16:
		return 4
	default:
		return 10
	}
}

func (c *client) OnMessage(socket *gws.Conn, m *gws.Message) {
	defer m.Close()
	b := m.Bytes()
	c.bytes.Add(int64(len(b) + frameHeaderLen(len(b))))
	var err error
	if m.Opcode == gws.OpcodeBinary {
		err = c.onBinary(b)
	} else {
		err = c.onText(b)
	}
	if err != nil {
		c.r.countError("BAD_MESSAGE")
	}
}

func (c *client) onBinary(b []byte) error {
	if len(b) == 0 {
		return errMalformed
	}
	switch b[0] {
	case binPixels:
		if !c.timed {
			if len(b) < 17 || (len(b)-17)%4 != 0 {
				return errMalformed
			}
			c.onPixels(binary.LittleEndian.Uint64(b[1:]), binary.LittleEndian.Uint64(b[9:]), nil)
			return nil
		}
		prev, seq, evs, err := decodeBinaryPixels(b, c.evs[:0])
		c.evs = evs
		if err != nil {
			return err
		}
		c.onPixels(prev, seq, evs)
	case binCanvas:
		_, _, seq, err := decodeBinaryCanvas(b)
		if err != nil {
			return err
		}
		c.onCanvas(seq)
	default:
		return errMalformed
	}
	return nil
}

func (c *client) onText(b []byte) error {
	switch messageType(b) {
	case "pixels":
		prev, seq, evs, err := decodeJSONPixels(b, c.evs[:0])
		c.evs = evs
		if err != nil {
			return err
		}
		c.onPixels(prev, seq, evs)
	case "canvas":
		var m canvasMsg
		if err := decodeJSON(b, &m); err != nil {
			return err
		}
		c.onCanvas(m.Seq)
	case "welcome":
		return decodeJSON(b, &c.welcome)
	case "success":
		var m successMsg
		if err := decodeJSON(b, &m); err != nil {
			return err
		}
		c.r.onAck(m.RequestID)
	case "error":
		var m errorMsg
		if err := decodeJSON(b, &m); err != nil {
			return err
		}
		c.r.onError(m.Code, m.RequestID)
	case "pong":
	case "state": // the event's state: nothing to measure
	default:
		return errMalformed
	}
	return nil
}

func (c *client) onCanvas(seq uint64) {
	c.lastSeq.Store(seq)
	c.haveSeq.Store(true)
	c.readyOnce.Do(func() { close(c.ready) })
}

// onPixels checks the chain of seqs (docs/protocol.md, "Resuming": prevSeq must equal the last
// seq this client applied) and takes a delivery latency sample for every
// event that is one of this run's own placements.
func (c *client) onPixels(prev, seq uint64, evs []event) {
	now := time.Since(c.r.start)
	c.messages.Add(1)
	if c.haveSeq.Load() {
		if last := c.lastSeq.Load(); prev > last {
			c.missed.Add(int64(prev - last))
		}
	}
	if seq > c.lastSeq.Load() || !c.haveSeq.Load() {
		c.lastSeq.Store(seq)
	}
	c.haveSeq.Store(true)

	t := c.r.cells.Load()
	if t == nil || !c.timed {
		return
	}
	for _, e := range evs {
		if e.x >= t.width || e.y >= t.height {
			continue
		}
		v := t.sent[e.y*t.width+e.x].Load()
		if v != 0 && int(v&0xf) == e.color {
			c.delivery.Record(now - time.Duration(v>>4))
		}
	}
}

// place sends one placement of pixel (x, y) in color, stamped with its send
// time so that the acknowledgment needs no lookup.
func (c *client) place(idx uint64, x, y, color int, sentAt time.Duration) error {
	b := c.placeBuf[:0]
	b = append(b, `{"type":"place","x":`...)
	b = strconv.AppendInt(b, int64(x), 10)
	b = append(b, `,"y":`...)
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, `,"color":`...)
	b = strconv.AppendInt(b, int64(color), 10)
	b = append(b, `,"requestId":"`...)
	b = strconv.AppendUint(b, idx, 36)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(sentAt), 36)
	b = append(b, `"}`...)
	c.placeBuf = b
	return c.conn.WriteMessage(gws.OpcodeText, b)
}

// sentAtOf recovers the send time from a requestId made by place.
func sentAtOf(requestID string) (time.Duration, bool) {
	i := strings.LastIndexByte(requestID, '.')
	if i < 0 {
		return 0, false
	}
	v, err := strconv.ParseInt(requestID[i+1:], 36, 64)
	return time.Duration(v), err == nil
}

// closeReason names why the server closed a connection, for the report.
func closeReason(err error) string {
	var ce *gws.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("close %d %s", ce.Code, ce.Reason)
	}
	if err == nil || err.Error() == "" {
		return "closed"
	}
	return err.Error()
}

// countingConn counts the bytes read from a connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// countingDialer dials with d and counts what each connection reads into n.
type countingDialer struct {
	d *net.Dialer
	n *atomic.Int64
}

func (d countingDialer) Dial(network, addr string) (net.Conn, error) {
	conn, err := d.d.Dial(network, addr)
	if err != nil {
		return nil, err
	}
	return countingConn{conn, d.n}, nil
}
