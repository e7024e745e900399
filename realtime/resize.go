package realtime

import (
	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// Resize tells a client that the canvas grew: it lays its canvas out on the
// new size, every pixel at its (x, y) and the new area white, before the
// pixels that follow (docs/protocol.md). Seq is the last seq sent before
// it. It is JSON (a text frame) for binary connections too.
type Resize struct {
	Type   string `json:"type"` // "resize"
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Seq    uint64 `json:"seq"`
}

func resizeFrame(sz place.Size, seq uint64) []byte {
	return newFrame(gws.OpcodeText, mustJSON(Resize{Type: "resize", Width: sz.Width, Height: sz.Height, Seq: seq}))
}

// resizeFrames returns the resize frame every connection gets before the
// batch after prev when the live canvas grew since the last one, else nil.
// Called under b.mu.
func (b *broadcaster) resizeFrames(prev uint64) []byte {
	sz := b.live.Size()
	if sz == b.sentSize {
		return nil
	}
	b.sentSize = sz
	return resizeFrame(sz, prev)
}

// sendAll sends one frame to every target, closing those whose backlog is
// full as slow consumers.
func (b *broadcaster) sendAll(targets []*client, frame []byte) {
	for _, c := range targets {
		if c.closed.Load() {
			continue
		}
		if c.w.send(frame, b.maxBacklog) == overflow {
			metrics.SlowConsumers.Inc()
			b.conns.closeConn(c.conn, 1008, "slow consumer")
		}
	}
}

// Size returns the live canvas's size.
func (h *Hub) Size() place.Size { return h.opts.Live.Size() }

// Grow enlarges the live canvas to sz (a growth made in the store, learnt
// from its notice); the broadcaster, woken, sends resize to every connection. A size
// that does not cover the current one changes nothing.
func (h *Hub) Grow(sz place.Size) bool { return h.opts.Live.Grow(sz) }

// Resize sets the live canvas to exactly sz (the store's size after a
// growth or an undone growth); the broadcaster, woken, sends resize to
// every connection.
func (h *Hub) Resize(sz place.Size) bool { return h.opts.Live.Resize(sz) }
