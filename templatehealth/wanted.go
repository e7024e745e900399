package templatehealth

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/placecanvas/place"
)

// transparent marks a template pixel that wants nothing.
const transparent = place.TransparentIndex

// Wanted decodes a template's PNG into the palette index each of its
// pixels wants (row-major), transparent where it wants nothing. Uploads
// are checked to hold only palette colors and full transparency; another
// color is an error.
func Wanted(data []byte) (want []int8, width, height int, err error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("decode template: %w", err)
	}
	b := img.Bounds()
	width, height = b.Dx(), b.Dy()
	want = make([]int8, width*height)
	memo := make(map[color.Color]int8, 17)
	index := func(c color.Color) (int8, error) {
		if v, ok := memo[c]; ok {
			return v, nil
		}
		v, err := paletteIndex(c)
		if err != nil {
			return 0, err
		}
		memo[c] = v
		return v, nil
	}
	if p, ok := img.(*image.Paletted); ok {
		var table [256]int8
		for i, c := range p.Palette {
			if table[i], err = index(c); err != nil {
				table[i] = -2
			}
		}
		for y := range height {
			for x, v := range p.Pix[y*p.Stride : y*p.Stride+width] {
				if table[v] == -2 {
					return nil, 0, 0, fmt.Errorf("template pixel %d, %d is off the palette", x, y)
				}
				want[y*width+x] = table[v]
			}
		}
		return want, width, height, nil
	}
	for y := range height {
		for x := range width {
			v, err := index(img.At(b.Min.X+x, b.Min.Y+y))
			if err != nil {
				return nil, 0, 0, fmt.Errorf("template pixel %d, %d: %w", x, y, err)
			}
			want[y*width+x] = v
		}
	}
	return want, width, height, nil
}

// paletteIndex is place.PaletteIndex as a template pixel's want, with an
// error naming a color off the palette.
func paletteIndex(c color.Color) (int8, error) {
	if i, ok := place.PaletteIndex(c); ok {
		return int8(i), nil
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return 0, fmt.Errorf("color #%02X%02X%02X (opacity %d) is not in the palette", n.R, n.G, n.B, n.A)
}
