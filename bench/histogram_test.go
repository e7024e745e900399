package bench_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/placecanvas/place/bench"
)

// within reports whether got is within the histogram's relative error (1/128)
// of want, or within half a microsecond for tiny values.
func within(got, want time.Duration) bool {
	diff := got - want
	if diff < 0 {
		diff = -diff
	}
	return diff <= want/128 || diff <= 500*time.Nanosecond
}

func TestPercentilesOnKnownData(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    map[float64]time.Duration // percentile → nearest-rank value
	}{
		{
			name:    "1..1000 ms",
			samples: seq(1000, time.Millisecond),
			want:    map[float64]time.Duration{50: 500 * time.Millisecond, 90: 900 * time.Millisecond, 99: 990 * time.Millisecond, 99.9: 999 * time.Millisecond, 100: 1000 * time.Millisecond},
		},
		{
			name:    "1..100 µs",
			samples: seq(100, time.Microsecond),
			want:    map[float64]time.Duration{1: time.Microsecond, 50: 50 * time.Microsecond, 99: 99 * time.Microsecond},
		},
		{
			name:    "one value",
			samples: []time.Duration{7 * time.Millisecond},
			want:    map[float64]time.Duration{50: 7 * time.Millisecond, 99: 7 * time.Millisecond, 100: 7 * time.Millisecond},
		},
		{
			name: "skewed: 98 fast, 2 slow",
			samples: append(repeat(98, 3*time.Millisecond),
				40*time.Millisecond, 45*time.Second),
			want: map[float64]time.Duration{50: 3 * time.Millisecond, 98: 3 * time.Millisecond, 99: 40 * time.Millisecond, 100: 45 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := bench.NewHistogram()
			// Order must not matter.
			shuffled := append([]time.Duration(nil), tt.samples...)
			rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			for _, d := range shuffled {
				h.Record(d)
			}
			if got := h.Count(); got != uint64(len(tt.samples)) {
				t.Errorf("Count = %d, want %d", got, len(tt.samples))
			}
			for p, want := range tt.want {
				if got := h.Percentile(p); !within(got, want) {
					t.Errorf("p%g = %v, want %v (±1/128)", p, got, want)
				}
			}
			if got, want := h.Percentile(100), tt.samples[len(tt.samples)-1]; got != want {
				t.Errorf("p100 = %v, want exactly the max %v", got, want)
			}
			if got, want := h.Max(), tt.samples[len(tt.samples)-1]; got != want {
				t.Errorf("Max = %v, want %v", got, want)
			}
		})
	}
}

// TestPercentilesAgainstSort compares with exact nearest-rank percentiles
// of random log-distributed data over the whole range.
func TestPercentilesAgainstSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := bench.NewHistogram()
	var all []time.Duration
	for range 100000 {
		d := time.Duration(float64(time.Microsecond) * math.Pow(10, r.Float64()*7.5)) // 1 µs .. ~30 s
		all = append(all, d)
		h.Record(d)
	}
	slices.Sort(all)
	for _, p := range []float64{0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99} {
		rank := int(math.Ceil(p / 100 * float64(len(all))))
		want := all[rank-1]
		if got := h.Percentile(p); !within(got, want) {
			t.Errorf("p%g = %v, want %v", p, got, want)
		}
	}
}

func TestHistogramMerge(t *testing.T) {
	a, b := bench.NewHistogram(), bench.NewHistogram()
	for _, d := range seq(500, time.Millisecond) {
		a.Record(d)
	}
	for _, d := range seq(1000, time.Millisecond)[500:] {
		b.Record(d)
	}
	a.Merge(b)
	a.Merge(bench.NewHistogram()) // empty: no effect on min/max
	if a.Count() != 1000 || a.Max() != time.Second {
		t.Fatalf("merged Count = %d, Max = %v; want 1000, 1s", a.Count(), a.Max())
	}
	if got := a.Percentile(50); !within(got, 500*time.Millisecond) {
		t.Errorf("merged p50 = %v, want 500ms", got)
	}
	if got := bench.NewHistogram().Percentile(99); got != 0 {
		t.Errorf("empty p99 = %v, want 0", got)
	}
}

func seq(n int, unit time.Duration) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = time.Duration(i+1) * unit
	}
	return s
}

func repeat(n int, d time.Duration) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = d
	}
	return s
}
