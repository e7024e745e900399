package app

import (
	"context"
	"time"

	"github.com/placecanvas/place/timetravel"
)

// keyframeEvery is how often the keyframer looks for new history.
const keyframeEvery = 2 * time.Second

// keepKeyframes builds keyframes from committed history until ctx ends, off
// the placement path: placements never wait for it. In embedded mode it
// follows the committed placements in memory (durable once delivered); in
// cluster mode one instance at a time reads them back from PostgreSQL,
// which holds only placements that can no longer be lost.
func (a *App) keepKeyframes(ctx context.Context) {
	k := &timetravel.Keyframer{Archive: a.Store.Archive, Config: a.cfg.CanvasConfig(), Sizes: a.Store.Sizes, Every: uint64(max(0, a.cfg.KeyframeEvery))}
	t := time.NewTicker(keyframeEvery)
	defer t.Stop()
	for {
		var err error
		if a.cfg.RedisURL == "" {
			err = k.Follow(ctx, a.Store.Feed)
		} else {
			var n int
			n, err = k.Update(ctx)
			if n > 0 {
				a.log.Debug("keyframes stored", "count", n)
			}
		}
		if err != nil && ctx.Err() == nil {
			a.log.Warn("keyframes not updated", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
