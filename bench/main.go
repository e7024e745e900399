package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// Exit codes of Main.
const (
	ExitOK     = 0
	ExitFailed = 1 // pixels were missed, or the run could not take place
	ExitUsage  = 2
)

// Main is `place bench`: it parses args (without the program and subcommand
// names), runs, prints the report to stdout as a table or, with --json, as
// JSON, and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "--joins" || a == "-joins" {
			return joinsMain(ctx, args, stdout, stderr)
		}
	}
	opts := DefaultOptions()
	fs := flag.NewFlagSet("place bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: place bench [flags]\n\nOpens WebSocket clients against a running server, places pixels at a fixed rate\nand reports latency, missed pixels and server memory. Exits 1 when any pixel was missed.\nplace bench --joins measures joins instead (place bench --joins --help).\n\nflags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&opts.Target, "target", opts.Target, "base URL of the server")
	fs.IntVar(&opts.Clients, "clients", opts.Clients, "WebSocket connections to open")
	fs.IntVar(&opts.Placers, "placers", opts.Placers, "clients that place pixels (each is its own guest user)")
	fs.Float64Var(&opts.Rate, "rate", opts.Rate, "placements per second in total, spread over the placers")
	fs.DurationVar(&opts.Duration, "duration", opts.Duration, "how long to place")
	fs.DurationVar(&opts.Warmup, "warmup", opts.Warmup, "pause between connecting and placing")
	fs.IntVar(&opts.TimedClients, "timed-clients", 0, "how many clients time every event they receive (0: all); the rest only check the seq chain, for throughput runs")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.BoolVar(&opts.Deflate, "deflate", false, "offer permessage-deflate, as browsers do (the canvas a client joins with comes compressed)")
	jsonProtocol := fs.Bool("json-protocol", false, "receive pixels and canvas as JSON instead of the binary encoding (see docs/protocol.md)")
	acks := fs.String("acks", "batched", "how placements are acknowledged: batched (with the next broadcast write, ?acks=batched) or each (a write per success)")
	sourceAddrs := fs.String("source-addrs", "auto", "local addresses to spread connections over: auto, none, a count N (127.0.0.2 … 127.0.0.N+1) or a comma-separated list")
	fs.IntVar(&opts.ConnsPerAddr, "conns-per-addr", 250, "with --source-addrs auto: connections per source address (keep it under the server's --max-conns-per-address, 300 by default)")
	fs.IntVar(&opts.DialConcurrency, "dial-concurrency", 64, "connections opened at once")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "place bench: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	opts.Binary = !*jsonProtocol
	switch *acks {
	case "batched", "each":
		opts.BatchedAcks = *acks == "batched"
	default:
		fmt.Fprintf(stderr, "place bench: --acks must be batched or each, not %q\n", *acks)
		return ExitUsage
	}
	addrs, err := parseSourceAddrs(*sourceAddrs)
	if err != nil {
		fmt.Fprintln(stderr, "place bench:", err)
		return ExitUsage
	}
	opts.SourceAddrs = addrs
	if err := opts.validate(); err != nil {
		fmt.Fprintln(stderr, "place bench:", err)
		return ExitUsage
	}
	opts.Log = stderr

	rep, err := Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "place bench:", err)
		if rep.Clients == 0 {
			return ExitFailed
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		_ = rep.WriteText(stdout)
	}
	if err != nil {
		return ExitFailed
	}
	if rep.Missed > 0 {
		fmt.Fprintf(stderr, "place bench: %d pixels missed\n", rep.Missed)
		return ExitFailed
	}
	return ExitOK
}

func parseSourceAddrs(s string) ([]string, error) {
	switch s = strings.TrimSpace(s); s {
	case "", "auto":
		return nil, nil
	case "none":
		return []string{}, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 250 {
			return nil, fmt.Errorf("--source-addrs count must be between 1 and 250, got %d", n)
		}
		addrs := make([]string, n)
		for i := range addrs {
			addrs[i] = net.IPv4(127, 0, 0, byte(2+i)).String()
		}
		return addrs, nil
	}
	var addrs []string
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if net.ParseIP(a) == nil {
			return nil, fmt.Errorf("--source-addrs: %q is not an IP address", a)
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}
