// Command ceiling is the fan-out ceiling for `place bench`: a minimal server
// speaking the place WebSocket protocol that only acknowledges and
// broadcasts (see package ceilingsrv). Run it, point `place bench --target`
// at it, and compare with the real server on the same load.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/placecanvas/place/bench/ceiling/ceilingsrv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ceiling", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3001", "listen address")
	var cfg ceilingsrv.Config
	fs.IntVar(&cfg.Width, "width", 500, "canvas width")
	fs.IntVar(&cfg.Height, "height", 500, "canvas height")
	fs.DurationVar(&cfg.BatchInterval, "batch-interval", 50*time.Millisecond, "broadcast tick")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := ceilingsrv.New(cfg)
	if err != nil {
		return err
	}
	hs := &http.Server{Addr: *addr, Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Run(ctx)
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdownCtx)
	}()
	slog.Info("ceiling listening", "addr", *addr, "width", cfg.Width, "height", cfg.Height, "batchInterval", cfg.BatchInterval)
	if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
