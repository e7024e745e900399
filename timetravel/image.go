package timetravel

import (
	"image"
	"io"

	"github.com/placecanvas/place"
)

// Render draws the region src of a canvas of width cw onto dst, nearest
// neighbour, scaling the region to dst's size (up or down).
func Render(dst *image.Paletted, canvas []byte, cw int, src image.Rectangle) {
	b := dst.Bounds()
	ow, oh := b.Dx(), b.Dy()
	xs := make([]int, ow)
	for ox := range xs {
		xs[ox] = src.Min.X + ox*src.Dx()/ow
	}
	for oy := range oh {
		row := canvas[(src.Min.Y+oy*src.Dy()/oh)*cw:]
		out := dst.Pix[oy*dst.Stride : oy*dst.Stride+ow]
		for ox, x := range xs {
			out[ox] = row[x]
		}
	}
}

// WritePNG writes the region of a canvas scaled to out, as an indexed PNG,
// a row at a time (EncodePaletted): besides the canvas it needs one output
// row and the compressor, whatever the scale.
func WritePNG(w io.Writer, canvas []byte, cw int, region image.Rectangle, out image.Point) error {
	xs := make([]int, out.X)
	for ox := range xs {
		xs[ox] = region.Min.X + ox*region.Dx()/out.X
	}
	return EncodePaletted(w, out.X, out.Y, place.ImagePalette, func(oy int, dst []byte) {
		row := canvas[(region.Min.Y+oy*region.Dy()/out.Y)*cw:]
		for ox, x := range xs {
			dst[ox] = row[x]
		}
	})
}
