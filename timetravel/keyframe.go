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

// EncodeKeyframe packs a canvas at 4 bits per pixel (two per byte, the first
// in the high nibble) and deflates it.
func EncodeKeyframe(canvas []byte) ([]byte, error) {
	packed := make([]byte, (len(canvas)+1)/2)
	for i, c := range canvas {
		if i%2 == 0 {
			packed[i/2] = c << 4
		} else {
			packed[i/2] |= c & 0x0f
		}
	}
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(packed); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeKeyframe unpacks a keyframe into a canvas of n pixels.
func DecodeKeyframe(data []byte, n int) ([]byte, error) {
	packed := make([]byte, (n+1)/2)
	zr := flate.NewReader(bytes.NewReader(data))
	defer zr.Close()
	if _, err := io.ReadFull(zr, packed); err != nil {
		return nil, fmt.Errorf("keyframe: %w", err)
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

// CanvasAt rebuilds the canvas as it was right after placement seq: the
// nearest keyframe at or before seq, then the placements after it. It does
// not check seq against the history span; callers do (see ResolveAt).
func CanvasAt(ctx context.Context, a place.Archive, cfg place.Config, seq uint64) ([]byte, error) {
	n := cfg.Width * cfg.Height
	canvas := make([]byte, n)
	var from uint64
	kf, ok, err := a.KeyframeAtOrBefore(ctx, seq)
	if err != nil {
		return nil, err
	}
	if ok && kf.Width == cfg.Width && kf.Height == cfg.Height {
		if canvas, err = DecodeKeyframe(kf.Data, n); err != nil {
			return nil, err
		}
		from = kf.Seq
	}
	if from >= seq {
		return canvas, nil
	}
	err = a.PixelRange(ctx, from, seq, func(ps []place.Placement) error {
		apply(canvas, cfg.Width, ps)
		return nil
	})
	return canvas, err
}
