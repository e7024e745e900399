package netbans_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
	"github.com/placecanvas/place/netbans"
)

// store is a network-ban store whose reads can fail or hang.
type store struct {
	mu    sync.Mutex
	bans  []place.NetworkBan
	err   error         // returned by NetworkBans when set
	hold  chan struct{} // NetworkBans waits for it to close when set
	reads int
	next  int64
}

func (s *store) NetworkBans(ctx context.Context, _ time.Time) ([]place.NetworkBan, error) {
	s.mu.Lock()
	s.reads++
	hold, err, bans := s.hold, s.err, append([]place.NetworkBan(nil), s.bans...)
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return bans, err
}

func (s *store) AddNetworkBan(_ context.Context, b place.NetworkBan) (place.NetworkBan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	b.ID = s.next
	s.bans = append([]place.NetworkBan{b}, s.bans...)
	return b, nil
}

func (s *store) LiftNetworkBan(_ context.Context, id int64, _ time.Time) (place.NetworkBan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, b := range s.bans {
		if b.ID == id {
			s.bans = append(s.bans[:i:i], s.bans[i+1:]...)
			return b, nil
		}
	}
	return place.NetworkBan{}, place.Errorf(place.ENOTFOUND, "no such ban")
}

func (s *store) set(f func(s *store)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	start   = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	inside  = netip.MustParseAddr("203.0.113.9")
	outside = netip.MustParseAddr("198.51.100.1")
	dorm    = place.NetworkBan{ID: 1, Network: netip.MustParsePrefix("203.0.113.0/24"), Reason: "raid", EndsAt: start.Add(time.Hour)}
)

// waitForRead waits until the store has been read n times and the read is
// over (the list installed or dropped).
func waitForRead(t *testing.T, l *netbans.List, st *store, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st.mu.Lock()
		reads := st.reads
		st.mu.Unlock()
		if reads >= n {
			// The read is over once a check does not start another.
			l.Banned(context.Background(), outside)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store was read %d times, want %d", reads, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A store that fails keeps the last list read in force: the ban still
// holds, and nobody else is refused.
func TestStoreDownKeepsTheLastList(t *testing.T) {
	st := &store{bans: []place.NetworkBan{dorm}}
	c := &clock{t: start}
	l := netbans.New(st, nil, c.now)
	if _, ok := l.Banned(context.Background(), inside); !ok {
		t.Fatal("the ban is not in force")
	}
	before := testutil.ToFloat64(metrics.NetworkBanReadFailures)
	st.set(func(s *store) { s.err = place.ErrUnavailable })
	for i := range 5 {
		c.add(netbans.Fresh)
		b, ok := l.Banned(context.Background(), inside)
		if !ok || b.Reason != "raid" {
			t.Fatalf("check %d with the store down: the ban was dropped", i)
		}
		if _, ok := l.Banned(context.Background(), outside); ok {
			t.Fatalf("check %d with the store down refused an address not banned", i)
		}
	}
	waitForRead(t, l, st, 2)
	if got := testutil.ToFloat64(metrics.NetworkBanReadFailures) - before; got < 1 {
		t.Errorf("failed reads counted: %v", got)
	}
	// Back: a ban lifted elsewhere meanwhile is seen.
	st.set(func(s *store) { s.err, s.bans = nil, nil })
	time.Sleep(50 * time.Millisecond) // the last failed read is over
	c.add(netbans.Fresh)
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, ok := l.Banned(context.Background(), inside); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the list was not read again once the store answered")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A list never read because the store fails lets everyone through.
func TestStoreDownFromTheStartFailsOpen(t *testing.T) {
	st := &store{bans: []place.NetworkBan{dorm}, err: errors.New("connection refused")}
	l := netbans.New(st, nil, (&clock{t: start}).now)
	if _, ok := l.Banned(context.Background(), inside); ok {
		t.Fatal("a list never read refused an address")
	}
}

// The store is read without the lock: while a read hangs, checks answer
// from the list held within the wait bound, and one read at a time is made.
func TestAHangingReadDoesNotHoldChecks(t *testing.T) {
	st := &store{bans: []place.NetworkBan{dorm}}
	c := &clock{t: start}
	l := netbans.New(st, nil, c.now)
	l.Banned(context.Background(), inside)
	hold := make(chan struct{})
	defer close(hold)
	st.set(func(s *store) { s.hold = hold })
	c.add(netbans.Fresh)
	var wg sync.WaitGroup
	began := time.Now()
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := l.Banned(context.Background(), inside); !ok {
				t.Error("the ban was dropped while a read hangs")
			}
		}()
	}
	wg.Wait()
	if d := time.Since(began); d > time.Second {
		t.Errorf("20 checks took %v while a read hung", d)
	}
	st.mu.Lock()
	reads := st.reads
	st.mu.Unlock()
	if reads != 2 {
		t.Errorf("%d reads, want 2 (one under way at a time)", reads)
	}
}

// A ban made or lifted here applies at once, even while a read that began
// before it is under way.
func TestAddAndLiftApplyAtOnce(t *testing.T) {
	st := &store{}
	c := &clock{t: start}
	l := netbans.New(st, nil, c.now)
	if _, ok := l.Banned(context.Background(), inside); ok {
		t.Fatal("banned before any ban")
	}
	hold := make(chan struct{})
	st.set(func(s *store) { s.hold = hold })
	c.add(netbans.Fresh)
	l.Banned(context.Background(), outside) // starts a read that returns the old list
	b, err := l.Add(context.Background(), place.NetworkBan{Network: dorm.Network, Reason: "raid", EndsAt: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Banned(context.Background(), inside); !ok {
		t.Fatal("the ban made here is not in force at once")
	}
	st.set(func(s *store) { s.hold = nil })
	close(hold) // the read under way returns the list it read before the ban
	waitForRead(t, l, st, 2)
	if _, ok := l.Banned(context.Background(), inside); !ok {
		t.Fatal("a read begun before the ban undid it")
	}
	st.set(func(s *store) { s.bans = []place.NetworkBan{b} })
	if _, err := l.Lift(context.Background(), b.ID, c.now()); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Banned(context.Background(), inside); ok {
		t.Fatal("the lifted ban still holds")
	}
	// A ban past its end does not hold, whatever the list says.
	st.set(func(s *store) { s.bans = []place.NetworkBan{dorm} })
	c.add(2 * time.Hour)
	if _, ok := l.Banned(context.Background(), inside); ok {
		t.Fatal("an expired ban holds")
	}
}
