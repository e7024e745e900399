package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// JoinOptions configures a join probe (`place bench --joins`): Clients
// connections open at once, each reading until the last byte of its first
// canvas has arrived. A client sent the canvas compressed does not inflate
// it, except the first and every VerifyEvery-th, whose canvas is kept and,
// once every join is done, inflated, decoded and compared with a reference
// join's; so the generator pays for reading the bytes, as a browser's
// network does, and not for inflating thousands of canvases.
type JoinOptions struct {
	Target          string
	Clients         int
	Binary          bool // offer place.v1.bin
	Deflate         bool // offer permessage-deflate
	SourceAddrs     []string
	ConnsPerAddr    int
	DialConcurrency int           // joins being opened at once; 0: all
	Timeout         time.Duration // per join, until the canvas's last byte
	VerifyEvery     int           // 0: only the first client verifies
	ServerPID       int           // for the server's CPU (/proc/PID/stat); 0: from /metrics
	StartAt         time.Time     // when to start joining (several processes start together); zero: now
	Reference       string        // the canvas to match (canvasRef); empty: fetch one
	Procs           int           // generator processes (RunJoinProcs)
	Log             io.Writer
}

// JoinReport is the outcome of a join probe. Times run from the dial to
// the last byte of the canvas frame; bytes are all read from the socket by
// then (upgrade response, welcome, canvas).
type JoinReport struct {
	Target   string `json:"target"`
	Protocol string `json:"protocol"`
	Deflate  bool   `json:"deflateOffered"`
	Procs    int    `json:"procs"`
	Clients  int    `json:"clients"`
	Joined   int    `json:"joined"`
	Failed   int    `json:"failed"`

	Errors map[string]int `json:"errors,omitempty"`

	CanvasWidth  int    `json:"canvasWidth"`
	CanvasHeight int    `json:"canvasHeight"`
	CanvasSeq    uint64 `json:"canvasSeq"`
	// CanvasPlainBytes is the canvas message uncompressed (as a client that
	// offers nothing receives it), from the verifying clients.
	CanvasPlainBytes int64 `json:"canvasPlainBytes"`
	Compressed       int   `json:"compressedJoins"` // joins whose canvas came compressed
	Verified         int   `json:"verified"`        // canvases decoded and equal to the reference
	VerifyFailed     int   `json:"verifyFailed"`

	TotalBytes       int64   `json:"totalBytes"`
	BytesPerJoin     float64 `json:"bytesPerJoin"`
	PercentOfPlain   float64 `json:"percentOfPlain"` // BytesPerJoin / CanvasPlainBytes
	JoinP50Ms        float64 `json:"joinP50Ms"`
	JoinP90Ms        float64 `json:"joinP90Ms"`
	JoinP99Ms        float64 `json:"joinP99Ms"`
	JoinMaxMs        float64 `json:"joinMaxMs"`
	WallSec          float64 `json:"wallSec"` // from the start to the last canvas
	ServerCPUSec     float64 `json:"serverCpuSec,omitempty"`
	ServerCPUPerJoin float64 `json:"serverCpuMsPerJoin,omitempty"`
	GeneratorCPUSec  float64 `json:"generatorCpuSec"` // the generator processes', joining (verifying comes after)
	LoadAvgBefore    string  `json:"loadavgBefore,omitempty"`
	LoadAvgAfter     string  `json:"loadavgAfter,omitempty"`

	Histogram HistogramData `json:"histogram"`
	Warnings  []string      `json:"warnings,omitempty"`
}

// joinTally gathers the clients' results.
type joinTally struct {
	hist                        *Histogram
	joined, compressed          atomic.Int64
	verified, verifyFailed      atomic.Int64
	bytes, plain, lastDoneNanos atomic.Int64
	mu                          sync.Mutex
	errs                        map[string]int
	samples                     []wsMessage // canvases kept to verify
}

