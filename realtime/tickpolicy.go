package realtime

import "time"

// tickPolicy decides when the broadcaster sends what has arrived. A flush
// costs a write per connection whatever it carries, so flushing on every
// placement would spend the server on system calls once the audience is
// large; waiting for a fixed tick makes a small audience wait for nothing.
// The policy sends at once when the last flush was long enough ago, and
// "long enough" is a multiple of what a flush costs now: the gap between
// two flushes is factor × (moving average of a flush's duration per
// connection) × (connections now), kept within [min, max]. The fan-out
// then takes at most about 1/factor of the time, and the gap widens by
// itself as connections (or the machine's load) make each flush dearer, up
// to max, the configured batch interval. Per connection, so that the gap
// follows the audience at once when it grows or leaves.
//
// It is pure: the caller passes the clock and reports each flush.
type tickPolicy struct {
	min, max time.Duration
	factor   float64

	avg  float64 // moving average of a flush's duration per connection, ns
	last time.Time
}

const (
	tickFactor  = 4                    // gap = tickFactor × flush cost
	tickMinGap  = time.Millisecond     // never flush more often than this
	tickAvgKeep = 0.75                 // weight of the past in the moving average
	tickNoCost  = 5 * time.Microsecond // assumed cost per connection before the first flush
)

// newTickPolicy returns the policy for a broadcaster whose longest wait is
// maxGap (the configured batch interval).
func newTickPolicy(maxGap time.Duration) *tickPolicy {
	return &tickPolicy{min: min(tickMinGap, maxGap), max: maxGap, factor: tickFactor, avg: float64(tickNoCost)}
}

// gap returns the minimum time between two flushes to conns connections.
func (p *tickPolicy) gap(conns int) time.Duration {
	g := time.Duration(p.factor * p.avg * float64(max(conns, 1)))
	return min(max(g, p.min), p.max)
}

// wait returns how long to wait, at now, before flushing what has just
// arrived to conns connections: 0 to flush at once.
func (p *tickPolicy) wait(now time.Time, conns int) time.Duration {
	if p.last.IsZero() {
		return 0
	}
	return max(p.last.Add(p.gap(conns)).Sub(now), 0)
}

// flushed records a flush to conns connections that started at start and
// took cost.
func (p *tickPolicy) flushed(start time.Time, cost time.Duration, conns int) {
	p.last = start
	per := float64(max(cost, 0)) / float64(max(conns, 1))
	p.avg = tickAvgKeep*p.avg + (1-tickAvgKeep)*per
}
