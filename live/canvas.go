// Package live holds the process's one live canvas: the color of every
// pixel, the seq it includes and a replay ring of the latest events. In
// embedded mode the store applies each batch to it at commit, before the
// placements are acknowledged; in cluster mode the hub applies what it
// reads from the Redis stream. Readers (the broadcaster at each tick, canvas
// reads, joining clients) take what they need under a short lock, so that a
// writer never waits for them. See docs/architecture.md.
package live

import (
	"context"
	"sync"

	"github.com/placecanvas/place"
)

// RingSize is the replay ring: at least the last 100,000 events (see
// docs/protocol.md, "Resuming").
const RingSize = 1 << 17

// Canvas is a live canvas with its seq and replay ring. It is safe for
// concurrent use.
type Canvas struct {
	width, height int

	mu        sync.Mutex
	data      []byte
	seq       uint64
	ring      []place.Pixel // event of seq s at ring[s%RingSize]
	ringCount int           // how many seqs up to seq the ring holds
	snap      []byte        // a copy of data at snapSeq, shared by readers
	snapSeq   uint64
	changed   chan struct{} // closed at the next change; nil when nobody waits
	acked     uint64        // highest seq acknowledged to a client of this process
	// grown is whether the canvas grew since the process started, and
	// grewAt the seq it was at when it last did.
	grown  bool
	grewAt uint64
}

// New returns an empty canvas (all color 0, seq 0) of the given size.
func New(width, height int) *Canvas {
	return &Canvas{width: width, height: height, data: make([]byte, width*height), ring: make([]place.Pixel, RingSize)}
}

// Size returns the canvas size (see Grow and Resize).
func (c *Canvas) Size() place.Size {
	c.mu.Lock()
	defer c.mu.Unlock()
	return place.Size{Width: c.width, Height: c.height}
}

// Width and Height are the canvas size.
func (c *Canvas) Width() int  { return c.Size().Width }
func (c *Canvas) Height() int { return c.Size().Height }

// Reset starts over from data (which the canvas takes), of size sz, at seq,
// with an empty replay ring.
func (c *Canvas) Reset(data []byte, sz place.Size, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.width*c.height > 0 && (sz.Width > c.width || sz.Height > c.height) {
		c.grown, c.grewAt = true, seq
	}
	c.data, c.seq, c.ringCount, c.snap = data, seq, 0, nil
	c.width, c.height = sz.Width, sz.Height
	c.acked = min(c.acked, seq)
	c.wakeLocked()
}

// Grow enlarges the canvas to cover sz, keeping every pixel at its (x, y)
// with the new area white; it reports whether the size changed. A size that
// does not cover the current one in a direction keeps that direction.
func (c *Canvas) Grow(sz place.Size) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.growLocked(sz)
}

func (c *Canvas) growLocked(sz place.Size) bool {
	return c.resizeLocked(place.Size{Width: c.width, Height: c.height}.Max(sz))
}

// resizeLocked lays the canvas out on sz and tells readers (GrewSince)
// and the broadcaster, reporting whether the size changed.
func (c *Canvas) resizeLocked(sz place.Size) bool {
	from := place.Size{Width: c.width, Height: c.height}
	if sz == from {
		return false
	}
	c.data = place.Relayout(c.data, from, sz)
	c.width, c.height, c.snap = sz.Width, sz.Height, nil
	c.grown, c.grewAt = true, c.seq
	c.wakeLocked()
	return true
}

// Resize lays the canvas out on exactly sz, every pixel at its (x, y): the
// new area is white and what lies beyond sz is dropped (an undone growth,
// whose area nothing was placed in). It reports whether the size changed;
// readers learn of it as of a growth (GrewSince).
func (c *Canvas) Resize(sz place.Size) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resizeLocked(sz)
}

// GrewSince reports whether the canvas grew (as far as this process has
// seen) when it was at seq or later: a reader that last had seq may not
// know its size.
func (c *Canvas) GrewSince(seq uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.grown && c.grewAt >= seq
}

