package bench

import (
	"math"
	"time"
)

// tallyClients reports the newest seq, the pixels missed, the disconnected
// clients and why, and the errors.
func (r *runner) tallyClients(rep *Report, live []*client) {
	var maxSeq uint64
	for _, c := range live {
		maxSeq = max(maxSeq, c.lastSeq.Load())
	}
	for _, c := range live {
		// A client that fell behind or was disconnected missed what it never got.
		rep.Missed += c.missed.Load() + int64(maxSeq-c.lastSeq.Load())
		if c.isClosed() {
			rep.Disconnected++
		}
	}
	r.mu.Lock()
	for _, c := range live {
		if c.isClosed() {
			countBounded(r.closeReasons, closeReason(c.closeErr))
		}
	}
	for k, v := range r.errorCounts {
		rep.Errors[k] = v
	}
	if n := r.sendFailed.Load(); n > 0 {
		rep.Errors["SEND_FAILED"] = n
	}
	rep.CloseReasons = r.closeReasons
	r.mu.Unlock()
	rep.LastSeq = maxSeq
}

// tallyLatency reports the placements, their acknowledgments and the
// latencies of both.
func (r *runner) tallyLatency(rep *Report) {
	rep.Placed = r.placed.Load()
	rep.Acked = r.acked.Load()
	rep.AckP50Ms = ms(r.ack.Percentile(50))
	rep.AckP99Ms = ms(r.ack.Percentile(99))
	rep.AckMaxMs = ms(r.ack.Max())
	delivery := NewHistogram()
	for _, h := range r.deliveryShards {
		delivery.Merge(h)
	}
	rep.Deliveries = int64(delivery.Count())
	rep.DeliveryP50Ms = ms(delivery.Percentile(50))
	rep.DeliveryP99Ms = ms(delivery.Percentile(99))
	rep.DeliveryMaxMs = ms(delivery.Max())
}

// tallyThroughput reports the rates while placing and the server's memory.
func tallyThroughput(rep *Report, m *runMetrics, live []*client) {
	window := m.window
	rep.MessagesPerSec = float64(m.msgs) / window.Seconds()
	rep.BytesPerClientPerSec = float64(m.bytes) / float64(len(live)) / window.Seconds()
	if rep.Placed > 0 {
		rep.BytesPerPlacement = float64(m.bytes) / float64(len(live)) / float64(rep.Placed)
	}
	rep.PlacedPerSec = float64(rep.Placed) / window.Seconds()
	rep.ServerRssBeforeBytes = m.before.rss
	rep.ServerRssConnectedBytes = m.connected.rss
	rep.ServerRssBytes = m.end.rss
	rep.ServerHeapBytes = m.end.heap
	rep.ServerConnections = m.connected.conns
	if m.before.ok && m.connected.ok && m.connected.rss > m.before.rss {
		rep.ServerRssPerConnBytes = float64(m.connected.rss-m.before.rss) / float64(len(live))
	}
}

func (r *runner) deliveries() int64 {
	var n uint64
	for _, h := range r.deliveryShards {
		n += h.Count()
	}
	return int64(n)
}

func openTimedCount(clients []*client) int {
	n := 0
	for _, c := range clients {
		if c.timed && !c.isClosed() {
			n++
		}
	}
	return n
}

func timedCount(clients []*client) int {
	n := 0
	for _, c := range clients {
		if c.timed {
			n++
		}
	}
	return n
}

func totals(clients []*client) (bytes, messages int64) {
	for _, c := range clients {
		bytes += c.bytes.Load()
		messages += c.messages.Load()
	}
	return bytes, messages
}

// caughtUp reports whether every open client has the newest seq any has.
func caughtUp(clients []*client) bool {
	var lo, hi uint64 = math.MaxUint64, 0
	for _, c := range clients {
		if c.isClosed() {
			continue
		}
		s := c.lastSeq.Load()
		lo, hi = min(lo, s), max(hi, s)
	}
	return lo >= hi
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