func (t *joinTally) fail(key string) {
	t.mu.Lock()
	countBounded(t.errs, key)
	t.mu.Unlock()
}

// RunJoins runs one join probe in this process.
func RunJoins(ctx context.Context, opts JoinOptions) (JoinReport, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	rep := JoinReport{Target: opts.Target, Protocol: protocolName(opts.Binary), Deflate: opts.Deflate, Procs: 1, Clients: opts.Clients, Errors: map[string]int{}}
	wsURL, origin, metricsURL, err := endpoints(opts.Target, false) // joiners do not place
	if err != nil {
		return rep, err
	}
	if limit, err := raiseFileLimit(); err == nil && limit > 0 && uint64(opts.Clients)+64 > limit {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d clients need more open files than the limit of %d allows", opts.Clients, limit))
	}
	if opts.SourceAddrs == nil {
		opts.SourceAddrs = autoSourceAddrs(wsURL, opts.Clients, max(opts.ConnsPerAddr, 1))
	}
	ref, err := joinReference(ctx, opts, wsURL, origin)
	if err != nil {
		return rep, err
	}
	rep.CanvasWidth, rep.CanvasHeight, rep.CanvasSeq = ref.Width, ref.Height, ref.Seq
	cpu := newCPUProbe(ctx, opts.ServerPID, metricsURL)
	if opts.StartAt.IsZero() {
		rep.LoadAvgBefore = loadAvg()
		cpu.start()
	}
	if wait := time.Until(opts.StartAt); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return rep, ctx.Err()
		}
	}
	fmt.Fprintf(opts.Log, "joining %d clients to %s (%s, deflate offered: %v)\n", opts.Clients, wsURL, rep.Protocol, opts.Deflate)
	t := &joinTally{hist: NewHistogram(), errs: rep.Errors}
	cpuBefore := ownCPUSeconds()
	start := time.Now()
	conns := joinAll(ctx, opts, wsURL, origin, t, start)
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	if opts.StartAt.IsZero() {
		rep.ServerCPUSec = cpu.stop()
		rep.LoadAvgAfter = loadAvg()
	}
	rep.GeneratorCPUSec = ownCPUSeconds() - cpuBefore
	t.verifySamples(ref)
	t.fill(&rep, start)
	if rep.Joined > 0 && rep.ServerCPUSec > 0 {
		rep.ServerCPUPerJoin = rep.ServerCPUSec * 1000 / float64(rep.Joined)
	}
	if rep.VerifyFailed > 0 {
		return rep, fmt.Errorf("%d canvases did not match the reference", rep.VerifyFailed)
	}
	return rep, nil
}

func protocolName(binary bool) string {
	if binary {
		return "binary"
	}
	return "json"
}

// joinReference parses the reference given or joins once for one.
func joinReference(ctx context.Context, opts JoinOptions, wsURL, origin string) (canvasRef, error) {
	if opts.Reference != "" {
		return parseCanvasRef(opts.Reference)
	}
	return fetchReference(ctx, wsURL, origin, opts.Timeout)
}

