package templatehealth_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/leaderboard"
	"github.com/placecanvas/place/store/embedded"
	"github.com/placecanvas/place/templatehealth"
)

// BenchmarkPlaceToday is the embedded store's placement path as it is
// without template health, leaderboards and charges; BenchmarkPlaceFollowed
// adds the first two, with 10 templates of 100 × 100 on the 500 × 500
// canvas, and 5 charges a player (the players place once each, so every
// placement is allowed, as in Today). The
// clock stops only once both have counted every placement, so their
// share of the two cores is in the figure (the placement path itself
// never waits for them).
func BenchmarkPlaceToday(b *testing.B)    { benchmarkPlace(b, false) }
func BenchmarkPlaceFollowed(b *testing.B) { benchmarkPlace(b, true) }

func benchmarkPlace(b *testing.B, followed bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := embedded.Options{DataDir: b.TempDir(), Config: place.Config{Width: 500, Height: 500, Cooldown: 5 * time.Second}}
	if followed {
		opts.Charges = func() int { return 5 }
	}
	st, err := embedded.Open(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var tr *templatehealth.Tracker
	var lb *leaderboard.Board
	if followed {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 10 {
			if _, err := st.Events.AddTemplate(ctx, place.Template{Name: fmt.Sprint("t", i), X: i * 40, Y: i * 40, Width: 100, Height: 100, PNG: templatePNG(b, rng, 100, 100), CreatedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
		}
		tr, lb = templatehealth.New(trackedRoles(st.Stores()), nil, nil), leaderboard.New(leaderboard.Stores{Feed: st.Feed, Counts: st.Factions}, nil, nil)
		go tr.Run(ctx)
		go lb.Run(ctx)
		for len(tr.Summaries()) < 10 || !lb.Ready() {
			time.Sleep(10 * time.Millisecond)
		}
	}
	var user atomic.Int64
	now := time.Now()
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := user.Add(1)
			if _, _, err := st.Placer.Place(ctx, place.Player{UserID: fmt.Sprint("user", n)}, int(n%500), int(n/500%500), uint8(n%16), now); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if followed {
		last := uint64(b.N)
		for tr.Seq() < last || lb.Seq() < last {
			time.Sleep(time.Millisecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
}
