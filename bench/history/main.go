// Command history measures time travel on a large history: it seeds one
// straight into the database (seed), then builds the keyframes and times
// the canvas at random seqs through the store, as the server does
// (measure). The figures are in BENCHMARKS.md, "Time travel".
//
//	go run ./bench/history seed --data-dir /tmp/h --placements 10000000
//	go run ./bench/history measure --data-dir /tmp/h --samples 300
//	go run ./bench/history sample docs/timelapse.gif
//
// With --redis-url and --database-url both work on cluster mode instead.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/timetravel"

	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "sample" {
		dir, err := os.MkdirTemp("", "place-sample-")
		if err == nil {
			err = writeSample(context.Background(), dir, os.Args[2])
			os.RemoveAll(dir)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "history:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) < 2 || (os.Args[1] != "seed" && os.Args[1] != "measure") {
		fmt.Fprintln(os.Stderr, "usage: history seed|measure [flags], or history sample FILE.gif")
		os.Exit(2)
	}
	cfg := app.Defaults()
	cfg.Width, cfg.Height = 2000, 2000
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	fs.StringVar(&cfg.DataDir, "data-dir", "", "embedded mode's database directory")
	fs.StringVar(&cfg.RedisURL, "redis-url", "", "cluster mode: Redis")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "cluster mode: PostgreSQL")
	fs.StringVar(&cfg.RedisPrefix, "redis-prefix", "bench-history:", "cluster mode: Redis key prefix")
	fs.IntVar(&cfg.Width, "width", cfg.Width, "canvas width")
	fs.IntVar(&cfg.Height, "height", cfg.Height, "canvas height")
	n := fs.Int("placements", 10_000_000, "seed: placements of history")
	samples := fs.Int("samples", 300, "measure: canvases to rebuild at random seqs")
	every := fs.Uint64("keyframe-every", timetravel.DefaultKeyframeEvery, "measure: placements between keyframes")
	drop := fs.Bool("drop-keyframes", false, "measure: delete stored keyframes first")
	_ = fs.Parse(os.Args[2:])
	ctx := context.Background()
	var err error
	if os.Args[1] == "seed" {
		h := &history{n: *n, width: cfg.Width, height: cfg.Height, users: 100_000,
			start: time.Now().Add(-time.Duration(*n) * 20 * time.Millisecond).Truncate(time.Millisecond), step: 20 * time.Millisecond,
			rng: rand.New(rand.NewPCG(1, 2))}
		start := time.Now()
		if cfg.DatabaseURL != "" {
			err = seedPostgres(ctx, cfg.DatabaseURL, h)
		} else {
			err = seedSQLite(ctx, cfg.DataDir, h)
		}
		fmt.Printf("seeded %d placements in %s\n", *n, time.Since(start).Round(time.Second))
	} else {
		if *drop {
			err = dropKeyframes(ctx, cfg)
		}
		if err == nil {
			err = measure(ctx, cfg, *every, *samples)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "history:", err)
		os.Exit(1)
	}
}

func progress(done, total int) {
	if done%2_000_000 < 200_000 || done == total {
		fmt.Fprintf(os.Stderr, "  %d / %d\n", done, total)
	}
}

func dropKeyframes(ctx context.Context, cfg app.Config) error {
	if cfg.DatabaseURL != "" {
		pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		defer pool.Close()
		_, err = pool.Exec(ctx, `DELETE FROM keyframes`)
		return err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "place.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `DELETE FROM keyframes`)
	return err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func measure(ctx context.Context, cfg app.Config, every uint64, samples int) error {
	openStart := time.Now()
	st, err := app.OpenStore(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Printf("store opened in %s\n", time.Since(openStart).Round(time.Millisecond))
	span, err := st.Archive.HistorySpan(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("history: seqs %d..%d\n", span.FirstSeq, span.LastSeq)
	canvasCfg := cfg.CanvasConfig()
	k := &timetravel.Keyframer{Archive: st.Archive, Config: canvasCfg, Every: every}
	cpu0, wall0 := cpuTime(), time.Now()
	made, err := k.Update(ctx)
	if err != nil {
		return err
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	var kfBytes, kfCount int
	for s := every; s <= span.LastSeq; s += every {
		kf, ok, err := st.Archive.KeyframeAtOrBefore(ctx, s)
		if err != nil {
			return err
		}
		if ok && kf.Seq == s {
			kfBytes += len(kf.Data)
			kfCount++
		}
	}
	fmt.Printf("keyframes: built %d in %s (CPU %s, %.2f µs CPU per placement of history); stored %d, %.1f MB, %.0f KB each\n",
		made, wall.Round(time.Millisecond), cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(max(1, span.LastSeq)),
		kfCount, float64(kfBytes)/1e6, float64(kfBytes)/1e3/float64(max(1, kfCount)))

	rng := rand.New(rand.NewPCG(7, 8))
	times := make([]time.Duration, 0, samples)
	cpus := make([]time.Duration, 0, samples)
	for range samples {
		seq := span.FirstSeq + rng.Uint64N(span.LastSeq-span.FirstSeq+1)
		c0, t0 := cpuTime(), time.Now()
		c, err := timetravel.CanvasAt(ctx, st.Archive, canvasCfg, seq)
		if err != nil {
			return err
		}
		if len(c) != cfg.Width*cfg.Height {
			return errors.New("short canvas")
		}
		times = append(times, time.Since(t0))
		cpus = append(cpus, cpuTime()-c0)
	}
	slices.Sort(times)
	slices.Sort(cpus)
	fmt.Printf("CPU per rebuild: p50 %s, p99 %s (the process does nothing else)\n",
		cpus[len(cpus)/2].Round(100*time.Microsecond), cpus[min(len(cpus)-1, len(cpus)*99/100)].Round(100*time.Microsecond))
	q := func(f float64) time.Duration {
		return times[min(len(times)-1, int(f*float64(len(times))))].Round(100 * time.Microsecond)
	}
	fmt.Printf("canvas at a random seq (%d samples): p50 %s, p90 %s, p99 %s, max %s\n", samples, q(0.5), q(0.9), q(0.99), times[len(times)-1].Round(100*time.Microsecond))
	worst := (span.LastSeq/every)*every - 1
	t0 := time.Now()
	if _, err := timetravel.CanvasAt(ctx, st.Archive, canvasCfg, worst); err != nil {
		return err
	}
	fmt.Printf("canvas at seq %d (the longest replay, %d placements): %s\n", worst, every-1, time.Since(t0).Round(100*time.Microsecond))
	if cfg.DatabaseURL == "" {
		return saveSnapshot(ctx, cfg, st.Archive, span.LastSeq)
	}
	return nil
}

// saveSnapshot stores the last canvas as the embedded store's start-up
// snapshot, so that the next open does not replay the seeded history.
func saveSnapshot(ctx context.Context, cfg app.Config, a place.Archive, seq uint64) error {
	c, err := timetravel.CanvasAt(ctx, a, cfg.CanvasConfig(), seq)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "place.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `INSERT OR REPLACE INTO snapshots (seq, width, height, data) VALUES (?, ?, ?, ?)`, int64(seq), cfg.Width, cfg.Height, c)
	return err
}
