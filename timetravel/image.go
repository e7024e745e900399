package timetravel

import (
	"image"
	"image/png"
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

// WritePNG writes the region of a canvas scaled to out, as an indexed PNG.
func WritePNG(w io.Writer, canvas []byte, cw int, region image.Rectangle, out image.Point) error {
	img := image.NewPaletted(image.Rectangle{Max: out}, place.ImagePalette)
	Render(img, canvas, cw, region)
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}
