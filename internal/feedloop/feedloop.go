// Package feedloop runs the consumers that keep state of their own from
// the placement feed (template health, the leaderboards): load, follow,
// and load again when the store's sequence goes back.
package feedloop

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/placecanvas/place"
)

// Consumer is state kept from the feed.
type Consumer interface {
	// Ready reports whether the state is loaded; Load loads it (from the
	// store's canvas or history) up to the seq that Seq then returns.
	Ready() bool
	Load(ctx context.Context) error
	Seq() uint64
	// Apply takes committed placements in seq order (the feed's callback),
	// skipping those at or below Seq.
	Apply(ps []place.Placement)
	// Forget drops the state, to be loaded again.
	Forget()
}

// Run loads c and follows feed into it until ctx ends; name starts its log
// lines.
func Run(ctx context.Context, feed place.Feed, c Consumer, log *slog.Logger, name string) {
	for ctx.Err() == nil {
		if !c.Ready() {
			if err := c.Load(ctx); err != nil {
				log.Warn(name+": loading failed; retrying", "err", err)
				Sleep(ctx, time.Second)
				continue
			}
		}
		err := feed.Follow(ctx, c.Seq(), c.Apply)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, place.ErrFeedReset) {
			log.Warn(name + ": the placement sequence went back; loading again")
			c.Forget()
			continue
		}
		if err != nil {
			log.Warn(name+": following placements failed; retrying", "err", err)
		}
		Sleep(ctx, 200*time.Millisecond)
	}
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// All joins consumers into one, so that they share one follow of the feed
// (in the cluster, one stream reader on Redis rather than one each): it is
// ready when each is, loads those that are not, follows from the lowest
// seq, and hands every batch to each (a consumer skips what it has).
func All(cs ...Consumer) Consumer { return all(cs) }

type all []Consumer

func (a all) Ready() bool {
	for _, c := range a {
		if !c.Ready() {
			return false
		}
	}
	return true
}

func (a all) Load(ctx context.Context) error {
	for _, c := range a {
		if !c.Ready() {
			if err := c.Load(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a all) Seq() uint64 {
	seq := a[0].Seq()
	for _, c := range a[1:] {
		seq = min(seq, c.Seq())
	}
	return seq
}

func (a all) Apply(ps []place.Placement) {
	for _, c := range a {
		c.Apply(ps)
	}
}

func (a all) Forget() {
	for _, c := range a {
		c.Forget()
	}
}
