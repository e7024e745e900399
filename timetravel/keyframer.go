package timetravel

import (
	"context"
	"errors"

	"github.com/placecanvas/place"
)

// Keyframer builds keyframes at every multiple of Every, from committed
// history, in the background: placements never wait for it. It keeps the
// canvas it last reached, so each Update reads only the new placements.
type Keyframer struct {
	Archive place.Archive
	Config  place.Config // the size to start with
	Every   uint64       // default DefaultKeyframeEvery
	// Sizes, when set, gives the size to grow to when a placement lands
	// beyond the kept canvas (the canvas grew); without it the kept canvas
	// grows just enough to hold it.
	Sizes place.Sizes

	canvas []byte
	size   place.Size // of canvas
	seq    uint64     // canvas is the canvas right after seq (when non-nil)
}

// blank starts again from a white canvas at seq 0.
func (k *Keyframer) blank() {
	k.size = k.size.Max(k.Config.Size())
	k.canvas, k.seq = make([]byte, k.size.Width*k.size.Height), 0
}

// fit grows the kept canvas so that every placement of ps is on it.
func (k *Keyframer) fit(ctx context.Context, ps []place.Placement) {
	need := k.size
	for _, p := range ps {
		need = need.Max(place.Size{Width: p.X + 1, Height: p.Y + 1})
	}
	if need == k.size {
		return
	}
	if k.Sizes != nil {
		if cur, err := k.Sizes.CanvasSize(ctx); err == nil {
			need = need.Max(cur)
		}
	}
	k.canvas, k.size = place.Regrow(k.canvas, k.size, need), need
}

// apply replays ps onto the kept canvas, growing it first if needed.
func (k *Keyframer) apply(ctx context.Context, ps []place.Placement) {
	k.fit(ctx, ps)
	apply(k.canvas, k.size.Width, ps)
}

func (k *Keyframer) keyframe(data []byte) place.Keyframe {
	return place.Keyframe{Seq: k.seq, Width: k.size.Width, Height: k.size.Height, Data: data}
}

// Update builds every keyframe that the complete history now allows and
// returns how many it stored. It is a no-op (0, nil) when another instance
// holds the keyframe lock or when there is no history yet.
func (k *Keyframer) Update(ctx context.Context) (int, error) {
	every := k.Every
	if every == 0 {
		every = DefaultKeyframeEvery
	}
	unlock, ok, err := k.Archive.LockKeyframes(ctx)
	if err != nil || !ok {
		return 0, err
	}
	defer unlock()
	span, err := k.Archive.HistorySpan(ctx)
	if place.ErrorCode(err) == place.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if k.canvas != nil && (k.seq/every+1)*every > span.LastSeq {
		return 0, nil // nothing new to keyframe: no need to read one back
	}
	made := 0
	for next := (k.startSeq(ctx, span.LastSeq)/every + 1) * every; next <= span.LastSeq; next += every {
		if err := k.advance(ctx, next); err != nil {
			return made, err
		}
		data, err := EncodeKeyframe(k.canvas)
		if err != nil {
			return made, err
		}
		kf := k.keyframe(data)
		if err := k.Archive.SaveKeyframe(ctx, kf); err != nil {
			return made, err
		}
		made++
	}
	return made, nil
}

// startSeq returns the seq of the latest stored keyframe (or of the canvas
// kept from the last run, when that is the same), loading it if needed. A
// keyframe of a smaller canvas (made before a growth) is laid out on the
// kept size.
func (k *Keyframer) startSeq(ctx context.Context, last uint64) uint64 {
	kf, ok, err := k.Archive.KeyframeAtOrBefore(ctx, last)
	if err != nil || !ok {
		if k.canvas == nil {
			k.blank()
		}
		return k.seq
	}
	if k.canvas != nil && k.seq >= kf.Seq {
		return k.seq
	}
	kfSize := place.Size{Width: kf.Width, Height: kf.Height}
	canvas, err := DecodeKeyframe(kf.Data, kf.Width*kf.Height)
	if err != nil {
		k.blank()
		return 0
	}
	k.size = k.size.Max(k.Config.Size()).Max(kfSize)
	k.canvas, k.seq = place.Regrow(canvas, kfSize, k.size), kf.Seq
	return k.seq
}

// advance replays placements up to seq onto the kept canvas.
func (k *Keyframer) advance(ctx context.Context, seq uint64) error {
	if seq <= k.seq {
		return nil
	}
	err := k.Archive.PixelRange(ctx, k.seq, seq, func(ps []place.Placement) error {
		k.apply(ctx, ps)
		return nil
	})
	if err != nil {
		k.canvas, k.seq = nil, 0 // half-applied: start again from a keyframe
		return err
	}
	k.seq = seq
	return nil
}

// Follow keeps keyframes from committed placements as the feed delivers
// them, instead of reading them back from history: for a store whose feed
// delivers only durable placements (embedded mode). Not for cluster mode,
// whose stream holds placements that a Redis failure could still lose
// before PostgreSQL has them; there, Update reads PostgreSQL. Follow
// returns when ctx ends or a keyframe cannot be stored.
func (k *Keyframer) Follow(ctx context.Context, feed place.Feed) error {
	every := k.Every
	if every == 0 {
		every = DefaultKeyframeEvery
	}
	if _, err := k.Update(ctx); err != nil { // catch up from history first
		return err
	}
	if k.canvas == nil {
		k.seq = k.startSeq(ctx, 1<<63-1) // the latest keyframe, or a white canvas
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	err := feed.Follow(ctx, k.seq, func(ps []place.Placement) {
		for _, p := range ps {
			if p.Seq <= k.seq {
				continue
			}
			k.apply(ctx, []place.Placement{p})
			k.seq = p.Seq
			if k.seq%every != 0 {
				continue
			}
			data, err := EncodeKeyframe(k.canvas)
			if err == nil {
				err = k.Archive.SaveKeyframe(ctx, k.keyframe(data))
			}
			if err != nil {
				k.canvas = nil // the next run starts again from a stored keyframe
				cancel(err)
				return
			}
		}
	})
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}
