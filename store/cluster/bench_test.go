package cluster_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/cluster"
)

var benchConfig = place.Config{Width: 500, Height: 500, Cooldown: 5 * time.Second}

// BenchmarkPlace measures placements per second through one store, by many
// concurrent users (each placement by a new user, so every one passes the
// cooldown check and sets a cooldown key), with the history writer running.
// It also reports the largest writer lag seen and how long the writer took
// to catch up after the last placement.
//
//	go test -run '^$' -bench Place -benchtime 100000x ./store/cluster/
func BenchmarkPlace(b *testing.B) {
	for _, bc := range []struct {
		name   string
		direct bool
	}{{"pipelined", false}, {"direct", true}} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b)
			opts := e.options(benchConfig)
			if bc.direct {
				cluster.DirectPlace(&opts)
			}
			s := mustOpen(b, opts)

			var maxLag atomic.Int64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				t := time.NewTicker(50 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case <-t.C:
						if lag, err := s.WriterLag(context.Background()); err == nil && lag > maxLag.Load() {
							maxLag.Store(lag)
						}
					}
				}
			}()

			var users atomic.Int64
			var failed atomic.Int64
			b.SetParallelism(32) // 64 placing goroutines on 2 cores
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				now := time.Now()
				for pb.Next() {
					n := users.Add(1)
					_, _, err := s.Placer.Place(context.Background(), place.Player{UserID: "bench-" + strconv.FormatInt(n, 10)}, int(n%500), int(n/500%500), uint8(n%16), now)
					if err != nil {
						failed.Add(1)
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			close(stop)
			<-sampled
			if f := failed.Load(); f > 0 {
				b.Fatalf("%d placements failed", f)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "placements/s")
			caughtUp := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(maxLag.Load()), "max-writer-lag")
			b.ReportMetric(float64(time.Since(caughtUp).Milliseconds()), "catch-up-ms")
		})
	}
}

// BenchmarkHistoryWriter measures how fast the writer drains a backlog into
// PostgreSQL: b.N placements are made with PostgreSQL cut off, then it is
// restored and the time from the first written batch until all are
// written is measured.
//
//	go test -run '^$' -bench HistoryWriter -benchtime 200000x ./store/cluster/
func BenchmarkHistoryWriter(b *testing.B) {
	e := newEnv(b)
	proxy, viaProxy := proxied(b, e.databaseURL)
	opts := e.options(benchConfig)
	opts.DatabaseURL = viaProxy
	s := mustOpen(b, opts)
	proxy.Refuse()
	pixels := make([]place.Pixel, 1000)
	for i := range pixels {
		pixels[i] = place.Pixel{X: i % 500, Y: i / 500, Color: uint8(i % 16)}
	}
	for left := b.N; left > 0; left -= len(pixels) {
		if _, err := s.Placer.PlaceRollback(context.Background(), "bench", pixels[:min(left, len(pixels))], time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	proxy.Restore()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Time from the first committed batch: the writer's retry backoff
	// after the outage is not write throughput.
	for {
		lag, err := s.WriterLag(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if lag < int64(b.N) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	start := time.Now()
	written, _ := s.WriterLag(ctx)
	written = int64(b.N) - written
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(int64(b.N)-written)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkSteadyLoad places at a fixed 20,000 placements/s (the issue's
// target load) and reports placement latency and the history writer's lag.
//
//	go test -run '^$' -bench SteadyLoad -benchtime 100000x ./store/cluster/
func BenchmarkSteadyLoad(b *testing.B) {
	const rate = 20_000
	e := newEnv(b)
	s := mustOpen(b, e.options(benchConfig))
	tokens := make(chan struct{}, rate)
	var maxLag atomic.Int64
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { // release rate/1000 placements every millisecond
		defer bg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		start, released := time.Now(), 0
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				due := int(now.Sub(start).Seconds() * rate)
				for ; released < due && released < b.N; released++ {
					tokens <- struct{}{}
				}
				if released == b.N {
					close(tokens)
					return
				}
			}
		}
	}()
	go func() {
		defer bg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if lag, err := s.WriterLag(context.Background()); err == nil && lag > maxLag.Load() {
					maxLag.Store(lag)
				}
			}
		}
	}()

	var users atomic.Int64
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for range tokens {
				n := users.Add(1)
				t0 := time.Now()
				_, _, err := s.Placer.Place(context.Background(), place.Player{UserID: "steady-" + strconv.FormatInt(n, 10)}, int(n%500), int(n/500%500), uint8(n%16), t0)
				if err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	bg.Wait()
	b.StopTimer()
	slices.Sort(latencies)
	if len(latencies) == 0 {
		b.Fatal("no placements")
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "placements/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-us")
	b.ReportMetric(float64(maxLag.Load()), "max-writer-lag")
}
