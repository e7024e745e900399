package budget_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/budget"
)

func TestAcquireRefusesWhenWorkersAreBusy(t *testing.T) {
	b := budget.New(budget.Options{Workers: 2, Memory: 1 << 20, Wait: 50 * time.Millisecond})
	r1, err := b.Acquire(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := b.Acquire(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = b.Acquire(context.Background(), 10)
	var pe *place.Error
	if !errors.As(err, &pe) || pe.Code != place.EUNAVAILABLE || pe.RemainingSeconds < 1 {
		t.Fatalf("third job: err = %v, want EUNAVAILABLE with a retry time", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("refused after %v, before the wait", d)
	}
	r1()
	r1() // a second release changes nothing
	if jobs, _ := b.InUse(); jobs != 1 {
		t.Fatalf("jobs = %d after one release (twice), want 1", jobs)
	}
	r3, err := b.Acquire(context.Background(), 10)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	r2()
	r3()
}

func TestAcquireWaitsForMemory(t *testing.T) {
	b := budget.New(budget.Options{Workers: 8, Memory: 100, Wait: 2 * time.Second})
	big, err := b.Acquire(context.Background(), 70)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := b.Acquire(context.Background(), 40) // 110 > 100: waits
		if err == nil {
			defer r()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a job over the memory left started at once (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	big()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Second):
		t.Fatal("the waiting job did not start when memory was released")
	}
	// A job larger than the whole budget runs, alone.
	r, err := b.Acquire(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if _, used := b.InUse(); used != 100 {
		t.Errorf("an oversized job reserved %d, want the whole 100", used)
	}
	r()
}

func TestAcquireGivesUpWithTheRequest(t *testing.T) {
	b := budget.New(budget.Options{Workers: 1, Wait: time.Minute})
	r, _ := b.Acquire(context.Background(), 0)
	defer r()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
}

func TestCacheComputesOnceForConcurrentCallers(t *testing.T) {
	c := budget.NewCache(1 << 20)
	var computed atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := budget.Do(context.Background(), c, "k", func() ([]byte, int64, error) {
				computed.Add(1)
				<-release
				return []byte("png"), 3, nil
			})
			if err != nil || string(v) != "png" {
				t.Errorf("Do = %q, %v", v, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := computed.Load(); n != 1 {
		t.Fatalf("computed %d times for 20 concurrent callers, want 1", n)
	}
	if v, ok := budget.Get[[]byte](c, "k"); !ok || string(v) != "png" {
		t.Fatalf("Get after Do = %q, %v", v, ok)
	}
}

func TestCacheEvictsLeastRecentlyUsedByBytes(t *testing.T) {
	c := budget.NewCache(100)
	put := func(k string, n int64) {
		_, _ = budget.Do(context.Background(), c, k, func() (int, int64, error) { return 1, n, nil })
	}
	put("a", 40)
	put("b", 40)
	budget.Get[int](c, "a") // a is now more recent than b
	put("c", 40)            // 120 > 100: b goes
	if _, ok := budget.Get[int](c, "b"); ok {
		t.Error("b, least recently used, was kept")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := budget.Get[int](c, k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if used, n := c.Size(); used != 80 || n != 2 {
		t.Errorf("Size = %d bytes, %d entries; want 80, 2", used, n)
	}
	put("huge", 101) // larger than the cache: served, not kept
	if _, ok := budget.Get[int](c, "huge"); ok {
		t.Error("a value larger than the cache was kept")
	}
}

func TestCacheKeepsNoErrorsAndSurvivesPanics(t *testing.T) {
	c := budget.NewCache(100)
	boom := errors.New("boom")
	if _, err := budget.Do(context.Background(), c, "k", func() (int, int64, error) { return 0, 1, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, ok := budget.Get[int](c, "k"); ok {
		t.Fatal("an error was cached")
	}
	func() {
		defer func() { _ = recover() }()
		_, _ = budget.Do(context.Background(), c, "k", func() (int, int64, error) { panic("x") })
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		v, err := budget.Do(context.Background(), c, "k", func() (int, int64, error) { return 7, 1, nil })
		if err != nil || v != 7 {
			t.Errorf("after a panic: %v, %v", v, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("a panicked computation left its key blocked")
	}
}

func TestRateAllowsABurstThenRefusesWithTheWait(t *testing.T) {
	r := budget.NewRate(6) // one every 10 s
	now := time.Unix(1000, 0)
	for i := range 6 {
		if ok, _ := r.Allow("a", now); !ok {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	ok, wait := r.Allow("a", now)
	if ok || wait < 9*time.Second || wait > 10*time.Second {
		t.Fatalf("7th event: ok=%v wait=%v, want refused with about 10s", ok, wait)
	}
	if ok, _ := r.Allow("b", now); !ok {
		t.Fatal("another address was refused")
	}
	if ok, _ := r.Allow("a", now.Add(10*time.Second)); !ok {
		t.Fatal("refused after the bucket refilled one event")
	}
	if ok, _ := budget.NewRate(0).Allow("a", now); !ok {
		t.Fatal("a zero rate limited")
	}
}
