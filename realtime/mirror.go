package realtime

import (
	"sync"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// ringSize is the replay ring: at least the last 100,000 events (see
// docs/protocol.md, "Resuming").
const ringSize = 1 << 17

// Mirror is this process's live canvas as last broadcast: the color of
// every pixel, the seq it includes, and a replay ring of the latest events
// for clients that resume from a seq. It holds no lock and does no I/O; its
// owner (the broadcaster) serializes every call.
type Mirror struct {
	width, height int
	data          []byte
	seq           uint64
	ring          []Event // event of seq s at ring[s%ringSize]
	ringCount     int     // how many seqs up to seq the ring holds
	frame         *canvasFrame
}

// NewMirror returns an empty mirror of a canvas of the given size.
func NewMirror(width, height int) *Mirror {
	return &Mirror{width: width, height: height, ring: make([]Event, ringSize)}
}

// Reset starts over from data at seq, with an empty replay ring.
func (m *Mirror) Reset(data []byte, seq uint64) {
	m.data, m.seq, m.ringCount, m.frame = data, seq, 0, nil
}

// Seq returns the last seq the mirror includes.
func (m *Mirror) Seq() uint64 { return m.seq }

// Remember adds an already applied placement to the replay ring (filling it
// from history at start). Placements must come in seq order without gaps,
// ending at or before Seq; it reports false, emptying the ring, otherwise.
func (m *Mirror) Remember(p place.Placement, prev uint64) bool {
	if p.Seq != prev+1 || p.Seq > m.seq {
		m.ringCount = 0
		return false
	}
	m.ring[p.Seq%ringSize] = Event{X: p.X, Y: p.Y, Color: p.Color}
	m.ringCount = min(m.ringCount+1, ringSize)
	return true
}

// Apply paints placements that follow Seq, in order, and returns them as
// events.
func (m *Mirror) Apply(ps []place.Placement) []Event {
	events := make([]Event, len(ps))
	for i, p := range ps {
		e := Event{X: p.X, Y: p.Y, Color: p.Color}
		events[i] = e
		m.data[p.Y*m.width+p.X] = p.Color
		m.ring[p.Seq%ringSize] = e
	}
	if len(ps) > 0 {
		m.ringCount = min(m.ringCount+len(ps), ringSize)
		m.seq = ps[len(ps)-1].Seq
	}
	return events
}

// Replay returns the events in (since, Seq] if the ring still holds them.
func (m *Mirror) Replay(since uint64) ([]Event, bool) {
	if since > m.seq {
		return nil, false
	}
	n := m.seq - since
	if n > uint64(m.ringCount) {
		return nil, false
	}
	out := make([]Event, 0, n)
	for s := since + 1; s <= m.seq; s++ {
		out = append(out, m.ring[s%ringSize])
	}
	return out, true
}

// Frame returns the canvas at Seq, copied once per seq and shared by every
// reader until the next change.
func (m *Mirror) Frame() *canvasFrame {
	if m.frame == nil || m.frame.seq != m.seq {
		m.frame = &canvasFrame{seq: m.seq, width: m.width, height: m.height, raw: append([]byte(nil), m.data...)}
	}
	return m.frame
}

// canvasFrame is the canvas at one seq, encoded and framed at most once per
// encoding and shared by every connection that starts from it.
type canvasFrame struct {
	seq               uint64
	width, height     int
	raw               []byte
	json, binary      []byte // WebSocket frames
	jsonOnce, binOnce sync.Once
}

func (f *canvasFrame) jsonFrame() []byte {
	f.jsonOnce.Do(func() {
		f.json = newFrame(gws.OpcodeText, EncodeCanvasJSON(f.width, f.height, f.seq, f.raw))
		metrics.CanvasEncodes.WithLabelValues("json").Inc()
	})
	return f.json
}

func (f *canvasFrame) binaryFrame() []byte {
	f.binOnce.Do(func() {
		f.binary = newFrame(gws.OpcodeBinary, EncodeCanvasBinary(f.width, f.height, f.seq, f.raw))
		metrics.CanvasEncodes.WithLabelValues("binary").Inc()
	})
	return f.binary
}
