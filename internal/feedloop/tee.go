package feedloop

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/placecanvas/place"
)

// Tee shares one follow of a store's feed between the hub and the state
// kept from the feed (template health, the leaderboards): the hub follows
// Source, which reads the store (in the cluster, the instance's one reader
// of the Redis stream), and whoever follows the Tee gets the batches that
// read brings. A follower of the Tee reads the store itself only to catch
// up: from where it starts to where the shared read is, and across a gap
// when it fell too far behind and was dropped. Canvas and Since go to the
// store.
type Tee struct {
	place.Feed

	mu   sync.Mutex
	subs map[*teeSub]struct{}
}

// teeBuffer is how many batches a follower of the Tee may be behind the
// shared read before it is dropped and catches up from the store.
const teeBuffer = 256

// errFellBehind ends the follow of a follower that was dropped; it follows
// again from its seq (Run retries).
var errFellBehind = errors.New("fell behind the shared placement feed")

type teeSub struct {
	ch   chan []place.Placement
	gone chan struct{} // closed when dropped; err says why
	err  error
}

// NewTee returns a Tee over the store's feed.
func NewTee(feed place.Feed) *Tee {
	return &Tee{Feed: feed, subs: make(map[*teeSub]struct{})}
}

// Source is the feed of the one reader of the store (the hub's
// broadcaster): its Follow reads the store and hands every batch to the
// Tee's followers too.
func (t *Tee) Source() place.Feed { return teeSource{t} }

type teeSource struct{ *Tee }

// Follow implements place.Feed for the reader of the store.
func (s teeSource) Follow(ctx context.Context, after uint64, fn func([]place.Placement)) error {
	err := s.Tee.Feed.Follow(ctx, after, func(ps []place.Placement) {
		// The followers first: fn (the broadcaster) may hold the read
		// for its flush gap, and the followers need not wait for that.
		s.publish(ps)
		fn(ps)
	})
	if errors.Is(err, place.ErrFeedReset) {
		// The store's sequence went back: every follower starts over.
		s.dropAll(place.ErrFeedReset)
	}
	return err
}

// publish hands a batch to each follower without waiting; one whose buffer
// is full is dropped.
func (t *Tee) publish(ps []place.Placement) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.subs) == 0 || len(ps) == 0 {
		return
	}
	batch := append([]place.Placement(nil), ps...) // the followers' own, read only
	for s := range t.subs {
		select {
		case s.ch <- batch:
		default:
			t.drop(s, errFellBehind)
		}
	}
}

func (t *Tee) dropAll(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for s := range t.subs {
		t.drop(s, err)
	}
}

// drop removes s, under t.mu.
func (t *Tee) drop(s *teeSub, err error) {
	delete(t.subs, s)
	s.err = err
	close(s.gone)
}

// Follow implements place.Feed for the followers of the shared read: every
// committed placement after after, in order and without gaps, until ctx
// ends, the follower falls behind (an error; follow again from its seq)
// or the store's sequence goes back (place.ErrFeedReset).
func (t *Tee) Follow(ctx context.Context, after uint64, fn func([]place.Placement)) error {
	s := &teeSub{ch: make(chan []place.Placement, teeBuffer), gone: make(chan struct{})}
	t.mu.Lock()
	t.subs[s] = struct{}{}
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.subs, s) // nothing when dropped already
		t.mu.Unlock()
	}()

	// Subscribed first, so that what the shared read brings from now on is
	// buffered while the store is read up to where it is.
	last, err := t.readStore(ctx, after, 0, fn)
	if err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.gone:
			return s.err
		case ps := <-s.ch:
			i := 0
			for i < len(ps) && ps[i].Seq <= last {
				i++ // had it from the store
			}
			if i == len(ps) {
				continue
			}
			if ps[i].Seq != last+1 {
				// Not in the store when it was read, or read past: fill
				// the gap from it.
				if last, err = t.readStore(ctx, last, ps[i].Seq-1, fn); err != nil {
					return err
				}
				if last != ps[i].Seq-1 {
					return fmt.Errorf("placement feed: seqs %d to %d missing from the store", last+1, ps[i].Seq-1)
				}
			}
			fn(ps[i:])
			last = ps[len(ps)-1].Seq
		}
	}
}

// readStore hands fn the store's placements after after, up to until (0:
// as far as the store has them), and returns the last seq handed.
func (t *Tee) readStore(ctx context.Context, after, until uint64, fn func([]place.Placement)) (uint64, error) {
	for until == 0 || after < until {
		n := 1000
		if until != 0 {
			n = int(min(until-after, 1000))
		}
		ps, err := t.Feed.Since(ctx, after, n)
		if err != nil {
			return after, err
		}
		if len(ps) == 0 {
			return after, nil
		}
		if ps[0].Seq != after+1 {
			return after, fmt.Errorf("placement feed: the store skipped from %d to %d", after, ps[0].Seq)
		}
		for k, p := range ps {
			if until != 0 && p.Seq > until {
				ps = ps[:k]
				break
			}
		}
		fn(ps)
		after = ps[len(ps)-1].Seq
	}
	return after, nil
}
