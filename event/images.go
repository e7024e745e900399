package event

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/placecanvas/place"
)

// MaxTemplateBytes bounds an uploaded template file.
const MaxTemplateBytes = 2 << 20

// CheckTemplate checks an uploaded template: an 8-bit PNG of at most
// MaxTemplateBytes whose every pixel is a palette color or fully
// transparent, placed at x, y inside a width × height canvas. It returns
// the image's size.
func CheckTemplate(data []byte, x, y, width, height int) (w, h int, err error) {
	if len(data) > MaxTemplateBytes {
		return 0, 0, place.Errorf(place.EVALIDATION, "The template is %d bytes; it may be at most %d bytes (2 MiB).", len(data), MaxTemplateBytes)
	}
	hdr, err := readTemplateHeader(data)
	if err != nil {
		return 0, 0, err
	}
	cfg := image.Config{Width: hdr.width, Height: hdr.height}
	if cfg.Width > width || cfg.Height > height {
		return 0, 0, place.Errorf(place.EVALIDATION, "The template is %d × %d pixels; it may be at most the canvas size, %d × %d.", cfg.Width, cfg.Height, width, height)
	}
	if x < 0 || y < 0 || x+cfg.Width > width || y+cfg.Height > height {
		return 0, 0, place.Errorf(place.EVALIDATION, "A %d × %d template at %d, %d does not fit on the %d × %d canvas.", cfg.Width, cfg.Height, x, y, width, height)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return 0, 0, place.Errorf(place.EVALIDATION, "The template could not be read as a PNG image.")
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return 0, 0, place.Errorf(place.EVALIDATION, "The template could not be read as a PNG image.")
	}
	if p, bad := offPalette(img); bad {
		b := img.Bounds()
		c := img.At(b.Min.X+p.X, b.Min.Y+p.Y)
		r, g, bl, a := color.NRGBAModel.Convert(c).RGBA()
		return 0, 0, place.Errorf(place.EVALIDATION,
			"Pixel %d, %d of the template has color #%02X%02X%02X (opacity %d%%), which is not in the palette; use palette colors and fully transparent pixels only.",
			p.X, p.Y, r>>8, g>>8, bl>>8, a*100/0xffff)
	}
	return cfg.Width, cfg.Height, nil
}

// inPalette reports whether c is fully transparent or an opaque palette color.
func inPalette(c color.Color) bool {
	_, ok := place.PaletteIndex(c)
	return ok
}

// maxPreviewSide bounds a preview image's larger side in pixels.
const maxPreviewSide = 480

// RegionPNG draws rectangle r of a canvas (width columns, one color index
// per pixel) as a PNG, enlarged or shrunk by whole pixels to about
// maxPreviewSide on its larger side.
func RegionPNG(canvas []byte, width int, r place.Rect) ([]byte, error) {
	return regionPNG(r, func(x, y int) uint8 { return canvas[y*width+x] })
}

// WipedRegionPNG is RegionPNG of rectangle r painted all one color: what a
// wipe makes of it, drawn without a copy of the canvas.
func WipedRegionPNG(r place.Rect, color uint8) ([]byte, error) {
	return regionPNG(r, func(int, int) uint8 { return color })
}

// RegionAfterPNG is RegionPNG of the canvas with the pixels of plan
// painted: a copy of rectangle r only, not of the whole canvas.
func RegionAfterPNG(canvas []byte, width int, r place.Rect, plan []place.Pixel) ([]byte, error) {
	region := make([]byte, r.W*r.H)
	for y := range r.H {
		copy(region[y*r.W:(y+1)*r.W], canvas[(r.Y+y)*width+r.X:])
	}
	for _, p := range plan {
		if x, y := p.X-r.X, p.Y-r.Y; x >= 0 && y >= 0 && x < r.W && y < r.H {
			region[y*r.W+x] = p.Color
		}
	}
	return regionPNG(r, func(x, y int) uint8 { return region[(y-r.Y)*r.W+x-r.X] })
}

// regionPNG draws rectangle r, pixel giving the color at canvas x, y.
func regionPNG(r place.Rect, pixel func(x, y int) uint8) ([]byte, error) {
	side := max(r.W, r.H)
	up, down := 1, 1
	if side <= maxPreviewSide {
		up = max(1, maxPreviewSide/side)
	} else {
		down = (side + maxPreviewSide - 1) / maxPreviewSide
	}
	ow, oh := (r.W+down-1)/down*up, (r.H+down-1)/down*up
	img := image.NewPaletted(image.Rect(0, 0, ow, oh), place.ImagePalette)
	for oy := 0; oy < oh; oy++ {
		sy := r.Y + oy/up*down
		for ox := 0; ox < ow; ox++ {
			img.Pix[oy*img.Stride+ox] = pixel(r.X+ox/up*down, sy)
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode preview: %w", err)
	}
	return buf.Bytes(), nil
}

// PreviewCost estimates the bytes a preview of rectangle r takes to draw:
// a copy of the rectangle, two images of about maxPreviewSide² and the
// encoder.
func PreviewCost(r place.Rect) int64 {
	return int64(r.W)*int64(r.H) + 4*maxPreviewSide*maxPreviewSide + 2<<20
}

// WipeCount returns how many pixels of r are not yet color: the size of
// WipePlan, without it (a whole 4096² canvas would be 16 Mi pixels of
// plan).
func WipeCount(canvas []byte, width int, r place.Rect, color uint8) int {
	n := 0
	for y := r.Y; y < r.Y+r.H; y++ {
		for _, c := range canvas[y*width+r.X : y*width+r.X+r.W] {
			if c != color {
				n++
			}
		}
	}
	return n
}

// Apply returns a copy of canvas with the pixels of plan painted.
func Apply(canvas []byte, width int, plan []place.Pixel) []byte {
	out := append([]byte(nil), canvas...)
	for _, p := range plan {
		out[p.Y*width+p.X] = p.Color
	}
	return out
}

// WipePlan returns the pixels of r that are not yet color.
func WipePlan(canvas []byte, width int, r place.Rect, color uint8) []place.Pixel {
	var plan []place.Pixel
	for y := r.Y; y < r.Y+r.H; y++ {
		for x := r.X; x < r.X+r.W; x++ {
			if canvas[y*width+x] != color {
				plan = append(plan, place.Pixel{X: x, Y: y, Color: color})
			}
		}
	}
	return plan
}

// CanvasPNG encodes a whole canvas at scale 1.
func CanvasPNG(canvas []byte, width, height int) ([]byte, error) {
	img := image.NewPaletted(image.Rect(0, 0, width, height), place.ImagePalette)
	copy(img.Pix, canvas)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
