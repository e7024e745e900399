package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// joinsMain is `place bench --joins`: the join probe (JoinOptions).
func joinsMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts := JoinOptions{Target: DefaultOptions().Target, Clients: 2000, ConnsPerAddr: 250, VerifyEvery: 50, Procs: 1, Timeout: 60 * time.Second}
	fs := flag.NewFlagSet("place bench --joins", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: place bench --joins [flags]\n\nOpens --clients WebSockets at once and times each from the dial to the last byte\nof its first canvas, with the bytes read by then. Clients sent the canvas compressed\ndo not inflate it, except the first and every --verify-every-th, whose canvas is\ninflated, decoded and compared with a reference join's once all have joined.\nExits 1 when a join failed or a canvas did not match.\n\nflags:")
		fs.PrintDefaults()
	}
	fs.Bool("joins", true, "measure joins (this mode)")
	fs.StringVar(&opts.Target, "target", opts.Target, "base URL of the server (http:// only)")
	fs.IntVar(&opts.Clients, "clients", opts.Clients, "joins, over all processes")
	fs.BoolVar(&opts.Deflate, "deflate", false, "offer permessage-deflate, as browsers do")
	jsonProtocol := fs.Bool("json-protocol", false, "join with the JSON protocol instead of the binary one")
	fs.IntVar(&opts.VerifyEvery, "verify-every", opts.VerifyEvery, "every N-th client (and the first) inflates and checks its canvas; 0: only the first")
	fs.IntVar(&opts.Procs, "procs", opts.Procs, "generator processes (this executable again), which start together and share the clients")
	fs.IntVar(&opts.ServerPID, "server-pid", 0, "process id of the server on this machine, for its CPU time from /proc (default: its /metrics)")
	fs.DurationVar(&opts.Timeout, "join-timeout", opts.Timeout, "per join, until its canvas has arrived")
	fs.IntVar(&opts.DialConcurrency, "dial-concurrency", 0, "joins being opened at once per process (0: all)")
	sourceAddrs := fs.String("source-addrs", "auto", "local addresses to spread connections over: auto, none, a count N or a comma-separated list")
	fs.IntVar(&opts.ConnsPerAddr, "conns-per-addr", opts.ConnsPerAddr, "with --source-addrs auto: connections per source address (keep it under the server's --max-conns-per-address, 300 by default)")
	fs.StringVar(&opts.Reference, "reference", "", "the canvas to expect, WxH@SEQ:SHA256 of its pixels (set by --procs; default: join once to see)")
	startAt := fs.Int64("start-at", 0, "start joining at this time, in Unix nanoseconds (set by --procs)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "place bench --joins:", msg)
		return ExitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	case opts.Clients < 1:
		return usage("clients must be at least 1")
	case opts.Procs < 1 || opts.Procs > opts.Clients:
		return usage("procs must be between 1 and clients")
	case opts.VerifyEvery < 0 || opts.DialConcurrency < 0 || opts.ServerPID < 0 || opts.Timeout <= 0:
		return usage("verify-every, dial-concurrency and server-pid must not be negative, join-timeout must be positive")
	}
	if opts.Reference != "" {
		if _, err := parseCanvasRef(opts.Reference); err != nil {
			return usage(err.Error())
		}
	}
	if *startAt != 0 {
		opts.StartAt = time.Unix(0, *startAt)
	}
	opts.Binary = !*jsonProtocol
	addrs, err := parseSourceAddrs(*sourceAddrs)
	if err != nil {
		return usage(err.Error())
	}
	opts.SourceAddrs = addrs
	opts.Log = stderr

	rep, err := RunJoinProcs(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "place bench --joins:", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		_ = rep.WriteText(stdout)
	}
	if err != nil || rep.Failed > 0 {
		return ExitFailed
	}
	return ExitOK
}

// WriteText writes the report as a table for people.
func (r JoinReport) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, args...)...) }
	row("target", "%s (%s, canvas %dx%d at seq %d)", r.Target, r.Protocol, r.CanvasWidth, r.CanvasHeight, r.CanvasSeq)
	row("joins", "%d of %d joined, %d failed, %d processes, deflate offered: %v, %d canvases came compressed",
		r.Joined, r.Clients, r.Failed, r.Procs, r.Deflate, r.Compressed)
	row("join time", "p50 %.0f ms  p90 %.0f ms  p99 %.0f ms  max %.0f ms (dial to the canvas's last byte); all in %.1f s",
		r.JoinP50Ms, r.JoinP90Ms, r.JoinP99Ms, r.JoinMaxMs, r.WallSec)
	row("bytes per join", "%.0f (%.2f %% of the plain canvas message, %d B)", r.BytesPerJoin, r.PercentOfPlain, r.CanvasPlainBytes)
	row("verified", "%d canvases equal to the reference, %d not", r.Verified, r.VerifyFailed)
	if r.ServerCPUSec > 0 {
		row("server CPU", "%.2f s, %.2f ms per join", r.ServerCPUSec, r.ServerCPUPerJoin)
	}
	row("generator CPU", "%.2f s", r.GeneratorCPUSec)
	if r.LoadAvgBefore != "" {
		row("load average", "%s before, %s after", r.LoadAvgBefore, r.LoadAvgAfter)
	}
	if len(r.Errors) > 0 {
		row("errors", "%s", joinCounts(r.Errors))
	}
	for _, w := range r.Warnings {
		row("warning", "%s", w)
	}
	return tw.Flush()
}
