package event

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"

	"github.com/placecanvas/place"
)

// templateHeader is what a PNG's IHDR says of the image, read before
// anything is decoded.
type templateHeader struct {
	width, height       int
	bitDepth, colorType byte
}

// readTemplateHeader reads the PNG signature and IHDR chunk. It refuses
// what is not a PNG, and 16-bit images: palette colors are 8-bit, and a
// 16-bit image decodes to 8 bytes a pixel (a 4096² one, all transparent
// and 130 KB on disk, to 128 MiB).
func readTemplateHeader(data []byte) (templateHeader, error) {
	var h templateHeader
	if len(data) < 33 || !bytes.Equal(data[:8], []byte("\x89PNG\r\n\x1a\n")) || string(data[12:16]) != "IHDR" || binary.BigEndian.Uint32(data[8:12]) != 13 {
		return h, place.Errorf(place.EVALIDATION, "The template must be a PNG image.")
	}
	w, ht := binary.BigEndian.Uint32(data[16:20]), binary.BigEndian.Uint32(data[20:24])
	if w > place.MaxSide || ht > place.MaxSide || w < 1 || ht < 1 {
		return h, place.Errorf(place.EVALIDATION, "The template is %d × %d pixels; it may be at most the canvas size.", w, ht)
	}
	h = templateHeader{width: int(w), height: int(ht), bitDepth: data[24], colorType: data[25]}
	if h.bitDepth == 16 {
		return h, place.Errorf(place.EVALIDATION, "The template is a 16-bit PNG; save it with 8 bits per channel (palette colors are 8-bit).")
	}
	return h, nil
}

// TemplateCost checks an uploaded template's PNG header (without decoding
// it) and estimates the bytes that decoding and checking it take: the
// decoded image (1 byte a pixel for palette and grey images, 4 for color)
// and the decompressor. Its errors are EVALIDATION, with the reason.
func TemplateCost(data []byte) (int64, error) {
	if len(data) > MaxTemplateBytes {
		return 0, place.Errorf(place.EVALIDATION, "The template is %d bytes; it may be at most %d bytes (2 MiB).", len(data), MaxTemplateBytes)
	}
	h, err := readTemplateHeader(data)
	if err != nil {
		return 0, err
	}
	perPixel := int64(4)
	if h.colorType == 0 || h.colorType == 3 {
		perPixel = 1
	}
	return int64(h.width)*int64(h.height)*perPixel + 2<<20, nil
}

// offPalette returns the first pixel of img (relative to its bounds) that
// is neither fully transparent nor an opaque palette color. The decoded
// image types image/png makes are read straight from their pixels: color
// by color through At would allocate for each of 16 Mi pixels.
func offPalette(img image.Image) (image.Point, bool) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Paletted:
		var ok [256]bool
		for i, c := range m.Palette {
			ok[i] = inPalette(c)
		}
		for y := range b.Dy() {
			for x, v := range m.Pix[y*m.Stride : y*m.Stride+b.Dx()] {
				if !ok[v] {
					return image.Pt(x, y), true
				}
			}
		}
		return image.Point{}, false
	case *image.Gray:
		var ok [256]bool
		for v := range ok {
			ok[v] = inPalette(color.Gray{Y: uint8(v)})
		}
		for y := range b.Dy() {
			for x, v := range m.Pix[y*m.Stride : y*m.Stride+b.Dx()] {
				if !ok[v] {
					return image.Pt(x, y), true
				}
			}
		}
		return image.Point{}, false
	case *image.NRGBA:
		return offPalette4(m.Pix, m.Stride, b, func(p [4]byte) color.Color { return color.NRGBA{p[0], p[1], p[2], p[3]} })
	case *image.RGBA:
		return offPalette4(m.Pix, m.Stride, b, func(p [4]byte) color.Color { return color.RGBA{p[0], p[1], p[2], p[3]} })
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !inPalette(img.At(x, y)) {
				return image.Pt(x-b.Min.X, y-b.Min.Y), true
			}
		}
	}
	return image.Point{}, false
}

// offPalette4 is offPalette for 4 bytes a pixel: each run of one color is
// checked once.
func offPalette4(pix []byte, stride int, b image.Rectangle, toColor func([4]byte) color.Color) (image.Point, bool) {
	var last [4]byte
	checked := false
	for y := range b.Dy() {
		row := pix[y*stride : y*stride+4*b.Dx()]
		for x := 0; x < len(row); x += 4 {
			p := [4]byte(row[x : x+4])
			if p[3] == 0 || (checked && p == last) {
				continue
			}
			if !inPalette(toColor(p)) {
				return image.Pt(x/4, y), true
			}
			last, checked = p, true
		}
	}
	return image.Point{}, false
}
