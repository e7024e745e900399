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
	"net/http/pprof"
	"runtime/debug"
	"time"

	"github.com/placecanvas/place/internal/app"
)

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad --log-level %q", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg := app.Defaults()
	logLevel, pprofAddr := "info", ""
	fs := serveFlags("serve", &cfg, &logLevel, &pprofAddr, stderr)
	if err := parseWithEnv(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "place:", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "place: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	log, err := newLogger(stderr, logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "place:", err)
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "place:", err)
		return 2
	}
	if getenv("GOGC") == "" {
		// An idle WebSocket costs a 4 KiB read goroutine stack and about
		// 2 KiB of heap, and since Go 1.18 stacks count toward the heap
		// the collector lets grow: at the default GOGC of 100 that headroom
		// alone is about 4 KiB per connection. 50 halves it (about 9 KB
		// per idle connection instead of 10-11, BENCHMARKS.md) at little
		// CPU cost, since the broadcast path allocates almost nothing.
		debug.SetGCPercent(50)
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if pprofAddr != "" {
		go servePprof(pprofAddr, log)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("cannot listen", "addr", cfg.Addr, "err", err)
		_ = a.Close()
		return 1
	}
	if err := a.Serve(ctx, ln); err != nil {
		log.Error("server stopped with an error", "err", err)
		return 1
	}
	return 0
}

func servePprof(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("pprof listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil {
		log.Error("pprof server stopped", "err", err)
	}
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg := app.Defaults()
	fs := serveFlags("migrate", &cfg, nil, nil, stderr)
	if err := parseWithEnv(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "place:", err)
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "place:", err)
		return 2
	}
	err := app.Migrate(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "place: migrate:", err)
		return 1
	}
	fmt.Fprintln(stdout, "migrations applied")
	return 0
}
