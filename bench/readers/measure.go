package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/cluster"
)

// config is one measurement: the reader counts, each measured once per
// round, at one placement rate, on a Redis and a database of its own.
type config struct {
	readers []int
	rate    float64
	window  time.Duration
	warmup  time.Duration
	repeat  int
	// hold is the pause after each read, as an instance's broadcaster
	// holds its next read for its gap between flushes (0: none, every
	// read follows the last at once).
	hold time.Duration

	redisURL, databaseURL string
}

// keyPrefix starts the store's keys on the private Redis.
const keyPrefix = "readers:"

// canvas is the store's configuration; every placement is by a new user,
// so the cooldown only sets a key that expires.
var canvas = place.Config{Width: 1000, Height: 1000, Cooldown: 5 * time.Second}

// result is one reader count's window.
type result struct {
	readers, round int
	seconds        float64 // the window's wall time
	placements     int64   // placements acknowledged in the window
	failed         int64   // placements that returned an error in the window
	skipped        int64   // placements the writer, running late, did not offer in the window
	cpu            float64 // Redis CPU seconds (user + system) in the window
	xreadCalls     int64   // XREAD calls in the window, all readers
	xreadUsec      int64   // Redis's time inside XREAD, µs
	scriptCalls    int64   // placement script calls (EVALSHA/EVAL) in the window
	missed         int64   // placements some reader never received, or received out of order
	received       int64   // placements received, all readers, warm-up included
}

// cpuPerPlacement is Redis's CPU time per placement, in µs.
func (r result) cpuPerPlacement() float64 {
	if r.placements == 0 {
		return 0
	}
	return r.cpu * 1e6 / float64(r.placements)
}

// line is the result as one line of progress.
func (r result) line() string {
	return fmt.Sprintf("readers %3d round %d: %.0f placements/s (%d failed, %d skipped by a late writer), redis %.3f cores, %.1f µs per placement, %d missed",
		r.readers, r.round, float64(r.placements)/r.seconds, r.failed, r.skipped, r.cpu/r.seconds, r.cpuPerPlacement(), r.missed)
}

// measure opens the store, places at cfg.rate for the whole run, and
// measures each reader count in turn; progress gets each result as it
// comes.
func measure(ctx context.Context, cfg config, progress func(result)) ([]result, error) {
	opts := cluster.Options{
		RedisURL:    cfg.redisURL,
		DatabaseURL: cfg.databaseURL,
		KeyPrefix:   keyPrefix,
		Config:      canvas,
	}
	if cfg.hold > 0 {
		// An instance whose broadcaster holds each read for its gap also
		// lets its placements wait a quarter of that gap for company on
		// their way to Redis (cluster.Options.FlushGap).
		opts.FlushGap = func() time.Duration { return cfg.hold }
	}
	store, err := cluster.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	admin, err := redis.DialURLContext(ctx, cfg.redisURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close()

	wctx, stopWriter := context.WithCancel(ctx)
	w := &writer{store: store}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		w.run(wctx, cfg.rate)
	}()
	defer func() {
		stopWriter()
		<-writerDone
	}()

	var results []result
	for round := 1; round <= cfg.repeat; round++ {
		for _, n := range cfg.readers {
			r, err := point(ctx, cfg, store, admin, w, n)
			if err != nil {
				return results, fmt.Errorf("%d readers: %w", n, err)
			}
			r.round = round
			results = append(results, r)
			if progress != nil {
				progress(r)
			}
		}
	}
	return results, nil
}

