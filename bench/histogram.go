package bench

import (
	"fmt"
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The histogram is log-linear over microseconds, like HdrHistogram with two
// significant digits: values below 128 µs get a bucket each, and every power
// of two above that is split into 64 equal buckets, so a bucket is never
// wider than 1/64 (1.6%) of its values. Recording is one atomic add, which
// lets thousands of client goroutines share a few histograms without a lock,
// and the memory is fixed however many samples a long run takes.
const (
	histSubBits  = 6
	histSub      = 1 << histSubBits // buckets per power of two
	histMaxShift = 26               // values up to 2^(26+7) µs, about 2.4 hours
	histBuckets  = 2*histSub + histMaxShift*histSub
)

// Histogram records durations from 1 µs to hours with a relative error of
// at most 1/128 at the reported value (the middle of a bucket). It is safe
// for concurrent use.
type Histogram struct {
	counts [histBuckets]atomic.Uint64 // the total is summed when read: one atomic add per sample, not two
	min    atomic.Int64               // nanoseconds; valid when the count is not zero
	max    atomic.Int64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	h := &Histogram{}
	h.min.Store(math.MaxInt64)
	return h
}

func bucketOf(us uint64) int {
	if us < 2*histSub {
		return int(us)
	}
	shift := bits.Len64(us) - (histSubBits + 1) // us>>shift is in [histSub, 2*histSub)
	if shift > histMaxShift {
		return histBuckets - 1
	}
	return 2*histSub + (shift-1)*histSub + int(us>>shift) - histSub
}

// bucketRange returns the lowest value of bucket i and its width, in µs.
func bucketRange(i int) (low, width uint64) {
	if i < 2*histSub {
		return uint64(i), 1
	}
	k := i - 2*histSub
	shift := uint(k/histSub + 1)
	sub := uint64(k%histSub + histSub)
	return sub << shift, 1 << shift
}

// Record adds one sample. Negative durations (clock steps) count as zero.
func (h *Histogram) Record(d time.Duration) {
	ns := int64(d)
	if ns < 0 {
		ns = 0
	}
	h.counts[bucketOf(uint64(ns)/1000)].Add(1)
	for m := h.min.Load(); ns < m && !h.min.CompareAndSwap(m, ns); m = h.min.Load() {
	}
	for m := h.max.Load(); ns > m && !h.max.CompareAndSwap(m, ns); m = h.max.Load() {
	}
}

// Merge adds every sample of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.Count() == 0 {
		return
	}
	for i := range o.counts {
		if c := o.counts[i].Load(); c > 0 {
			h.counts[i].Add(c)
		}
	}
	for {
		m, v := h.min.Load(), o.min.Load()
		if v >= m || h.min.CompareAndSwap(m, v) {
			break
		}
	}
	for {
		m, v := h.max.Load(), o.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			break
		}
	}
}

// Count returns the number of samples.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Max returns the largest sample, exactly.
func (h *Histogram) Max() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.max.Load())
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100): the
// smallest sample that at least p% of the samples do not exceed, reported
// as the middle of its bucket and clamped to the exact minimum and maximum.
func (h *Histogram) Percentile(p float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(n)))
	rank = max(1, min(rank, n))
	switch rank { // the extremes are known exactly
	case 1:
		return time.Duration(h.min.Load())
	case n:
		return time.Duration(h.max.Load())
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			low, width := bucketRange(i)
			ns := int64(low*1000 + width*1000/2)
			return time.Duration(min(max(ns, h.min.Load()), h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

// HistogramData is a histogram in a form that travels as JSON: the counts
// of its non-empty buckets by index, and the exact extremes. Reports of
// several generator processes merge these, never their percentiles.
type HistogramData struct {
	Buckets map[int]uint64 `json:"buckets"`
	MinNs   int64          `json:"minNs"`
	MaxNs   int64          `json:"maxNs"`
}

// Data returns the samples of h as HistogramData.
func (h *Histogram) Data() HistogramData {
	d := HistogramData{Buckets: map[int]uint64{}, MinNs: h.min.Load(), MaxNs: h.max.Load()}
	for i := range h.counts {
		if c := h.counts[i].Load(); c > 0 {
			d.Buckets[i] = c
		}
	}
	return d
}

// HistogramFromData rebuilds a histogram; buckets out of range are an error.
func HistogramFromData(d HistogramData) (*Histogram, error) {
	h := NewHistogram()
	for i, c := range d.Buckets {
		if i < 0 || i >= histBuckets {
			return nil, fmt.Errorf("histogram bucket %d out of range", i)
		}
		h.counts[i].Store(c)
	}
	if len(d.Buckets) > 0 {
		h.min.Store(d.MinNs)
		h.max.Store(d.MaxNs)
	}
	return h, nil
}