// joinAll opens every join, DialConcurrency at a time, and returns the
// connections, still open, once every join has its canvas or failed.
func joinAll(ctx context.Context, opts JoinOptions, wsURL, origin string, t *joinTally, start time.Time) []net.Conn {
	conns := make([]net.Conn, opts.Clients)
	concurrency := opts.DialConcurrency
	if concurrency <= 0 {
		concurrency = opts.Clients
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i := range opts.Clients {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		var local net.Addr
		if n := len(opts.SourceAddrs); n > 0 {
			if ip := net.ParseIP(opts.SourceAddrs[i%n]); ip != nil && !ip.IsUnspecified() {
				local = &net.TCPAddr{IP: ip}
			}
		}
		verify := i == 0 || (opts.VerifyEvery > 0 && i%opts.VerifyEvery == 0)
		wg.Go(func() {
			defer func() { <-sem }()
			conns[i] = joinOne(ctx, opts, wsURL, origin, local, verify, t, start)
		})
	}
	wg.Wait()
	return conns
}

// joinOne performs one join and records it; it returns the connection, open,
// when the canvas arrived.
func joinOne(ctx context.Context, opts JoinOptions, wsURL, origin string, local net.Addr, verify bool, t *joinTally, start time.Time) net.Conn {
	dialed := time.Now()
	j, err := dialJoin(ctx, wsURL, origin, local, opts.Binary, opts.Deflate, dialed.Add(opts.Timeout))
	if err != nil {
		t.fail(joinErrorKey(err))
		return nil
	}
	m, n, err := j.readCanvas(verify)
	if err != nil {
		t.fail(joinErrorKey(err))
		j.conn.Close()
		return nil
	}
	done := time.Now()
	t.hist.Record(done.Sub(dialed))
	t.joined.Add(1)
	t.bytes.Add(n)
	if m.compressed {
		t.compressed.Add(1)
	}
	for at := int64(done.Sub(start)); ; {
		last := t.lastDoneNanos.Load()
		if at <= last || t.lastDoneNanos.CompareAndSwap(last, at) {
			break
		}
	}
	if verify {
		t.mu.Lock()
		t.samples = append(t.samples, m)
		t.mu.Unlock()
	}
	return j.conn
}

// verifySamples inflates and decodes the kept canvases and compares them
// with the reference. It runs once every join is done, so that it takes no
// CPU from the joins it checks.
func (t *joinTally) verifySamples(ref canvasRef) {
	for i, m := range t.samples {
		pixels, w, h, seq, plain, err := canvasPixels(m)
		got := newCanvasRef(pixels, w, h, seq)
		if err == nil && got != ref {
			err = fmt.Errorf("canvas %s, expected %s", got, ref)
		}
		if err != nil {
			t.verifyFailed.Add(1)
			t.fail("verify: " + err.Error())
		} else {
			t.verified.Add(1)
			t.plain.Store(plain)
		}
		t.samples[i] = wsMessage{}
	}
}

// joinErrorKey drops addresses and ports from an error so that equal
// failures count together.
func joinErrorKey(err error) string {
	var ce *wsCloseError
	switch {
	case errors.As(err, &ce):
		return ce.Error()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "no canvas within the timeout"
	}
	return connectErrorKey(err)
}

func (t *joinTally) fill(rep *JoinReport, start time.Time) {
	rep.Joined = int(t.joined.Load())
	rep.Failed = rep.Clients - rep.Joined
	rep.Compressed = int(t.compressed.Load())
	rep.Verified, rep.VerifyFailed = int(t.verified.Load()), int(t.verifyFailed.Load())
	rep.TotalBytes = t.bytes.Load()
	rep.CanvasPlainBytes = t.plain.Load()
	rep.WallSec = time.Duration(t.lastDoneNanos.Load()).Seconds()
	rep.Histogram = t.hist.Data()
	rep.summarize(t.hist)
}

// summarize derives the per-join figures from the totals and the histogram.
func (rep *JoinReport) summarize(h *Histogram) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rep.JoinP50Ms, rep.JoinP90Ms = ms(h.Percentile(50)), ms(h.Percentile(90))
	rep.JoinP99Ms, rep.JoinMaxMs = ms(h.Percentile(99)), ms(h.Max())
	rep.BytesPerJoin, rep.PercentOfPlain = 0, 0
	if rep.Joined > 0 {
		rep.BytesPerJoin = float64(rep.TotalBytes) / float64(rep.Joined)
	}
	if rep.CanvasPlainBytes > 0 {
		rep.PercentOfPlain = 100 * rep.BytesPerJoin / float64(rep.CanvasPlainBytes)
	}
}

// loadAvg is the first three fields of /proc/loadavg, or "" elsewhere.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
