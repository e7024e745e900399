// Package budget bounds the server's expensive work (past canvases, PNG
// overlays, timelapses, exports, previews, template decoding): one shared
// pool of workers and of memory that each job reserves, with its
// estimated cost, before it starts; a cache of the results by what they
// depend on; and a per-address rate of the requests that must compute.
//
// A job that cannot start within a short wait is refused with
// place.EUNAVAILABLE and a retry time, which the handlers answer as 503
// with Retry-After: the process stays within its memory, and the
// placements of every player keep their cores.
package budget

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/placecanvas/place"
)

// Defaults of Options.
const (
	DefaultMemory = 256 << 20
	DefaultWait   = 3 * time.Second
)

// DefaultWorkers is half the cores Go may use, at least 1: the other half
// stays free for the placements and broadcasts.
func DefaultWorkers() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// Options size a Budget; zero values take the defaults.
type Options struct {
	Workers int           // jobs at once
	Memory  int64         // bytes of the jobs' estimated costs at once
	Wait    time.Duration // the longest a job waits for room before refusal
}

// Budget is the shared pool. Its zero value is not usable; call New.
type Budget struct {
	workers int
	memory  int64
	wait    time.Duration

	mu      sync.Mutex
	running int
	used    int64
	changed chan struct{} // closed (and replaced) whenever room frees up
}

// New returns a Budget of o.
func New(o Options) *Budget {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers()
	}
	if o.Memory <= 0 {
		o.Memory = DefaultMemory
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	return &Budget{workers: o.Workers, memory: o.Memory, wait: o.Wait, changed: make(chan struct{})}
}

// Busy is the refusal when the budget stays spent for the whole wait.
func (b *Budget) Busy() error {
	secs := max(1, int((b.wait+time.Second-1)/time.Second))
	return &place.Error{Code: place.EUNAVAILABLE, RemainingSeconds: secs,
		Message: "The server is busy drawing other images; try again in a few seconds."}
}

// Acquire reserves a worker and cost bytes, waiting up to the budget's
// wait for them, and returns the function that gives them back (call it
// once). A cost above the whole memory budget runs alone. It fails with
// Busy when the room does not free up in time, or with ctx's error.
func (b *Budget) Acquire(ctx context.Context, cost int64) (release func(), err error) {
	cost = min(max(cost, 0), b.memory)
	timer := time.NewTimer(b.wait)
	defer timer.Stop()
	for {
		b.mu.Lock()
		if b.running < b.workers && b.used+cost <= b.memory {
			b.running++
			b.used += cost
			b.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { b.release(cost) }) }, nil
		}
		changed := b.changed
		b.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			return nil, b.Busy()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (b *Budget) release(cost int64) {
	b.mu.Lock()
	b.running--
	b.used -= cost
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// InUse returns the jobs running and the bytes they reserved.
func (b *Budget) InUse() (jobs int, bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running, b.used
}
