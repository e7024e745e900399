package fairplay_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/placecanvas/place/fairplay"
)

// BenchmarkSolve is what one challenge costs a client solving natively in
// Go, for the difficulties of 2, 4, 8 and 30 identities on one address at
// the default --challenge-bits (14): see BENCHMARKS.md ("The challenge").
func BenchmarkSolve(b *testing.B) {
	c := fairplay.NewChallenges([]byte("0123456789abcdef0123456789abcdef"), nil)
	for _, identities := range []int{2, 4, 8, 30} {
		bits := fairplay.Bits(14, identities)
		b.Run(fmt.Sprintf("identities=%d/bits=%d", identities, bits), func(b *testing.B) {
			now := time.Now()
			for b.Loop() {
				if _, err := fairplay.Solve(context.Background(), c.Issue("u", bits, now)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCollectorWithFullRecord is what one full collection costs with
// the last hour's record full (RecentMax placements by 1,200 identities on
// as many addresses and devices, as on a busy canvas): the record is what
// the collector would scan of it, see BENCHMARKS.md ("What the collector
// marks").
func BenchmarkCollectorWithFullRecord(b *testing.B) {
	r := fairplay.NewRecent(0)
	now := time.Now()
	for i := range fairplay.RecentMax {
		u := i % 1200
		r.Add(fairplay.Mark{
			At:     now.Add(time.Duration(i-fairplay.RecentMax) * time.Millisecond),
			UserID: fmt.Sprint("user-", u), Addr: fmt.Sprint("addr:198.51.", u/256, ".", u%256), Device: fmt.Sprint("device-", u),
			X: i % 500, Y: i / 500 % 500,
		})
	}
	runtime.GC()
	for b.Loop() {
		runtime.GC()
	}
	runtime.KeepAlive(r)
}
