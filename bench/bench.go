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
	"math"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
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

	// TimedClients is how many clients (the last ones opened) time every
	// event they receive; 0 means all. The others only check each batch's
	// seq chain, which keeps the generator's own cost per event low enough
	// to measure placement throughput, where every placer is a receiver too.
	TimedClients int

	// SourceAddrs are the local addresses the connections are spread over,
	// round-robin. nil picks them: 127.0.0.2, 127.0.0.3, … (one per
	// ConnsPerAddr connections) when Target is on loopback on Linux, where
	// all of 127/8 is local; a non-nil empty slice binds nothing.
	SourceAddrs  []string
	ConnsPerAddr int // for the automatic SourceAddrs; default 1000

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
	}
}

func (o *Options) setDefaults() {
	if o.ConnsPerAddr <= 0 {
		o.ConnsPerAddr = 1000
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

// Run performs one measurement and reports it. It returns an error only when
// the run could not take place (bad options, no connection at all); a run
// that missed pixels or had errors is a Report saying so.
func Run(ctx context.Context, opts Options) (Report, error) {
	opts.setDefaults()
	if err := opts.validate(); err != nil {
		return Report{}, err
	}
	wsURL, origin, metricsURL, err := endpoints(opts.Target)
	if err != nil {
		return Report{}, err
	}
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
	rep := Report{
		Target:        opts.Target,
		Protocol:      map[bool]string{true: "binary", false: "json"}[opts.Binary],
		Clients:       opts.Clients,
		TimedClients:  opts.TimedClients,
		Placers:       opts.Placers,
		RateRequested: opts.Rate,
		Errors:        map[string]int64{},
	}
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
	if opts.SourceAddrs == nil {
		opts.SourceAddrs = autoSourceAddrs(wsURL, opts.Clients, opts.ConnsPerAddr)
	}
	rep.SourceAddrs = opts.SourceAddrs
	before, err := scrapeMetrics(ctx, metricsURL)
	if err != nil {
		warn("no server metrics: %v", err)
	}

	// Connect.
	fmt.Fprintf(opts.Log, "connecting %d clients to %s (%s)\n", opts.Clients, wsURL, rep.Protocol)
	clients := make([]*client, opts.Clients)
	connectStart := time.Now()
	sem := make(chan struct{}, opts.DialConcurrency)
	var wg sync.WaitGroup
	for i := range clients {
		c := newClient(r, i)
		clients[i] = c
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.connect(ctx, c, wsURL, origin)
		})
	}
	wg.Wait()
	var live []*client
	for _, c := range clients {
		if c.isReady() && !c.isClosed() {
			live = append(live, c)
		}
	}
	rep.Connected = len(live)
	rep.ConnectFailed = opts.Clients - len(live)
	rep.ConnectSec = time.Since(connectStart).Seconds()
	rep.ConnectErrors = r.connectErrs
	fmt.Fprintf(opts.Log, "connected %d of %d in %.1fs\n", rep.Connected, opts.Clients, rep.ConnectSec)
	defer closeAll(clients)
	if len(live) == 0 {
		hint := ""
		for k := range r.connectErrs {
			if strings.Contains(k, "sub-protocol") {
				hint = "; the server does not offer " + BinaryProtocol + ", try the JSON protocol"
			}
		}
		return rep, fmt.Errorf("no client could connect to %s (%s)%s", wsURL, joinCounts(r.connectErrs), hint)
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
	connected, err := scrapeMetrics(ctx, metricsURL)
	if err != nil && before.ok {
		warn("no server metrics after connecting: %v", err)
	}

	// Placers are the first connected clients; each is its own guest user
	// with its own cooldown, so each may place once per cooldown.
	placers := live[:min(opts.Placers, len(live))]
	rep.Placers = len(placers)
	rate := opts.Rate
	var minGap time.Duration
	if info.CooldownSeconds > 0 {
		cd := time.Duration(info.CooldownSeconds * float64(time.Second))
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
				rate, len(placers), rate/float64(len(placers)), info.CooldownSeconds, perPlacerMax, capped, need)
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

	select {
	case <-time.After(opts.Warmup):
	case <-ctx.Done():
		return rep, ctx.Err()
	}

	// Place.
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
	window := time.Since(placeStart)
	bytes1, msgs1 := totals(live)
	rep.DurationSec = window.Seconds()

	// Drain: wait for the outstanding acknowledgments, for every open
	// client to have seen every acknowledged placement (the last batch may
	// still be on its way when all clients agree on a seq), and for all to
	// agree on the newest seq.
	drainEnd := time.Now().Add(opts.DrainTimeout)
	for time.Now().Before(drainEnd) && ctx.Err() == nil {
		acked := r.acked.Load()
		answered := acked+r.refused.Load()+r.sendFailed.Load() >= r.placed.Load()
		if answered && r.deliveries() >= acked*int64(openTimedCount(live)) && caughtUp(live) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	end2, err := scrapeMetrics(ctx, metricsURL)
	if err != nil && before.ok {
		warn("no server metrics after the run: %v", err)
	}

	// Tally.
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
	rep.MessagesPerSec = float64(msgs1-msgs0) / window.Seconds()
	rep.BytesPerClientPerSec = float64(bytes1-bytes0) / float64(len(live)) / window.Seconds()
	if rep.Placed > 0 {
		rep.BytesPerPlacement = float64(bytes1-bytes0) / float64(len(live)) / float64(rep.Placed)
	}
	rep.PlacedPerSec = float64(rep.Placed) / window.Seconds()
	rep.ServerRssBeforeBytes = before.rss
	rep.ServerRssConnectedBytes = connected.rss
	rep.ServerRssBytes = end2.rss
	rep.ServerHeapBytes = end2.heap
	rep.ServerConnections = connected.conns
	if before.ok && connected.ok && connected.rss > before.rss {
		rep.ServerRssPerConnBytes = float64(connected.rss-before.rss) / float64(len(live))
	}
	if timed := int64(timedCount(live)); rep.Placed > 0 && rep.Deliveries < rep.Placed*timed && rep.Missed == 0 {
		warn("%d of %d expected deliveries were matched to a placement (late beyond a canvas cycle, or disconnected)",
			rep.Deliveries, rep.Placed*timed)
	}
	return rep, nil
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

// connect opens one client and waits for its first canvas.
func (r *runner) connect(ctx context.Context, c *client, wsURL, origin string) {
	header := http.Header{}
	header.Set("Origin", origin)
	if r.opts.Binary {
		header.Set("Sec-WebSocket-Protocol", BinaryProtocol)
	}
	dialer := &net.Dialer{Timeout: r.opts.ConnectTimeout}
	if n := len(r.opts.SourceAddrs); n > 0 {
		if ip := net.ParseIP(r.opts.SourceAddrs[c.id%n]); ip != nil && !ip.IsUnspecified() {
			dialer.LocalAddr = &net.TCPAddr{IP: ip}
		}
	}
	conn, _, err := gws.NewClient(c, &gws.ClientOption{
		Addr:             wsURL,
		RequestHeader:    header,
		ReadBufferSize:   4096,
		HandshakeTimeout: r.opts.ConnectTimeout,
		NewDialer:        func() (gws.Dialer, error) { return dialer, nil },
	})
	if err != nil {
		r.mu.Lock()
		countBounded(r.connectErrs, connectErrorKey(err))
		r.mu.Unlock()
		close(c.closed)
		return
	}
	c.conn = conn
	go conn.ReadLoop()
	timer := time.NewTimer(r.opts.ConnectTimeout)
	defer timer.Stop()
	var reason string
	select {
	case <-c.ready:
		return
	case <-c.closed:
		reason = closeReason(c.closeErr)
	case <-timer.C:
		reason = "no canvas within the connect timeout"
	case <-ctx.Done():
		reason = "cancelled"
	}
	r.mu.Lock()
	countBounded(r.connectErrs, reason)
	r.mu.Unlock()
	c.closing.Store(true)
	_ = conn.WriteClose(1000, nil)
}

// connectErrorKey drops the addresses and ports from a dial error so that
// equal failures count together.
func connectErrorKey(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Op + ": " + op.Err.Error()
	}
	return err.Error()
}

func closeAll(clients []*client) {
	for _, c := range clients {
		if c != nil && c.conn != nil && !c.isClosed() {
			c.closing.Store(true)
			_ = c.conn.WriteClose(1000, nil)
		}
	}
	deadline := time.After(5 * time.Second)
	for _, c := range clients {
		if c == nil || c.conn == nil {
			continue
		}
		select {
		case <-c.closed:
		case <-deadline:
			return
		}
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

// endpoints derives the WebSocket URL, the Origin to present, and the
// metrics URL from the base URL of the server.
func endpoints(target string) (wsURL, origin, metricsURL string, err error) {
	u, err := url.Parse(strings.TrimRight(target, "/"))
	if err != nil || u.Host == "" {
		return "", "", "", fmt.Errorf("target %q is not a base URL such as http://127.0.0.1:3000", target)
	}
	ws := *u
	switch u.Scheme {
	case "http", "ws":
		u.Scheme, ws.Scheme = "http", "ws"
	case "https", "wss":
		u.Scheme, ws.Scheme = "https", "wss"
	default:
		return "", "", "", fmt.Errorf("target %q: scheme must be http or https", target)
	}
	ws.Path = u.Path + "/ws"
	return ws.String(), u.Scheme + "://" + u.Host, u.String() + "/metrics", nil
}

// autoSourceAddrs spreads the connections to a loopback target over
// 127.0.0.2, 127.0.0.3, …: one source address has only about 28,000
// ephemeral ports, and a server limits guests per address.
func autoSourceAddrs(wsURL string, clients, perAddr int) []string {
	u, err := url.Parse(wsURL)
	if err != nil || runtime.GOOS != "linux" {
		return []string{}
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return []string{}
	}
	n := min(max(1, (clients+perAddr-1)/perAddr), 250)
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = net.IPv4(127, 0, 0, byte(2+i)).String()
	}
	return addrs
}

// sortedKeys returns the keys of m in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
