// Package timetravel rebuilds the canvas at any past moment from the stored
// history and turns that history into things to watch and take home:
// keyframes, frames at a seq or a time, timelapse GIFs, the CSV open-data
// export, heatmap and never-placed overlays, and a summary.
package timetravel

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"

	"github.com/placecanvas/place"
)

// DefaultKeyframeEvery is the number of placements between two keyframes:
// rebuilding any past canvas replays fewer than this many placements.
const DefaultKeyframeEvery = 20_000

// Keyframe encodings: the first byte says how the packed pixels follow.
const (
	keyframeDeflated = 'D'
	keyframeRaw      = 'R'
)

// EncodeKeyframe packs a canvas at 4 bits per pixel (two per byte, the first
// in the high nibble) and deflates it, unless a sample shows that deflate
// would save less than a quarter: a canvas of mostly random colors hardly
// compresses, and compressing it anyway costs several times the packing
// (in the keyframer's CPU and in every rebuild's inflate).
func EncodeKeyframe(canvas []byte) ([]byte, error) {
	packed := make([]byte, (len(canvas)+1)/2)
	for i := 0; i+1 < len(canvas); i += 2 {
		packed[i/2] = canvas[i]<<4 | canvas[i+1]&0x0f
	}
	if len(canvas)%2 == 1 {
		packed[len(packed)-1] = canvas[len(canvas)-1] << 4
	}
	sample := packed[:min(len(packed), 64<<10)]
	if z, err := deflate(sample); err != nil || len(z) > len(sample)*3/4 {
		return append([]byte{keyframeRaw}, packed...), err
	}
	z, err := deflate(packed)
	return append([]byte{keyframeDeflated}, z...), err
}

func deflate(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	err = zw.Close()
	return buf.Bytes(), err
}

// DecodeKeyframe unpacks a keyframe into a canvas of n pixels.
func DecodeKeyframe(data []byte, n int) ([]byte, error) {
	packed := make([]byte, (n+1)/2)
	switch {
	case len(data) > 0 && data[0] == keyframeRaw:
		if len(data)-1 != len(packed) {
			return nil, fmt.Errorf("keyframe: %d bytes for %d pixels", len(data)-1, n)
		}
		copy(packed, data[1:])
	case len(data) > 0 && data[0] == keyframeDeflated:
		zr := flate.NewReader(bytes.NewReader(data[1:]))
		defer zr.Close()
		if _, err := io.ReadFull(zr, packed); err != nil {
			return nil, fmt.Errorf("keyframe: %w", err)
		}
	default:
		return nil, fmt.Errorf("keyframe: unknown encoding")
	}
	canvas := make([]byte, n+1) // room for the odd pixel's pair
	for i, b := range packed {
		canvas[2*i], canvas[2*i+1] = b>>4, b&0x0f
	}
	return canvas[:n:n], nil
}

// apply writes placements onto a canvas of the given width.
func apply(canvas []byte, width int, ps []place.Placement) {
	for _, p := range ps {
		canvas[p.Y*width+p.X] = p.Color
	}
}

// CanvasAt rebuilds the canvas as it was right after placement seq, drawn
// on a canvas of cfg's size (the current size, or larger than the canvas
// was then: every pixel keeps its (x, y)): the nearest keyframe at or
// before seq, then the placements after it. It does not check seq against
// the history span; callers do (see ResolveAt). SizedCanvasAt crops it to
// the size the canvas had then.
func CanvasAt(ctx context.Context, a place.Archive, cfg place.Config, seq uint64) ([]byte, error) {
	sz := cfg.Size()
	var canvas []byte // the keyframe's, or a blank one: never both (16 MiB each at 4096²)
	var from uint64
	kf, ok, err := a.KeyframeAtOrBefore(ctx, seq)
	if err != nil {
		return nil, err
	}
	if kfSize := (place.Size{Width: kf.Width, Height: kf.Height}); ok {
		c, err := DecodeKeyframe(kf.Data, kf.Width*kf.Height)
		if err != nil {
			return nil, err
		}
		// A keyframe larger than sz was made before a growth was undone:
		// nothing was placed beyond sz, so cropping it loses nothing.
		canvas, from = place.Relayout(c, kfSize, sz), kf.Seq
	} else {
		canvas = make([]byte, sz.Width*sz.Height)
	}
	if from >= seq {
		return canvas, nil
	}
	err = a.PixelRange(ctx, from, seq, func(ps []place.Placement) error {
		for _, p := range ps {
			if !sz.Contains(p.X, p.Y) {
				return fmt.Errorf("placement %d at %d,%d is outside the %dx%d canvas", p.Seq, p.X, p.Y, sz.Width, sz.Height)
			}
		}
		apply(canvas, sz.Width, ps)
		return nil
	})
	return canvas, err
}

// SizedCanvasAt is CanvasAt at the size the canvas had right after seq
// (see place.SizeAt), given its current size and growths.
func SizedCanvasAt(ctx context.Context, a place.Archive, current place.Size, growths []place.Growth, seq uint64) ([]byte, place.Size, error) {
	data, err := CanvasAt(ctx, a, place.Config{}.WithSize(current), seq)
	if err != nil {
		return nil, place.Size{}, err
	}
	then := place.SizeAt(place.FirstSize(current, growths), growths, seq)
	return place.Crop(data, current, then), then, nil
}
