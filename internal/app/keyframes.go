package app

import (
	"context"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
)

// Storage is a mode's store together with its archive of history.
type Storage interface {
	place.Store
	place.Archive
}

// keyframeEvery is how often the keyframer looks for new history.
const keyframeEvery = 2 * time.Second

// keepKeyframes builds keyframes from committed history until ctx ends, off
// the placement path: placements never wait for it. In cluster mode one
// instance at a time does it (the others find the lock taken).
func (a *App) keepKeyframes(ctx context.Context) {
	k := &timetravel.Keyframer{Archive: a.Archive, Config: a.cfg.CanvasConfig(), Every: uint64(max(0, a.cfg.KeyframeEvery))}
	t := time.NewTicker(keyframeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := k.Update(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("keyframes not updated", "err", err)
		} else if n > 0 {
			a.log.Debug("keyframes stored", "count", n)
		}
	}
}
