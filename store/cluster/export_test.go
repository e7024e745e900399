package cluster

import (
	"context"
	"time"

	"github.com/placecanvas/place"
)

// DirectPlace makes the store send each placement on its own pooled
// connection instead of through the pipelining batcher, to compare the two.
func DirectPlace(o *Options) { o.directPlace = true }

// SetWriterHook makes the history writer call f with the batch before it
// begins a batch's transaction ("begin") and just before it commits one
// ("commit").
func SetWriterHook(s *Store, f func(stage string, batch []place.Placement)) { s.hook.Store(&f) }

// StoreBatch runs the history writer's write-then-acknowledge step on one
// batch, with the stream ids ids, as read under the Redis epoch epoch.
func StoreBatch(ctx context.Context, s *Store, batch []place.Placement, ids []any, epoch int64) (reread, closing bool) {
	r := readResult{batch: batch, ids: ids, epoch: epoch}
	return s.writer.storeBatch(ctx, r, newBackoff(time.Millisecond, time.Millisecond))
}

// ShrinkRedis runs the Redis step of undoing growth g, PostgreSQL having
// been checked for placements in its area up to seq checked.
func ShrinkRedis(ctx context.Context, s *Store, g place.Growth, checked uint64) error {
	return s.Sizes.shrinkRedis(ctx, g, checked)
}
