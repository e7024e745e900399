package bench

import (
	"sync"
	"sync/atomic"
	"time"
)

// sentTable remembers, per canvas cell, when this run last placed there and
// in which color: (nanoseconds since the start << 4) | color. Each in-flight
// placement has a cell of its own (placements cycle through the canvas), so
// a delivered event is matched to its send time with one atomic load and no
// lock, however many clients receive it.
type sentTable struct {
	width, height int
	sent          []atomic.Uint64
}

type runner struct {
	opts  Options
	start time.Time

	cells          atomic.Pointer[sentTable]
	deliveryShards []*Histogram
	ack            *Histogram
	nextPlacement  atomic.Uint64

	placed     atomic.Int64
	acked      atomic.Int64
	refused    atomic.Int64 // placements answered with an error
	sendFailed atomic.Int64

	mu           sync.Mutex
	errorCounts  map[string]int64
	connectErrs  map[string]int
	closeReasons map[string]int
}

func (r *runner) countError(code string) {
	r.mu.Lock()
	r.errorCounts[code]++
	r.mu.Unlock()
}

func (r *runner) onAck(requestID string) {
	sentAt, ok := sentAtOf(requestID)
	if !ok {
		r.countError("BAD_REQUEST_ID")
		return
	}
	r.acked.Add(1)
	r.ack.Record(time.Since(r.start) - sentAt)
}

func (r *runner) onError(code, requestID string) {
	if code == "" {
		code = "UNKNOWN"
	}
	r.countError(code)
	if requestID != "" {
		r.refused.Add(1)
	}
}

// countBounded adds one to m[key], folding keys beyond a few into "other" so
// that errors carrying addresses or ports cannot grow the report unbounded.
func countBounded(m map[string]int, key string) {
	if _, ok := m[key]; !ok && len(m) >= 8 {
		key = "other"
	}
	m[key]++
}
