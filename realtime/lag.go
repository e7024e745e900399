package realtime

import (
	"context"
	"time"

	"github.com/placecanvas/place/metrics"
)

// A connection is a slow consumer when it is about 5 s of batches behind,
// counting what the kernel holds as well as its own queue: the socket's
// send buffer is bounded (Options.SendBuffer), and once a second every
// connection's unsent and unacknowledged bytes (TIOCOUTQ) are compared with
// how much had been handed to the kernel in earlier seconds. When bytes
// handed over lagSeconds ago are still in the socket, the client has not
// taken them for that long, and it is closed. Without this, a client that
// never reads would pin up to the kernel's autotuned buffer (megabytes) per
// socket, with its own queue never growing.

// lagSeconds is how far behind, in seconds of sent data, a client may fall.
const lagSeconds = 5

// lagMarks remembers, for one connection, how many bytes had been handed to
// the kernel at each of the last lagSeconds lag checks.
type lagMarks [lagSeconds]uint64

// lagging reports whether the bytes handed to the kernel lagSeconds checks
// ago (check is the number of this check) are still in the socket, and
// records this check's mark. A connection that was sent nothing since a
// check found its socket empty is skipped without asking the kernel (most
// connections of an idle canvas).
func (w *connWriter) lagging(check uint64) bool {
	slot := check % lagSeconds
	w.mu.Lock()
	written := w.written
	if written == w.emptyAt || w.closed || w.broken {
		w.marks[slot] = written
		w.mu.Unlock()
		return false
	}
	w.mu.Unlock()
	inKernel, ok := w.oq.unsent(w.raw)
	w.mu.Lock()
	defer w.mu.Unlock()
	old := w.marks[slot]
	w.marks[slot] = w.written
	if !ok {
		return false
	}
	if inKernel == 0 {
		w.emptyAt = written
	}
	// The first byte the client has not taken is at written-inKernel (the
	// connection's own queue only holds bytes newer than the kernel's).
	return check >= lagSeconds && written-min(uint64(inKernel), written) < old
}

// watchLag checks every connection once a second and closes those that
// are lagSeconds behind, until ctx ends.
func (r *registry) watchLag(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var targets []*client
	for check := uint64(0); ; check++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		targets = r.snapshot(targets[:0])
		for _, c := range targets {
			if !c.closed.Load() && c.w.lagging(check) {
				metrics.SlowConsumers.Inc()
				r.closeConn(c.conn, 1008, "slow consumer")
			}
		}
		clear(targets)
	}
}
