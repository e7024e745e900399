package fairplay_test

import (
	"context"
	"fmt"
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
