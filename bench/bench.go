// Package bench is the load generator behind `place bench` (BENCHMARKS.md): it
// opens many WebSocket clients against a running server, lets some of them
// place pixels at a fixed total rate, and measures what every client sees:
// acknowledgment and delivery latency, pixels missed (gaps in the seq chain),
// bytes received, and the server's memory from its /metrics.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Options configures a run. Start from DefaultOptions: its zero value is not
// a useful run.
type Options struct {
	Target   string        // base URL of the server, e.g. http://127.0.0.1:3000
	Clients  int           // WebSocket connections to open
	Placers  int           // how many of them place pixels; each is its own guest user
	Rate     float64       // placements per second, in total over all placers
	Duration time.Duration // how long to place
	Warmup   time.Duration // idle time between the last connect and the first placement
	Binary   bool          // offer the place.v1.bin subprotocol (docs/protocol.md, "Binary encoding"); JSON otherwise
	Deflate  bool          // offer permessage-deflate, as browsers do (docs/protocol.md, "Compression")
	// BatchedAcks asks for ?acks=batched (docs/protocol.md, "Batched
	// acknowledgements"): each success comes with the next broadcast write.
	BatchedAcks bool

	// TimedClients is how many clients (the last ones opened) time every
	// event they receive; 0 means all. The others only check each batch's
	// seq chain, which keeps the generator's own cost per event low enough
	// to measure placement throughput, where every placer is a receiver too.
	TimedClients int

	// SourceAddrs are the local addresses the connections are spread over,
	// round-robin. nil picks them: 127.0.0.2, 127.0.0.3, … (one per
	// ConnsPerAddr connections) when Target is on loopback on Linux, where
	// all of 127/8 is local; a non-nil empty slice binds nothing.
	// Automatic addresses also give each placer an address of its own
	// (127.1.0.2, …), as real players have.
	SourceAddrs  []string
	ConnsPerAddr int // for the automatic SourceAddrs; default 250, under the server's default cap of 300 per address
	autoAddrs    bool

	DialConcurrency int           // connections being opened at once; default 64
	ConnectTimeout  time.Duration // per connection, until its canvas arrived; default 15s
	DrainTimeout    time.Duration // after placing, how long to wait for the last acks and batches; default 5s

	Log io.Writer // progress lines; nil for none
}

// DefaultOptions returns a small run against a local server.
func DefaultOptions() Options {
	return Options{
		Target:   "http://127.0.0.1:3000",
		Clients:  100,
		Placers:  10,
		Rate:     100,
		Duration: 10 * time.Second,
		Warmup:   time.Second,
		Binary:   true,

		BatchedAcks: true,
	}
}

