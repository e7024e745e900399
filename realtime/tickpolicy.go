package realtime

import "time"

// tickPolicy decides when the broadcaster sends what the live canvas has
// gained. A flush costs a write per connection whatever it carries, so
// flushing on every placement would spend the server on system calls once
// the audience is large; waiting for a fixed tick makes a small audience
// wait for nothing. The policy sends at once when the last flush started
// long enough ago, and "long enough" is a multiple of what a flush costs
// now: the gap between two flushes is factor × (moving average of a
// flush's duration per connection) × (connections now), kept within
// [1 ms, the batch interval]. The fan-out then takes at most about
// 1/factor of the time, and the gap widens by itself as connections (or the
// machine's load) make each flush dearer, up to the batch interval. Per
// connection, so that the gap follows the audience at once when it grows or
// leaves.
//
// It is pure: the caller passes the clock, the batch interval (a live
// setting) and reports each flush.
type tickPolicy struct {
	floor time.Duration // the shortest gap (tickMinGap; longer in tests)
	avg   float64       // moving average of a flush's duration per connection, ns
	last  time.Time     // when the last flush started; zero before the first
}

const (
	tickFactor  = 4                    // gap = tickFactor × flush cost
	tickMinGap  = time.Millisecond     // never flush more often than this
	tickAvgKeep = 0.75                 // weight of the past in the moving average
	tickNoCost  = 5 * time.Microsecond // assumed cost per connection before the first flush
)

// newTickPolicy returns a policy whose shortest gap is floor (0:
// tickMinGap).
func newTickPolicy(floor time.Duration) *tickPolicy {
	if floor <= 0 {
		floor = tickMinGap
	}
	return &tickPolicy{floor: floor, avg: float64(tickNoCost)}
}

// gap returns the minimum time between the starts of two flushes to conns
// connections when the batch interval is interval.
func (p *tickPolicy) gap(conns int, interval time.Duration) time.Duration {
	g := time.Duration(tickFactor * p.avg * float64(max(conns, 1)))
	return min(max(g, p.floor), interval)
}

// wait returns how long to wait, at now, before flushing what has just
// arrived for conns connections: 0 to flush at once.
func (p *tickPolicy) wait(now time.Time, conns int, interval time.Duration) time.Duration {
	if p.last.IsZero() {
		return 0
	}
	return max(p.last.Add(p.gap(conns, interval)).Sub(now), 0)
}

// flushed records a flush to conns connections that started at start and
// took cost.
func (p *tickPolicy) flushed(start time.Time, cost time.Duration, conns int) {
	p.last = start
	per := float64(max(cost, 0)) / float64(max(conns, 1))
	p.avg = tickAvgKeep*p.avg + (1-tickAvgKeep)*per
}
