package timetravel

import (
	"context"
	"image/color"
	"io"
	"math"

	"github.com/placecanvas/place"
)

// heatPalette: index 0 is transparent (never placed in the window); 1..15
// run from a faint yellow to an opaque dark red as placements grow.
var heatPalette = func() color.Palette {
	p := color.Palette{color.NRGBA{}}
	for i := 1; i < 16; i++ {
		f := float64(i) / 15
		p = append(p, color.NRGBA{R: 255, G: uint8(230 * (1 - f)), B: 0, A: uint8(80 + 175*f)})
	}
	return p
}()

// virginPalette: placed pixels are transparent; never-placed ones a
// striking cyan that no palette color matches.
var virginPalette = color.Palette{color.NRGBA{}, color.NRGBA{R: 0, G: 255, B: 200, A: 220}}

// CountPixels counts the placements per pixel with seq in (after, upto].
func CountPixels(ctx context.Context, a place.Archive, cfg place.Config, after, upto uint64) ([]uint32, error) {
	counts := make([]uint32, cfg.Width*cfg.Height)
	err := a.PixelRange(ctx, after, upto, func(ps []place.Placement) error {
		for _, p := range ps {
			if p.X >= cfg.Width || p.Y >= cfg.Height {
				continue // placed after a growth this count does not cover
			}
			counts[p.Y*cfg.Width+p.X]++
		}
		return nil
	})
	return counts, err
}

// Overlay is a picture drawn from the placements per pixel: each count
// becomes an index of its palette.
type Overlay struct {
	palette color.Palette
	levels  func(counts []uint32) []byte
}

// Heatmap shows placements per pixel on a logarithmic scale relative to the
// busiest pixel; index 0 (transparent) is a pixel never placed.
var Heatmap = Overlay{heatPalette, func(counts []uint32) []byte {
	var most uint32
	for _, n := range counts {
		most = max(most, n)
	}
	scale := 14 / math.Log1p(float64(max(most, 1)))
	out := make([]byte, len(counts))
	for i, n := range counts {
		if n > 0 {
			out[i] = 1 + uint8(math.Log1p(float64(n))*scale)
		}
	}
	return out
}}

// Virgin shows the pixels that no placement touched (count 0).
var Virgin = Overlay{virginPalette, func(counts []uint32) []byte {
	out := make([]byte, len(counts))
	for i, n := range counts {
		if n == 0 {
			out[i] = 1
		}
	}
	return out
}}

// Levels returns the palette index of every pixel of counts.
func (o Overlay) Levels(counts []uint32) []byte { return o.levels(counts) }

// WritePNG writes levels (of a canvas of size sz) as a PNG of size out,
// which may be larger (the canvas grew since): the pixels beyond sz have
// the level of a count of 0.
func (o Overlay) WritePNG(w io.Writer, levels []byte, sz, out place.Size) error {
	outside := o.levels([]uint32{0})[0]
	return EncodePaletted(w, out.Width, out.Height, o.palette, func(y int, dst []byte) {
		n := 0
		if y < sz.Height {
			n = copy(dst[:min(sz.Width, len(dst))], levels[y*sz.Width:(y+1)*sz.Width])
		}
		for i := n; i < len(dst); i++ {
			dst[i] = outside
		}
	})
}

// WriteHeatmap writes placements per pixel (counts of a canvas of cfg's
// size) as a heatmap PNG overlay.
func WriteHeatmap(w io.Writer, counts []uint32, cfg place.Config) error {
	return Heatmap.WritePNG(w, Heatmap.Levels(counts), cfg.Size(), cfg.Size())
}

// WriteVirgin writes the pixels that no placement ever touched (count 0) as
// a PNG overlay.
func WriteVirgin(w io.Writer, counts []uint32, cfg place.Config) error {
	return Virgin.WritePNG(w, Virgin.Levels(counts), cfg.Size(), cfg.Size())
}