// Fits reports whether every placement of ps is on the canvas.
func (c *Canvas) Fits(ps []place.Placement) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range ps {
		if p.X < 0 || p.Y < 0 || p.X >= c.width || p.Y >= c.height {
			return false
		}
	}
	return true
}

// Seq returns the last seq the canvas includes.
func (c *Canvas) Seq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// Remember adds an already applied placement to the replay ring (filling it
// from history at start). Placements must come in seq order without gaps,
// ending at or before Seq; it reports false, emptying the ring, otherwise.
func (c *Canvas) Remember(p place.Placement, prev uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.Seq != prev+1 || p.Seq > c.seq {
		c.ringCount = 0
		return false
	}
	c.ring[p.Seq%RingSize] = place.Pixel{X: p.X, Y: p.Y, Color: p.Color}
	c.ringCount = min(c.ringCount+1, RingSize)
	return true
}

// Apply paints the placements of ps that follow Seq, in order, skipping
// those it already has. It reports false if ps skips a seq; the replay ring
// then starts again after the gap.
func (c *Canvas) Apply(ps []place.Placement) (gapFree bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gapFree = true
	for _, p := range ps {
		if p.Seq <= c.seq {
			continue
		}
		if p.Seq != c.seq+1 {
			gapFree = false
			c.ringCount = 0
		}
		if p.X >= c.width || p.Y >= c.height {
			// Never reached when the size is kept up to date (the caller
			// grows the canvas first); growing here keeps the pixel in place.
			c.growLocked(place.Size{Width: p.X + 1, Height: p.Y + 1})
		}
		e := place.Pixel{X: p.X, Y: p.Y, Color: p.Color}
		c.data[p.Y*c.width+p.X] = p.Color
		c.ring[p.Seq%RingSize] = e
		c.ringCount = min(c.ringCount+1, RingSize)
		c.seq = p.Seq
	}
	c.wakeLocked()
	return gapFree
}

// Changed returns a channel that is closed once the canvas is no longer at
// seq and of size sz: at once (already closed) when it has moved on or
// grown, else at the next Apply, Reset or Grow. The broadcaster waits on it
// between flushes, so that an idle canvas costs nothing and a placement (or
// a growth, which it announces) is seen as soon as it lands.
func (c *Canvas) Changed(seq uint64, sz place.Size) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq || c.width != sz.Width || c.height != sz.Height {
		return closedCh
	}
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	return c.changed
}

// closedCh is what Changed returns when the canvas has already changed.
var closedCh = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

func (c *Canvas) wakeLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// Events appends to dst the events in (after, Seq] and returns them with
// Seq; ok is false when the ring no longer holds them all (or after is
// beyond Seq).
func (c *Canvas) Events(after uint64, dst []place.Pixel) (events []place.Pixel, seq uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if after > c.seq || c.seq-after > uint64(c.ringCount) {
		return dst, c.seq, false
	}
	for s := after + 1; s <= c.seq; s++ {
		dst = append(dst, c.ring[s%RingSize])
	}
	return dst, c.seq, true
}

// Snapshot returns the canvas at Seq with its size: a copy made once per
// seq (and size) and shared by every reader, which must not modify it.
func (c *Canvas) Snapshot() (data []byte, sz place.Size, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap == nil || c.snapSeq != c.seq {
		c.snap, c.snapSeq = append([]byte(nil), c.data...), c.seq
	}
	return c.snap, place.Size{Width: c.width, Height: c.height}, c.snapSeq
}

// Acknowledged records that a placement up to seq was acknowledged to a
// client of this process; Current waits until the canvas includes it.
func (c *Canvas) Acknowledged(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acked = max(c.acked, seq)
}

// AckedSeq returns the highest seq acknowledged to a client of this process.
func (c *Canvas) AckedSeq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acked
}

// Current returns Snapshot once the canvas includes every placement this
// process acknowledged, or when ctx ends (then what it has): a read made
// after an acknowledgement includes that placement.
func (c *Canvas) Current(ctx context.Context) (data []byte, sz place.Size, seq uint64) {
	c.mu.Lock()
	for c.seq < c.acked {
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return c.Snapshot()
		}
		c.mu.Lock()
	}
	c.mu.Unlock()
	return c.Snapshot()
}
