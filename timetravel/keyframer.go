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
	Config  place.Config
	Every   uint64 // default DefaultKeyframeEvery

	canvas []byte
	seq    uint64 // canvas is the canvas right after seq (when non-nil)
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
		kf := place.Keyframe{Seq: next, Width: k.Config.Width, Height: k.Config.Height, Data: data}
		if err := k.Archive.SaveKeyframe(ctx, kf); err != nil {
			return made, err
		}
		made++
	}
	return made, nil
}

// startSeq returns the seq of the latest stored keyframe (or of the canvas
// kept from the last run, when that is the same), loading it if needed.
func (k *Keyframer) startSeq(ctx context.Context, last uint64) uint64 {
	kf, ok, err := k.Archive.KeyframeAtOrBefore(ctx, last)
	if err != nil || !ok || kf.Width != k.Config.Width || kf.Height != k.Config.Height {
		if k.canvas == nil {
			k.canvas, k.seq = make([]byte, k.Config.Width*k.Config.Height), 0
		}
		return k.seq
	}
	if k.canvas != nil && k.seq >= kf.Seq {
		return k.seq
	}
	canvas, err := DecodeKeyframe(kf.Data, k.Config.Width*k.Config.Height)
	if err != nil {
		k.canvas, k.seq = make([]byte, k.Config.Width*k.Config.Height), 0
		return 0
	}
	k.canvas, k.seq = canvas, kf.Seq
	return k.seq
}

// advance replays placements up to seq onto the kept canvas.
func (k *Keyframer) advance(ctx context.Context, seq uint64) error {
	if seq <= k.seq {
		return nil
	}
	err := k.Archive.PixelRange(ctx, k.seq, seq, func(ps []place.Placement) error {
		apply(k.canvas, k.Config.Width, ps)
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
			k.canvas[p.Y*k.Config.Width+p.X] = p.Color
			k.seq = p.Seq
			if k.seq%every != 0 {
				continue
			}
			data, err := EncodeKeyframe(k.canvas)
			if err == nil {
				err = k.Archive.SaveKeyframe(ctx, place.Keyframe{Seq: k.seq, Width: k.Config.Width, Height: k.Config.Height, Data: data})
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
