package embedded_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
)

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPlaceKeyframes compares the CPU of placements on a 2000 × 2000
// canvas of random colors (the worst case for keyframes) without and with
// the keyframer following them (a keyframe every 20,000 placements). The
// difference of cpu-µs/placement is what keyframes cost.
//
//	go test -run '^$' -bench PlaceKeyframes -benchtime 400000x ./store/embedded
func BenchmarkPlaceKeyframes(b *testing.B) {
	for _, keyframes := range []bool{false, true} {
		b.Run(fmt.Sprintf("keyframes=%v", keyframes), func(b *testing.B) {
			cfg := place.Config{Width: 2000, Height: 2000}
			s := open(b, b.TempDir(), cfg)
			defer s.Close()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			k := &timetravel.Keyframer{Archive: s.Archive, Config: cfg}
			if keyframes {
				go func() { done <- k.Follow(ctx, s.Feed) }()
			} else {
				close(done)
			}
			var n atomic.Uint64
			now := time.Now()
			b.SetParallelism(64)
			cpu0 := processCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					h := i * 0x9E3779B97F4A7C15
					if _, _, err := s.Placer.Place(ctx, place.Player{UserID: fmt.Sprint("user", i)}, int(h>>20%2000), int(h>>40%2000), uint8(h>>60), now); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if keyframes { // wait for the last due keyframe
				for want := uint64(b.N) / timetravel.DefaultKeyframeEvery * timetravel.DefaultKeyframeEvery; want > 0; {
					kf, _, _ := s.Archive.KeyframeAtOrBefore(ctx, want)
					if kf.Seq == want {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			cpu := processCPU() - cpu0
			cancel()
			<-done
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/placement")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
		})
	}
}
