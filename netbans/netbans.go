// Package netbans is the list of the moderators' network bans in force: no
// new guests or accounts from a banned address or network, and no
// placements by its guests. Each instance keeps the list in memory and
// reads it again from the store at most once a second, so that a ban made
// on any instance holds on every one within a second; a ban made or lifted
// through this instance applies here at once.
//
// The store is read without holding the list's lock, one read at a time.
// A list that cannot be read keeps the last good one (fails open when none
// was ever read): a store outage must not refuse every player, and a
// network ban is a brake on newcomers, not the guard of anything
// acknowledged. Failed reads are counted (place_network_bans_read_failures_total)
// and logged once per outage.
package netbans

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// Fresh is how long an instance reuses the list it read: a ban made
// anywhere holds everywhere within this time.
const Fresh = time.Second

// readTimeout bounds one read of the list from the store.
const readTimeout = 2 * time.Second

// waitBound is how long a check waits for a read under way while the store
// answers; past it (or while the store fails) the check uses the list held.
const waitBound = 250 * time.Millisecond

// List is this instance's view of the network bans in force.
type List struct {
	store place.NetworkBans
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex
	bans    []place.NetworkBan // newest first; never changed in place
	loaded  bool               // bans were read from the store at least once
	read    time.Time          // when the last read started
	failing bool               // the last read failed
	gen     uint64             // counts the changes made here
	loading chan struct{}      // closed when the read under way ends; nil when none
}

// New returns the list over st; it is read at the first check. now is the
// clock (nil: time.Now).
func New(st place.NetworkBans, log *slog.Logger, now func() time.Time) *List {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &List{store: st, log: log, now: now}
}

// Banned returns the ban in force on ip's address or network, if any. It
// never fails: a list that cannot be read is the last good one.
func (l *List) Banned(ctx context.Context, ip netip.Addr) (place.NetworkBan, bool) {
	b, ok := place.NetworkBanOf(l.current(ctx), ip)
	if ok && !b.EndsAt.After(l.now()) {
		ok = false
	}
	return b, ok
}

// current returns the bans held, starting a read when they are stale. A
// check waits (briefly) for that read while the store is known to answer,
// or when no list was ever read, so that a ban made elsewhere is seen
// within Fresh; while the store fails it does not wait.
func (l *List) current(ctx context.Context) []place.NetworkBan {
	now := l.now()
	l.mu.Lock()
	if l.loading == nil && (l.read.IsZero() || now.Sub(l.read) >= Fresh || now.Before(l.read)) {
		l.read = now
		l.loading = make(chan struct{})
		go l.refresh(l.gen, l.loading)
	}
	wait := l.loading
	if l.failing && l.loaded {
		wait = nil
	}
	bans := l.bans
	l.mu.Unlock()
	if wait == nil {
		return bans
	}
	t := time.NewTimer(waitBound)
	defer t.Stop()
	select {
	case <-wait:
	case <-t.C:
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bans
}

// refresh reads the list from the store and installs it, unless a change
// made here since gen would be undone by a read that began before it.
func (l *List) refresh(gen uint64, done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	bans, err := l.store.NetworkBans(ctx, l.now())
	cancel()
	l.mu.Lock()
	defer close(done)
	defer l.mu.Unlock()
	l.loading = nil
	if err != nil {
		metrics.NetworkBanReadFailures.Inc()
		if !l.failing {
			l.log.Warn("network bans not read; keeping the last list read", "err", err, "bans", len(l.bans), "ever_read", l.loaded)
		}
		l.failing = true
		return
	}
	if l.failing {
		l.log.Info("network bans read again", "bans", len(bans))
	}
	l.failing = false
	if gen != l.gen {
		l.read = time.Time{} // read again at the next check
		return
	}
	l.bans, l.loaded = bans, true
}

// Add stores a ban and applies it here at once.
func (l *List) Add(ctx context.Context, b place.NetworkBan) (place.NetworkBan, error) {
	b, err := l.store.AddNetworkBan(ctx, b)
	if err != nil {
		return b, err
	}
	l.mu.Lock()
	l.gen++
	l.bans = append([]place.NetworkBan{b}, l.bans...)
	l.mu.Unlock()
	return b, nil
}

// Lift ends the ban with that id at now and applies it here at once; it
// returns the ban as it was (ENOTFOUND when none is in force).
func (l *List) Lift(ctx context.Context, id int64, now time.Time) (place.NetworkBan, error) {
	b, err := l.store.LiftNetworkBan(ctx, id, now)
	if err != nil {
		return b, err
	}
	l.mu.Lock()
	l.gen++
	l.bans = slices.DeleteFunc(slices.Clone(l.bans), func(x place.NetworkBan) bool { return x.ID == id })
	l.mu.Unlock()
	return b, nil
}
