package timetravel

import (
	"context"
	"image"
	"image/color"
	"image/png"
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

// WriteHeatmap writes placements per pixel as a PNG overlay, on a
// logarithmic scale relative to the busiest pixel.
func WriteHeatmap(w io.Writer, counts []uint32, cfg place.Config) error {
	img := image.NewPaletted(image.Rect(0, 0, cfg.Width, cfg.Height), heatPalette)
	var most uint32
	for _, n := range counts {
		most = max(most, n)
	}
	scale := 14 / math.Log1p(float64(max(most, 1)))
	for i, n := range counts {
		if n > 0 {
			img.Pix[i] = 1 + uint8(math.Log1p(float64(n))*scale)
		}
	}
	return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
}

// WriteVirgin writes the pixels that no placement ever touched (count 0) as
// a PNG overlay.
func WriteVirgin(w io.Writer, counts []uint32, cfg place.Config) error {
	img := image.NewPaletted(image.Rect(0, 0, cfg.Width, cfg.Height), virginPalette)
	for i, n := range counts {
		if n == 0 {
			img.Pix[i] = 1
		}
	}
	return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
}
