package place

import (
	"context"
	"time"
)

// HistorySpan describes the complete part of the stored history: every
// placement with a seq up to Last is stored (the cluster store may hold
// later ones too, while earlier ones are still being written).
type HistorySpan struct {
	FirstSeq, LastSeq uint64
	FirstAt, LastAt   time.Time
}

// Keyframe is the whole canvas as it was right after placement Seq, kept so
// that the canvas at any moment is a keyframe plus a short replay. Data is
// encoded by the timetravel package (4 bits per pixel, deflated).
type Keyframe struct {
	Seq           uint64
	Width, Height int
	Data          []byte
}

// Archive reads the stored history as a whole, for time travel, timelapses
// and exports, and keeps the keyframes that make a past canvas quick to
// rebuild. The timetravel package builds everything else on these calls.
type Archive interface {
	// HistorySpan returns the complete history's first and last placements;
	// ENOTFOUND when nothing was placed yet.
	HistorySpan(ctx context.Context) (HistorySpan, error)
	// SeqAt returns the highest seq, up to the span's last, of a placement
	// made at or before t; 0 when there is none.
	SeqAt(ctx context.Context, t time.Time) (uint64, error)
	// PlacementRange calls fn with the stored placements whose seq is in
	// (after, upto], in seq order, a batch at a time, without holding them
	// all: a range may be the whole history. fn must not keep the slice.
	PlacementRange(ctx context.Context, after, upto uint64, fn func([]Placement) error) error
	// PixelRange is PlacementRange with only Seq, X, Y and Color filled in:
	// what a replay needs, read faster.
	PixelRange(ctx context.Context, after, upto uint64, fn func([]Placement) error) error
	// KeyframeAtOrBefore returns the latest keyframe with Seq ≤ seq; ok is
	// false when there is none.
	KeyframeAtOrBefore(ctx context.Context, seq uint64) (kf Keyframe, ok bool, err error)
	// SaveKeyframe stores a keyframe; storing one that exists is a no-op.
	SaveKeyframe(ctx context.Context, kf Keyframe) error
	// LockKeyframes makes this caller the one that builds keyframes (in
	// cluster mode, among all instances); ok is false when another holds it.
	LockKeyframes(ctx context.Context) (unlock func(), ok bool, err error)
	// ExportSalt returns the stored server secret that salts the user hashes
	// of exports, created on first use.
	ExportSalt(ctx context.Context) ([]byte, error)
}