// point runs n readers from the stream's current end, measures one window,
// then waits until every reader has the last placement of the window.
func point(ctx context.Context, cfg config, store *cluster.Store, admin redis.Conn, w *writer, n int) (result, error) {
	r := result{readers: n}
	from, err := currentSeq(admin)
	if err != nil {
		return r, err
	}
	rctx, stopReaders := context.WithCancel(ctx)
	defer stopReaders()
	readers := make([]*reader, n)
	var wg sync.WaitGroup
	followErrs := make(chan error, n)
	for i := range readers {
		rd := &reader{}
		rd.last.Store(from)
		readers[i] = rd
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The broadcaster's loop: the store's Follow, its placements
			// handed to a function (here a check instead of the hub).
			receive := rd.receive
			if cfg.hold > 0 {
				receive = func(ps []place.Placement) {
					read := time.Now()
					rd.receive(ps)
					// The broadcaster's pause before its next read
					// (realtime's holdFeed).
					if d := time.Until(read.Add(cfg.hold)); d > 0 {
						_ = sleep(rctx, d)
					}
				}
			}
			if err := store.Feed.Follow(rctx, from, receive); err != nil && rctx.Err() == nil {
				followErrs <- err
			}
		}()
	}
	defer wg.Wait()

	if err := sleep(ctx, cfg.warmup); err != nil {
		return r, err
	}
	before, err := snapshot(admin, w)
	if err != nil {
		return r, err
	}
	if err := sleep(ctx, cfg.window); err != nil {
		return r, err
	}
	after, err := snapshot(admin, w)
	if err != nil {
		return r, err
	}
	r.seconds = after.at.Sub(before.at).Seconds()
	r.placements = after.placed - before.placed
	r.failed = after.failed - before.failed
	r.skipped = after.skipped - before.skipped
	r.cpu = after.cpu - before.cpu
	r.xreadCalls = after.cmd["xread"].calls - before.cmd["xread"].calls
	r.xreadUsec = after.cmd["xread"].usec - before.cmd["xread"].usec
	r.scriptCalls = after.cmd["evalsha"].calls + after.cmd["eval"].calls - before.cmd["evalsha"].calls - before.cmd["eval"].calls

	// Every reader must reach the seq Redis had at the end of the window,
	// having received each placement once and in order.
	end, err := currentSeq(admin)
	if err != nil {
		return r, err
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, rd := range readers {
		for rd.last.Load() < end && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	stopReaders()
	wg.Wait()
	for _, rd := range readers {
		r.missed += rd.missed.Load()
		if last := rd.last.Load(); last < end {
			r.missed += int64(end - last)
		}
		r.received += rd.received.Load()
	}
	select {
	case err := <-followErrs:
		return r, fmt.Errorf("follow: %w", err)
	default:
	}
	if r.placements == 0 {
		return r, errors.New("no placement was acknowledged in the window")
	}
	return r, ctx.Err()
}

// reader checks what one follower receives.
type reader struct {
	last     atomic.Uint64 // highest seq received
	missed   atomic.Int64  // seqs skipped, plus seqs received out of order or twice
	received atomic.Int64
}

// receive is the follower's function; Follow calls it from one goroutine.
func (rd *reader) receive(ps []place.Placement) {
	last := rd.last.Load()
	for _, p := range ps {
		switch {
		case p.Seq == last+1:
		case p.Seq > last+1:
			rd.missed.Add(int64(p.Seq - last - 1))
		default:
			rd.missed.Add(1)
			continue
		}
		last = p.Seq
	}
	rd.received.Add(int64(len(ps)))
	rd.last.Store(last)
}

// writer places at a fixed rate through the store, each placement by a
// new user at the next pixel.
type writer struct {
	store   *cluster.Store
	placed  atomic.Int64
	failed  atomic.Int64
	skipped atomic.Int64 // placements not offered because the writer was late
}

// writerWorkers is how many placements may wait for Redis at once; the
// store's batcher sends those that wait together in one script call, as
// on an instance with many players.
const writerWorkers = 64

func (w *writer) run(ctx context.Context, rate float64) {
	jobs := make(chan int64, writerWorkers)
	var wg sync.WaitGroup
	for range writerWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				who := place.Player{UserID: "reader-bench-" + strconv.FormatInt(n, 10)}
				cell := int(n % int64(canvas.Width*canvas.Height))
				_, _, err := w.store.Placer.Place(ctx, who, cell%canvas.Width, cell/canvas.Width, uint8(n%int64(place.ColorCount)), time.Now())
				switch {
				case err == nil:
					w.placed.Add(1)
				case ctx.Err() == nil:
					w.failed.Add(1)
				}
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	var sent int64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			due := int64(now.Sub(start).Seconds() * rate)
			// A writer that fell behind (the machine was busy) does not
			// make up for it later with a burst: the next point would
			// measure another rate. Placements more than 100 ms late are
			// skipped.
			if late := due - sent - int64(rate/10); late > 0 {
				sent += late
				w.skipped.Add(late)
			}
			for ; sent < due; sent++ {
				select {
				case jobs <- sent:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// stats is what a window's ends are measured by.
type stats struct {
	at             time.Time
	placed, failed int64
	skipped        int64
	cpu            float64 // used_cpu_user + used_cpu_sys
	cmd            map[string]cmdStat
}

type cmdStat struct{ calls, usec int64 }

func snapshot(c redis.Conn, w *writer) (stats, error) {
	info, err := redis.String(c.Do("INFO", "cpu"))
	if err != nil {
		return stats{}, fmt.Errorf("INFO cpu: %w", err)
	}
	cmds, err := redis.String(c.Do("INFO", "commandstats"))
	if err != nil {
		return stats{}, fmt.Errorf("INFO commandstats: %w", err)
	}
	s := stats{at: time.Now(), placed: w.placed.Load(), failed: w.failed.Load(), skipped: w.skipped.Load()}
	fields := infoFields(info)
	for _, k := range []string{"used_cpu_user", "used_cpu_sys"} {
		v, err := strconv.ParseFloat(fields[k], 64)
		if err != nil {
			return stats{}, fmt.Errorf("INFO cpu has no %s: %q", k, fields[k])
		}
		s.cpu += v
	}
	if s.cmd, err = parseCommandStats(cmds); err != nil {
		return stats{}, err
	}
	return s, nil
}

// infoFields parses the "key:value" lines of an INFO reply.
func infoFields(info string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && !strings.HasPrefix(k, "#") {
			m[k] = v
		}
	}
	return m
}

// parseCommandStats parses INFO commandstats
// ("cmdstat_xread:calls=3,usec=40,usec_per_call=13.33,…") by command.
func parseCommandStats(info string) (map[string]cmdStat, error) {
	m := map[string]cmdStat{}
	for k, v := range infoFields(info) {
		name, ok := strings.CutPrefix(k, "cmdstat_")
		if !ok {
			continue
		}
		var st cmdStat
		for _, kv := range strings.Split(v, ",") {
			f, val, _ := strings.Cut(kv, "=")
			var err error
			switch f {
			case "calls":
				st.calls, err = strconv.ParseInt(val, 10, 64)
			case "usec":
				st.usec, err = strconv.ParseInt(val, 10, 64)
			}
			if err != nil {
				return nil, fmt.Errorf("INFO commandstats %s: %w", k, err)
			}
		}
		m[name] = st
	}
	return m, nil
}

func currentSeq(c redis.Conn) (uint64, error) {
	seq, err := redis.Uint64(c.Do("GET", keyPrefix+"seq"))
	if errors.Is(err, redis.ErrNil) {
		return 0, nil
	}
	return seq, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ping reports whether the Redis at url answers.
func ping(url string) error {
	c, err := redis.DialURL(url, redis.DialConnectTimeout(time.Second), redis.DialReadTimeout(time.Second))
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Do("PING")
	return err
}
