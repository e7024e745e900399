package realtime

import (
	"context"
	"errors"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/metrics"
)

// Loading the live canvas, and in cluster mode following the store's feed
// into it: the broadcaster's inputs (broadcast.go sends what they bring).

// load reads the canvas (retrying until ctx ends) and prefills the replay
// ring from history, so that a fresh instance can already serve resumes.
// A live canvas fed at commit was loaded by the store.
func (b *broadcaster) load(ctx context.Context) error {
	for !b.fedAtCommit {
		data, sz, seq, err := b.feed.Canvas(ctx)
		if err == nil {
			b.live.Reset(data, sz, seq)
			b.prefill(ctx, seq)
			break
		}
		b.log.Warn("loading the canvas failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	b.mu.Lock()
	b.sent, b.sentSize = b.live.Seq(), b.live.Size()
	b.ready = true
	b.mu.Unlock()
	close(b.readyCh)
	metrics.Seq.Set(float64(b.sent))
	return nil
}

func (b *broadcaster) prefill(ctx context.Context, seq uint64) {
	after := uint64(0)
	if seq > live.RingSize-1 {
		after = seq - (live.RingSize - 1)
	}
	for after < seq {
		batch, err := b.feed.Since(ctx, after, int(min(10_000, seq-after)))
		if err != nil || len(batch) == 0 {
			b.log.Warn("replay buffer not prefilled", "err", err, "from", after)
			return
		}
		for _, p := range batch {
			if !b.live.Remember(p, after) {
				b.log.Warn("replay buffer not prefilled: history has gaps", "expected", after+1, "got", p.Seq)
				return
			}
			after = p.Seq
		}
	}
}

// follow applies committed placements from the feed to the live canvas
// until ctx ends (cluster mode).
func (b *broadcaster) follow(ctx context.Context) {
	for ctx.Err() == nil && !b.fedAtCommit {
		err := b.feed.Follow(ctx, b.live.Seq(), func(batch []place.Placement) {
			read := time.Now()
			b.enqueue(batch)
			b.holdFeed(ctx, read)
		})
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, place.ErrFeedReset) {
			b.reset(ctx)
			continue
		}
		if err != nil {
			b.log.Warn("following placements failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// holdFeed keeps the feed's next read until the broadcaster's gap has
// passed since the last one returned at read: what arrives meanwhile comes
// in the next read, so an instance reads the stream about once a flush
// (one XREAD a gap, not one per placement or two), and the broadcaster
// sends each read as it lands (broadcaster.wait). The gap is the one a
// paced store keeps (Hub.CommitGap): 0, no hold, above MaxCommitHold.
func (b *broadcaster) holdFeed(ctx context.Context, read time.Time) {
	d := time.Until(read.Add(b.commitGap()))
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// reset starts over from the store's canvas after its sequence went back.
// Readers that had seen higher seqs get a batch whose prevSeq does not
// match theirs, so they resynchronise, and a resume from a seq beyond the
// new one is answered with the canvas.
func (b *broadcaster) reset(ctx context.Context) {
	for ctx.Err() == nil {
		data, sz, seq, err := b.feed.Canvas(ctx)
		if err != nil {
			b.log.Warn("reloading the canvas failed; retrying", "err", err)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		b.mu.Lock()
		b.log.Warn("the placement sequence went back; starting over from the canvas", "from", b.sent, "to", seq)
		b.live.Reset(data, sz, seq)
		b.sent = seq
		b.mu.Unlock()
		return
	}
}

// enqueue applies committed placements to the live canvas; the
// broadcaster, woken by the change, broadcasts them. A placement beyond the
// live canvas means the canvas grew and this instance has not applied the
// growth's notice yet (another instance learnt of it first): the size is
// read from the store and the live canvas grown before the placement is
// applied, so that the next flush sends resize before the pixel.
func (b *broadcaster) enqueue(batch []place.Placement) {
	if !b.live.Fits(batch) && b.size != nil {
		ctx, cancel := context.WithTimeout(context.Background(), readWait)
		sz, err := b.size(ctx)
		cancel()
		if err != nil {
			b.log.Warn("a placement is beyond the live canvas and the store's size could not be read; growing just enough", "err", err)
		} else if b.live.Grow(sz) {
			b.log.Info("the canvas grew (learnt from a placement beyond it)", "width", sz.Width, "height", sz.Height)
		}
	}
	if !b.live.Apply(batch) {
		b.log.Error("feed skipped placements", "after", batch[0].Seq)
	}
}
