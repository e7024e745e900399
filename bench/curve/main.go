// Command curve draws the scaling curve of issue 6: delivery p99 against
// the number of clients at a fixed placement rate, for the real server and
// for the fan-out ceiling (bench/ceiling), each run as a process of its own
// and measured by the same load generator (package bench). It writes a PNG
// plot and a Markdown table. `make bench-curve` runs it with the defaults.
//
// Each point starts a fresh server, so no point inherits another's
// connections, history or heap.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/placecanvas/place/bench"
	"github.com/placecanvas/place/bench/ceiling/ceilingsrv"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/testenv"
)

// serveEnv, when set in the environment, makes the program serve instead
// of measuring: "ours" or "ceiling", on the address in serveAddrEnv.
const (
	serveEnv     = "PLACE_CURVE_SERVE"
	serveAddrEnv = "PLACE_CURVE_ADDR"
	redisEnv     = "PLACE_CURVE_REDIS_URL"
	databaseEnv  = "PLACE_CURVE_DATABASE_URL"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if kind := os.Getenv(serveEnv); kind != "" {
		err = serve(ctx, kind, os.Getenv(serveAddrEnv))
	} else {
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "curve:", err)
		os.Exit(1)
	}
}

type config struct {
	points   []int
	rate     float64
	placers  int
	duration time.Duration
	repeat   int
	png      string
	table    string
	servers  []string

	redisURL, databaseURL string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("curve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	points := fs.String("clients", "500,1000,2500,5000,7500,10000", "comma-separated client counts")
	servers := fs.String("servers", "place,ceiling", "which servers to measure, comma-separated: place (embedded mode), place-cluster (one instance on --redis-url and --database-url), ceiling")
	fs.Float64Var(&cfg.rate, "rate", 1000, "placements per second, at every point")
	fs.IntVar(&cfg.placers, "placers", 100, "clients that place (each under the 20 messages/s flood limit)")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "placing time per point")
	fs.IntVar(&cfg.repeat, "repeat", 1, "runs per point; the run with the median p99 is kept")
	fs.StringVar(&cfg.png, "png", "docs/scaling.png", "where to write the plot")
	fs.StringVar(&cfg.table, "table", "docs/scaling.md", "where to write the Markdown table")
	fs.StringVar(&cfg.redisURL, "redis-url", "", "Redis for the place-cluster server (a fresh key prefix per point, deleted after it)")
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL database for the place-cluster server's history")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, f := range strings.Split(*points, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("--clients: bad count %q", f)
		}
		cfg.points = append(cfg.points, n)
	}
	cfg.servers = strings.Split(*servers, ",")
	if slices.Contains(cfg.servers, "place-cluster") && (cfg.redisURL == "" || cfg.databaseURL == "") {
		return errors.New("place-cluster needs --redis-url and --database-url")
	}
	if cfg.repeat < 1 {
		cfg.repeat = 1
	}

	// The servers take turns at every point, so that a change in the load
	// of a shared machine falls on both rather than on one of the curves.
	results := map[string][]point{}
	for _, n := range cfg.points {
		runs := map[string][]point{}
		for range cfg.repeat {
			for _, name := range cfg.servers {
				p, err := measure(ctx, name, n, cfg, stderr)
				if err != nil {
					return fmt.Errorf("%s at %d clients: %w", name, n, err)
				}
				fmt.Fprintf(stderr, "%-8s %6d clients: p50 %6.1f ms, p99 %6.1f ms, %7.0f messages/s, missed %d, server CPU %.2f s, load %s\n",
					name, n, p.P50Ms, p.P99Ms, p.MessagesPerSec, p.Missed, p.CPUSeconds, p.Load)
				runs[name] = append(runs[name], p)
			}
		}
		for name, rs := range runs {
			sort.Slice(rs, func(i, j int) bool { return rs[i].P99Ms < rs[j].P99Ms })
			results[name] = append(results[name], rs[len(rs)/2])
		}
	}
	if err := os.MkdirAll(filepath.Dir(cfg.png), 0o755); err != nil {
		return err
	}
	if err := plotCurve(cfg.png, cfg, results); err != nil {
		return err
	}
	table := markdownTable(cfg, results)
	if err := os.WriteFile(cfg.table, []byte(table), 0o644); err != nil {
		return err
	}
	fmt.Fprint(stdout, table)
	return nil
}

// point is one measurement.
type point struct {
	Clients        int
	P50Ms, P99Ms   float64
	MessagesPerSec float64
	Missed         int64
	Connected      int
	Load           string  // the load average when the point ended
	CPUSeconds     float64 // the server process's CPU (user + system) during the generator's run
}

// measure starts a fresh server process and runs the generator against it.
func measure(ctx context.Context, name string, clients int, cfg config, log io.Writer) (point, error) {
	addr, err := freeAddr()
	if err != nil {
		return point{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return point{}, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), serveEnv+"="+name, serveAddrEnv+"="+addr, redisEnv+"="+cfg.redisURL, databaseEnv+"="+cfg.databaseURL)
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return point{}, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	target := "http://" + addr
	if err := waitUp(ctx, target+"/metrics"); err != nil {
		return point{}, err
	}
	opts := bench.DefaultOptions()
	opts.Target = target
	opts.Clients, opts.Placers, opts.Rate = clients, min(cfg.placers, clients), cfg.rate
	opts.Duration, opts.Warmup = cfg.duration, time.Second
	cpuBefore, _ := bench.ProcCPUSeconds(cmd.Process.Pid)
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		return point{}, err
	}
	cpuAfter, _ := bench.ProcCPUSeconds(cmd.Process.Pid)
	load, _ := os.ReadFile("/proc/loadavg")
	return point{
		Clients: clients, P50Ms: rep.DeliveryP50Ms, P99Ms: rep.DeliveryP99Ms,
		MessagesPerSec: rep.MessagesPerSec, Missed: rep.Missed, Connected: rep.Connected,
		CPUSeconds: cpuAfter - cpuBefore,
		Load:       strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "),
	}, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitUp(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("server at %s did not come up", url)
}

// serve runs one server until a signal: the real one in embedded mode with
// a throw-away data directory, no cooldown and no guest limit (the
// generator's clients are all new guests from a few addresses), the real
// one in cluster mode (one instance, its own Redis key prefix), or the
// ceiling.
func serve(ctx context.Context, kind, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	switch kind {
	case "place", "place-cluster":
		dir, err := os.MkdirTemp("", "place-curve-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg := app.Defaults()
		cfg.DataDir, cfg.Cooldown, cfg.GuestLimit = dir, 0, 0
		cfg.MaxConnsPerAddress = 0                   // every benchmark client comes from one address
		cfg.AddressPlayers, cfg.ChallengeBits = 0, 0 // so no budget or challenge (docs/fairplay.md)
		if kind == "place-cluster" {
			cfg.RedisURL, cfg.DatabaseURL = os.Getenv(redisEnv), os.Getenv(databaseEnv)
			cfg.RedisPrefix = "curve-" + testenv.RandomString(8) + ":"
			defer func() { _ = testenv.DeleteRedisKeys(cfg.RedisURL, cfg.RedisPrefix) }()
		}
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		a, err := app.New(ctx, cfg, log)
		if err != nil {
			return err
		}
		return a.Serve(ctx, ln)
	case "ceiling":
		srv, err := ceilingsrv.New(ceilingsrv.Config{Width: 500, Height: 500, BatchInterval: 50 * time.Millisecond})
		if err != nil {
			return err
		}
		go srv.Run(ctx)
		hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			<-ctx.Done()
			_ = hs.Close()
		}()
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown server %q", kind)
}