func (o *Options) setDefaults() {
	if o.ConnsPerAddr <= 0 {
		o.ConnsPerAddr = 250
	}
	if o.DialConcurrency <= 0 {
		o.DialConcurrency = 64
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 15 * time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

func (o *Options) validate() error {
	switch {
	case o.Clients < 1:
		return errors.New("clients must be at least 1")
	case o.Placers < 0 || o.Placers > o.Clients:
		return fmt.Errorf("placers must be between 0 and clients (%d)", o.Clients)
	case o.Placers > 0 && !(o.Rate > 0):
		return errors.New("rate must be above 0 when there are placers")
	case o.Duration <= 0:
		return errors.New("duration must be positive")
	case o.Warmup < 0:
		return errors.New("warmup must not be negative")
	case o.TimedClients < 0:
		return errors.New("timed clients must not be negative")
	}
	return nil
}

// Run performs one measurement and reports it. It returns an error only when
// the run could not take place (bad options, no connection at all); a run
// that missed pixels or had errors is a Report saying so.
func Run(ctx context.Context, opts Options) (Report, error) {
	opts.setDefaults()
	if err := opts.validate(); err != nil {
		return Report{}, err
	}
	wsURL, origin, metricsURL, err := endpoints(opts.Target, opts.BatchedAcks)
	if err != nil {
		return Report{}, err
	}
	if opts.SourceAddrs == nil {
		opts.SourceAddrs = autoSourceAddrs(wsURL, opts.Clients, opts.ConnsPerAddr)
		opts.autoAddrs = len(opts.SourceAddrs) > 0
	}
	r := newRunner(opts)
	rep := newReport(opts)
	warn := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		rep.Warnings = append(rep.Warnings, msg)
		fmt.Fprintln(opts.Log, "warning:", msg)
	}

	if limit, err := raiseFileLimit(); err != nil {
		warn("could not raise the open-file limit: %v", err)
	} else if limit > 0 && uint64(opts.Clients)+64 > limit {
		warn("%d clients need more open files than the limit of %d allows", opts.Clients, limit)
	}
	rep.SourceAddrs = opts.SourceAddrs
	var m runMetrics
	m.before, err = scrapeMetrics(ctx, metricsURL)
	if err != nil {
		warn("no server metrics: %v", err)
	}

	clients, live := r.connectAll(ctx, &rep, wsURL, origin)
	defer closeAll(clients)
	if len(live) == 0 {
		return rep, r.noConnection(wsURL)
	}
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	info := live[0].welcome.CanvasInfo
	if info.Width <= 0 || info.Height <= 0 {
		return rep, fmt.Errorf("welcome carried no canvas size (%dx%d)", info.Width, info.Height)
	}
	rep.CanvasWidth, rep.CanvasHeight = info.Width, info.Height
	rep.CooldownSeconds = info.CooldownSeconds
	r.cells.Store(&sentTable{width: info.Width, height: info.Height, sent: make([]atomic.Uint64, info.Width*info.Height)})
	m.connected, err = scrapeMetrics(ctx, metricsURL)
	if err != nil && m.before.ok {
		warn("no server metrics after connecting: %v", err)
	}

	placers, rate, minGap := r.planPlacing(&rep, live, info.CooldownSeconds, warn)
	select {
	case <-time.After(opts.Warmup):
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	r.placeAll(ctx, &rep, &m, live, placers, rate, minGap)
	r.drain(ctx, live)
	m.end, err = scrapeMetrics(ctx, metricsURL)
	if err != nil && m.before.ok {
		warn("no server metrics after the run: %v", err)
	}

	r.tallyClients(&rep, live)
	r.tallyLatency(&rep)
	tallyThroughput(&rep, &m, live)
	if timed := int64(timedCount(live)); rep.Placed > 0 && rep.Deliveries < rep.Placed*timed && rep.Missed == 0 {
		warn("%d of %d expected deliveries were matched to a placement (late beyond a canvas cycle, or disconnected)",
			rep.Deliveries, rep.Placed*timed)
	}
	return rep, nil
}

// runMetrics is what a run measures besides the clients' own counts: the
// server's metrics before connecting, once connected and after the run, and
// the bytes and messages the clients received while placing.
type runMetrics struct {
	before, connected, end serverMetrics
	window                 time.Duration
	bytes, msgs            int64
}

func newRunner(opts Options) *runner {
	r := &runner{
		opts:         opts,
		start:        time.Now(),
		ack:          NewHistogram(),
		errorCounts:  map[string]int64{},
		connectErrs:  map[string]int{},
		closeReasons: map[string]int{},
	}
	// Many shards, so that clients on different cores rarely share the
	// cache lines of a histogram's hot buckets.
	for range 64 {
		r.deliveryShards = append(r.deliveryShards, NewHistogram())
	}
	return r
}

func newReport(opts Options) Report {
	return Report{
		Target:        opts.Target,
		Protocol:      map[bool]string{true: "binary", false: "json"}[opts.Binary],
		Acks:          map[bool]string{true: "batched", false: "each"}[opts.BatchedAcks],
		Clients:       opts.Clients,
		TimedClients:  opts.TimedClients,
		Placers:       opts.Placers,
		RateRequested: opts.Rate,
		Errors:        map[string]int64{},
	}
}
