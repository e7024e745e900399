package bench_test

import (
	"testing"
	"time"

	"github.com/placecanvas/place/bench"
)

func BenchmarkHistogramRecord(b *testing.B) {
	h := bench.NewHistogram()
	b.RunParallel(func(pb *testing.PB) {
		d := 30 * time.Millisecond
		for pb.Next() {
			h.Record(d)
			d += 1000
			if d > 60*time.Millisecond {
				d = 30 * time.Millisecond
			}
		}
	})
}
