package bench

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// planPlacing picks the placers, the total rate the server's cooldown
// allows, and the least gap between two placements of one placer.
func (r *runner) planPlacing(rep *Report, live []*client, cooldownSeconds float64, warn func(format string, args ...any)) (placers []*client, rate float64, minGap time.Duration) {
	opts := r.opts
	// Placers are the connected clients that started playing; each is its
	// own guest user with its own cooldown, so each may place once per
	// cooldown.
	for _, c := range live {
		if c.id < opts.Placers && len(placers) < opts.Placers {
			placers = append(placers, c)
		}
	}
	rep.Placers = len(placers)
	rate = opts.Rate
	if cooldownSeconds > 0 {
		cd := time.Duration(cooldownSeconds * float64(time.Second))
		// Send times are not arrival times: leave room for jitter so the
		// server never sees two placements of one user closer than its cooldown.
		minGap = cd + max(20*time.Millisecond, cd/20)
	}
	if len(placers) > 0 && minGap > 0 {
		perPlacerMax := 1 / minGap.Seconds()
		if rate/float64(len(placers)) > perPlacerMax {
			capped := perPlacerMax * float64(len(placers))
			need := int(math.Ceil(rate / perPlacerMax))
			warn("rate %.0f/s over %d placers is %.2f/s each, but the server's cooldown of %gs allows %.2f/s each; "+
				"capped to %.1f/s in total (use at least %d placers, or start the server with a shorter --cooldown)",
				rate, len(placers), rate/float64(len(placers)), cooldownSeconds, perPlacerMax, capped, need)
			rate = capped
		}
	}
	if len(placers) < opts.Placers {
		warn("only %d of the %d placers connected", len(placers), opts.Placers)
	}
	rep.Rate = rate
	for _, p := range placers {
		if wait := time.Duration(p.welcome.Cooldown * float64(time.Millisecond)); wait > 0 {
			p.nextAllowed = time.Now().Add(wait)
		}
	}
	return placers, rate, minGap
}

// placeAll places for the run's duration, over up to four shards of
// placers, and measures what the live clients received meanwhile.
func (r *runner) placeAll(ctx context.Context, rep *Report, m *runMetrics, live, placers []*client, rate float64, minGap time.Duration) {
	opts := r.opts
	fmt.Fprintf(opts.Log, "placing %.0f/s over %d placers for %s\n", rate, len(placers), opts.Duration)
	bytes0, msgs0 := totals(live)
	placeStart := time.Now()
	end := placeStart.Add(opts.Duration)
	if len(placers) > 0 {
		shards := min(len(placers), 4)
		var pw sync.WaitGroup
		for s := range shards {
			var mine []*client
			for i := s; i < len(placers); i += shards {
				mine = append(mine, placers[i])
			}
			shardRate := rate * float64(len(mine)) / float64(len(placers))
			phase := float64(s) / float64(shards)
			pw.Go(func() { r.placeLoop(ctx, mine, shardRate, phase, minGap, end) })
		}
		pw.Wait()
	} else {
		select {
		case <-time.After(opts.Duration):
		case <-ctx.Done():
		}
	}
	m.window = time.Since(placeStart)
	bytes1, msgs1 := totals(live)
	m.bytes, m.msgs = bytes1-bytes0, msgs1-msgs0
	rep.DurationSec = m.window.Seconds()
}

// drain waits for the outstanding acknowledgments, for every open client
// to have seen every acknowledged placement (the last batch may still be on
// its way when all clients agree on a seq), and for all to agree on the
// newest seq.
func (r *runner) drain(ctx context.Context, live []*client) {
	drainEnd := time.Now().Add(r.opts.DrainTimeout)
	for time.Now().Before(drainEnd) && ctx.Err() == nil {
		acked := r.acked.Load()
		answered := acked+r.refused.Load()+r.sendFailed.Load() >= r.placed.Load()
		if answered && r.deliveries() >= acked*int64(openTimedCount(live)) && caughtUp(live) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// placeLoop sends placements from its placers, round-robin, at rate per
// second until end, the n-th at (n+phase)/rate seconds: the shards' phases
// interleave their placements evenly instead of sending in step. A placer
// still in its cooldown holds the loop back rather than being skipped, so
// the server never sees a cooldown violation caused by the generator.
func (r *runner) placeLoop(ctx context.Context, placers []*client, rate, phase float64, minGap time.Duration, end time.Time) {
	tickEvery := min(10*time.Millisecond, max(time.Millisecond, time.Duration(float64(time.Second)/rate)))
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	start := time.Now()
	var sent int64
	next := 0
	t := r.cells.Load()
	cells := uint64(len(t.sent))
	for {
		now := time.Now()
		if !now.Before(end) {
			return
		}
		due := int64(math.Floor(now.Sub(start).Seconds()*rate-phase)) + 1 - sent
		for ; due > 0; due-- {
			p := placers[next]
			if now.Before(p.nextAllowed) {
				break
			}
			idx := r.nextPlacement.Add(1) - 1
			cell := idx % cells
			color := int(idx / cells % 16)
			sentAt := time.Since(r.start)
			t.sent[cell].Store(uint64(sentAt)<<4 | uint64(color))
			r.placed.Add(1)
			if err := p.place(idx, int(cell)%t.width, int(cell)/t.width, color, sentAt); err != nil {
				r.sendFailed.Add(1)
			}
			if minGap > 0 {
				p.nextAllowed = now.Add(minGap)
			}
			next = (next + 1) % len(placers)
			sent++
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}
