package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// selfCommand starts another `place bench` of this executable with args
// (without the program and subcommand names).
var selfCommand = func(ctx context.Context, args []string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.CommandContext(ctx, exe, append([]string{"bench"}, args...)...), nil
}

// RunJoinProcs runs a join probe over opts.Procs generator processes (this
// executable again), which start joining at the same moment, each with its
// share of the clients and source addresses of its own; it merges their
// reports, histograms included, and measures the server's CPU around them.
func RunJoinProcs(ctx context.Context, opts JoinOptions) (JoinReport, error) {
	if opts.Procs <= 1 {
		return RunJoins(ctx, opts)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	wsURL, origin, metricsURL, err := endpoints(opts.Target, false) // joiners do not place
	if err != nil {
		return JoinReport{}, err
	}
	ref, err := joinReference(ctx, opts, wsURL, origin)
	if err != nil {
		return JoinReport{}, err
	}
	perAddr := max(opts.ConnsPerAddr, 1)
	addrs := opts.SourceAddrs
	if addrs == nil {
		addrs = autoSourceAddrs(wsURL, opts.Clients+perAddr*opts.Procs, perAddr)
	}
	if len(addrs) > 0 && len(addrs) < opts.Procs {
		return JoinReport{}, fmt.Errorf("%d source addresses for %d processes: give each at least one", len(addrs), opts.Procs)
	}
	cpu := newCPUProbe(ctx, opts.ServerPID, metricsURL)
	before := loadAvg()
	cpu.start()
	startAt := time.Now().Add(time.Second + 100*time.Millisecond*time.Duration(opts.Procs))
	reports := make([]JoinReport, opts.Procs)
	errs := make([]error, opts.Procs)
	var wg sync.WaitGroup
	for i := range opts.Procs {
		clients := opts.Clients / opts.Procs
		if i < opts.Clients%opts.Procs {
			clients++
		}
		args := []string{"--joins", "--target", opts.Target, "--clients", strconv.Itoa(clients),
			"--reference", ref.String(), "--start-at", strconv.FormatInt(startAt.UnixNano(), 10),
			"--join-timeout", opts.Timeout.String(), "--verify-every", strconv.Itoa(opts.VerifyEvery),
			"--dial-concurrency", strconv.Itoa(opts.DialConcurrency), "--json",
			"--source-addrs", childAddrs(addrs, i, opts.Procs)}
		if opts.Deflate {
			args = append(args, "--deflate")
		}
		if !opts.Binary {
			args = append(args, "--json-protocol")
		}
		cmd, err := selfCommand(ctx, args)
		if err != nil {
			return JoinReport{}, err
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, opts.Log
		if err := cmd.Start(); err != nil {
			return JoinReport{}, fmt.Errorf("starting generator %d: %w", i, err)
		}
		wg.Go(func() {
			runErr := cmd.Wait()
			if err := json.Unmarshal(out.Bytes(), &reports[i]); err != nil {
				errs[i] = fmt.Errorf("generator %d: %v (report: %v)", i, runErr, err)
			}
		})
	}
	wg.Wait()
	rep := JoinReport{LoadAvgBefore: before, ServerCPUSec: cpu.stop(), LoadAvgAfter: loadAvg()}
	for _, err := range errs {
		if err != nil {
			return rep, err
		}
	}
	if err := mergeJoinReports(&rep, reports); err != nil {
		return rep, err
	}
	if rep.Joined > 0 && rep.ServerCPUSec > 0 {
		rep.ServerCPUPerJoin = rep.ServerCPUSec * 1000 / float64(rep.Joined)
	}
	if rep.VerifyFailed > 0 {
		return rep, fmt.Errorf("%d canvases did not match the reference", rep.VerifyFailed)
	}
	return rep, nil
}

// childAddrs is generator i's share of the source addresses, as a flag
// value: every procs-th one, so that no two processes share an address and
// each stays under the server's per-address cap.
func childAddrs(addrs []string, i, procs int) string {
	if len(addrs) == 0 {
		return "none"
	}
	var mine []string
	for k := i; k < len(addrs); k += procs {
		mine = append(mine, addrs[k])
	}
	return strings.Join(mine, ",")
}

// mergeJoinReports adds the generators' reports into rep: counts and bytes
// summed, histograms merged and the percentiles taken from the merge.
func mergeJoinReports(rep *JoinReport, reports []JoinReport) error {
	h := NewHistogram()
	rep.Errors = map[string]int{}
	rep.Procs = len(reports)
	for _, r := range reports {
		rh, err := HistogramFromData(r.Histogram)
		if err != nil {
			return err
		}
		h.Merge(rh)
		rep.Target, rep.Protocol, rep.Deflate = r.Target, r.Protocol, r.Deflate
		rep.CanvasWidth, rep.CanvasHeight, rep.CanvasSeq = r.CanvasWidth, r.CanvasHeight, r.CanvasSeq
		rep.CanvasPlainBytes = max(rep.CanvasPlainBytes, r.CanvasPlainBytes)
		rep.Clients += r.Clients
		rep.Joined += r.Joined
		rep.Failed += r.Failed
		rep.Compressed += r.Compressed
		rep.Verified += r.Verified
		rep.VerifyFailed += r.VerifyFailed
		rep.TotalBytes += r.TotalBytes
		rep.GeneratorCPUSec += r.GeneratorCPUSec
		rep.WallSec = max(rep.WallSec, r.WallSec)
		for k, v := range r.Errors {
			rep.Errors[k] += v
		}
		rep.Warnings = append(rep.Warnings, r.Warnings...)
	}
	rep.Histogram = h.Data()
	rep.summarize(h)
	return nil
}

// cpuProbe measures the server's CPU time over a run: from /proc/PID/stat
// when the server's process id is known (same machine), else from the
// process_cpu_seconds_total of its /metrics.
type cpuProbe struct {
	ctx        context.Context
	pid        int
	metricsURL string
	at         float64
	ok         bool
}

func newCPUProbe(ctx context.Context, pid int, metricsURL string) *cpuProbe {
	return &cpuProbe{ctx: ctx, pid: pid, metricsURL: metricsURL}
}

func (p *cpuProbe) start() { p.at, p.ok = p.read() }

// stop returns the CPU seconds since start, 0 when unknown.
func (p *cpuProbe) stop() float64 {
	now, ok := p.read()
	if !ok || !p.ok {
		return 0
	}
	return now - p.at
}

func (p *cpuProbe) read() (float64, bool) {
	if p.pid > 0 {
		v, err := ProcCPUSeconds(p.pid)
		return v, err == nil
	}
	m, err := scrapeMetrics(p.ctx, p.metricsURL)
	return m.cpu, err == nil && m.cpu >= 0
}

// ProcCPUSeconds is utime + stime of a process, from /proc/PID/stat (Linux,
// 100 clock ticks a second).
func ProcCPUSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return (utime + stime) / 100, nil
}
