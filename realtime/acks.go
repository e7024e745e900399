package realtime

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
)

// Batched acknowledgements (docs/protocol.md, "Batched acknowledgements"):
// a connection opened with ?acks=batched does not get each `success` in a
// write of its own. The answer is held in the connection's writer and goes
// out in the same write(2) as the next frame written to the connection,
// usually the next broadcast batch; when no flush comes, the broadcaster
// writes the held answers alone within one broadcast gap. At thousands of
// placements a second, a write per placement was a large share of the
// server's work (BENCHMARKS.md, "Cluster mode: server CPU per placement").

// AcksParam is the /ws query parameter that chooses how placements are
// acknowledged: AcksBatched or AcksEach (the default).
const (
	AcksParam   = "acks"
	AcksBatched = "batched"
	AcksEach    = "each"
)

var errAcksParam = place.Errorf(place.EVALIDATION, "acks must be \"batched\" or \"each\", given once.")

// BatchedAcks reports whether the upgrade request asks for batched
// acknowledgements; a value other than batched or each, or the parameter
// given twice, is a VALIDATION_ERROR.
func BatchedAcks(r *http.Request) (bool, error) {
	v, ok := r.URL.Query()[AcksParam]
	if !ok {
		return false, nil
	}
	if len(v) != 1 {
		return false, errAcksParam
	}
	switch v[0] {
	case AcksBatched:
		return true, nil
	case AcksEach:
		return false, nil
	}
	return false, errAcksParam
}

// ackBufKeep is the largest write buffer a connection keeps for its held
// answers between writes; a larger one (a held answer written with a big
// batch) is let go.
const ackBufKeep = 4 << 10

// hold keeps payload, framed as a text message, for the connection's next
// write. first reports that nothing was held before it: the caller then
// tells the broadcaster, which writes it within one gap. epoch is the
// ackQueue's epoch, kept with the first answer held.
func (w *connWriter) hold(payload []byte, epoch uint64) (first, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.broken {
		return false, false
	}
	first = len(w.acks) == 0
	if first {
		w.ackEpoch = epoch
	}
	w.acks = appendFrame(w.acks, gws.OpcodeText, payload)
	return first, true
}

// flushAcks writes the held answers on their own, if the first of them
// was held by epoch: answers held since are in the ackQueue's next list.
func (w *connWriter) flushAcks(epoch uint64) sendResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.broken {
		return gone
	}
	if len(w.acks) == 0 || w.ackEpoch > epoch {
		return sent
	}
	return w.sendAcksLocked(nil, 0)
}

// sendAcksLocked writes the held answers followed by frame in one write.
// The buffer is kept for the next answers once it has been written whole.
func (w *connWriter) sendAcksLocked(frame []byte, limit int64) sendResult {
	buf := append(w.acks, frame...)
	w.acks = nil
	r := w.sendLocked(buf, limit)
	if r == sent && len(w.queue) == 0 && cap(buf) <= ackBufKeep {
		w.acks = buf[:0]
	}
	return r
}

// ackQueue lists the connections holding answers, for the broadcaster. A
// connection is added when its first answer is held; the broadcaster takes
// the list when it flushes, and after the batch (which, written to a
// connection, carries its held answers) writes what those it did not
// reach still hold. Each take starts a new epoch: a connection whose
// answers were first held after the take is on the next list, and its
// answers wait for the next batch rather than going out alone. wake tells
// the broadcaster's loop that the list is no longer empty.
type ackQueue struct {
	epoch atomic.Uint64
	mu    sync.Mutex
	conns []*client
	wake  chan struct{}
}

func newAckQueue() ackQueue {
	return ackQueue{wake: make(chan struct{}, 1)}
}

func (q *ackQueue) add(c *client) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.conns) == 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	q.conns = append(q.conns, c)
}

// take empties the list and returns what it held, and the epoch it ends.
func (q *ackQueue) take() (held []*client, epoch uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	held = q.conns
	q.conns = nil
	epoch = q.epoch.Add(1) - 1
	select {
	case <-q.wake:
	default:
	}
	return held, epoch
}

// ackMaxDelay is the longest an answer waits for a batch (or
// Options.MinGap, when longer): when the gap between flushes is longer (a
// large audience or a long batch interval), held answers go out on their
// own after it.
const ackMaxDelay = 250 * time.Millisecond

// changeWithin waits up to d for the live canvas to change past the last
// batch; false when it did not, or ctx ended.
func (b *broadcaster) changeWithin(ctx context.Context, d time.Duration, timer *time.Timer) bool {
	timer.Reset(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-b.live.Changed(b.lastSent()):
		return true
	case <-timer.C:
		return false
	}
}

// flushAcks writes every held answer on its own.
func (b *broadcaster) flushAcks() {
	held, epoch := b.acks.take()
	flushHeld(held, epoch)
}

// flushHeld writes what the connections of held still hold from epoch or
// before: those the batch did not reach (there was none, or it skipped
// them).
func flushHeld(held []*client, epoch uint64) {
	for _, c := range held {
		c.w.flushAcks(epoch)
	}
}

// holdAck holds a success payload for c's next write.
func (h *Hub) holdAck(c *client, payload []byte) {
	if first, ok := c.w.hold(payload, h.bc.acks.epoch.Load()); first && ok {
		h.bc.acks.add(c)
	}
}
