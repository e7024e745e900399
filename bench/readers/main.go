// Command readers measures what the stream readers of cluster mode cost
// Redis: every instance follows the one placement stream, so Redis's work
// grows with instances × placements, and docs/capacity.md's first limit
// rests on that cost.
//
// It starts a private redis-server (never a shared one), opens the cluster
// store on it (history in a database of its own on --database-url, dropped
// at the end), places at --rate through the store's real placement path
// (the batcher and its Lua script, each placement by a new user), and for
// each reader count runs that many followers using the store's own Follow,
// the loop an instance's broadcaster reads the stream with, minus its
// sockets. Over a fixed window it takes Redis's CPU time (INFO cpu) and
// per-command statistics (INFO commandstats), and afterwards checks that
// every reader received every placement, in order, with no gap.
//
//	go run ./bench/readers --readers 0,10,25,50,100 --repeat 2 --window 20s
//
// Reader count 0 is the baseline (placements, the history writer, the
// heartbeat); the readers' share is the rest.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "readers:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("readers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	points := fs.String("readers", "0,10,25,50,100", "comma-separated reader counts (0: the baseline without readers)")
	fs.Float64Var(&cfg.rate, "rate", 2000, "placements per second")
	fs.DurationVar(&cfg.window, "window", 20*time.Second, "measuring window per point")
	fs.DurationVar(&cfg.warmup, "warmup", 3*time.Second, "time the readers run before each window")
	fs.IntVar(&cfg.repeat, "repeat", 2, "rounds; each round measures every reader count once")
	fs.DurationVar(&cfg.hold, "hold", 0, "pause after each read, as a broadcaster holds its next read for its gap between flushes (50ms: an instance whose audience makes the gap the batch interval); the placements then wait a quarter of it (at most 10ms) to go to Redis together, as on such an instance")
	redisBin := fs.String("redis-server", "redis-server", "the redis-server program to start privately")
	adminURL := fs.String("database-url", envOr("PLACE_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL URL of a database from which a scratch database can be created (dropped at the end)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, f := range strings.Split(*points, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return fmt.Errorf("--readers: %q is not a reader count", f)
		}
		cfg.readers = append(cfg.readers, n)
	}
	if cfg.rate <= 0 || cfg.window <= 0 || cfg.warmup < 0 || cfg.repeat < 1 || cfg.hold < 0 {
		return errors.New("--rate and --window must be positive, --warmup and --hold not negative, --repeat at least 1")
	}

	redis, err := startRedis(ctx, *redisBin)
	if err != nil {
		return err
	}
	defer redis.stop()
	dbURL, drop, err := scratchDatabase(ctx, *adminURL)
	if err != nil {
		return err
	}
	defer drop()
	cfg.redisURL, cfg.databaseURL = redis.url, dbURL

	fmt.Fprintf(stdout, "# stream readers: %.0f placements/s, window %s, %d round(s), hold after each read %s, load average %s\n\n",
		cfg.rate, cfg.window, cfg.repeat, cfg.hold, loadAverage())
	results, err := measure(ctx, cfg, func(r result) {
		fmt.Fprintln(stderr, r.line())
	})
	if err != nil {
		return err
	}
	report(stdout, results)
	fmt.Fprintf(stdout, "\nload average at the end: %s\n", loadAverage())
	for _, r := range results {
		if r.missed > 0 {
			return fmt.Errorf("%d readers: %d placements missed or out of order", r.readers, r.missed)
		}
	}
	return nil
}

// redisServer is a redis-server process of this program's own.
type redisServer struct {
	cmd *exec.Cmd
	url string
}

// startRedis starts redis-server on a free loopback port, without
// persistence, and waits until it answers.
func startRedis(ctx context.Context, bin string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no",
		"--maxmemory-policy", "noeviction", "--daemonize", "no", "--logfile", "", "--loglevel", "warning")
	var log bytes.Buffer // its start-up messages, shown only if it fails to answer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	r := &redisServer{cmd: cmd, url: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := ping(r.url); err == nil {
			return r, nil
		} else if time.Now().After(deadline) || ctx.Err() != nil {
			r.stop()
			return nil, fmt.Errorf("redis-server on port %d did not answer: %w\n%s", port, err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the redis-server and waits for it.
func (r *redisServer) stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		_ = r.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
}

// scratchDatabase creates a database with a unique name and returns its
// URL and a function that drops it.
func scratchDatabase(ctx context.Context, admin string) (string, func(), error) {
	name := fmt.Sprintf("place_readers_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("database: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(cctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "readers: drop database %s: %v\n", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "readers: drop database %s: %v\n", name, err)
		}
	}
	u, err := url.Parse(admin)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("--database-url: %w", err)
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// loadAverage returns the first three fields of /proc/loadavg, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
