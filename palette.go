package place

import "image/color"

// Color is one entry of the canvas palette.
type Color struct {
	Hex  string `json:"hex"`
	Name string `json:"name"`
}

// Palette is the r/place 2017 palette; a color's index is its wire value.
var Palette = [16]Color{
	{"#FFFFFF", "white"},
	{"#E4E4E4", "light grey"},
	{"#888888", "grey"},
	{"#222222", "black"},
	{"#FFA7D1", "pink"},
	{"#E50000", "red"},
	{"#E59500", "orange"},
	{"#A06A42", "brown"},
	{"#E5D900", "yellow"},
	{"#94E044", "light green"},
	{"#02BE01", "green"},
	{"#00D3DD", "cyan"},
	{"#0083C7", "blue"},
	{"#0000EA", "dark blue"},
	{"#CF6EE4", "magenta"},
	{"#820080", "purple"},
}

// ColorCount is the number of palette entries.
const ColorCount = len(Palette)

// ColorName returns the human name of a color index, or "unknown".
func ColorName(c int) string {
	if c < 0 || c >= ColorCount {
		return "unknown"
	}
	return Palette[c].Name
}

// RGB returns the red, green and blue components of a palette entry.
func (c Color) RGB() (r, g, b uint8) {
	hex := func(i int) uint8 {
		v := func(ch byte) uint8 {
			switch {
			case ch >= '0' && ch <= '9':
				return ch - '0'
			case ch >= 'a' && ch <= 'f':
				return ch - 'a' + 10
			case ch >= 'A' && ch <= 'F':
				return ch - 'A' + 10
			}
			return 0
		}
		return v(c.Hex[i])<<4 | v(c.Hex[i+1])
	}
	return hex(1), hex(3), hex(5)
}

// ImagePalette is the palette as image colors (index i is color i), for
// paletted images of the canvas, where a canvas byte is a palette index.
// It is shared: callers must not modify it.
var ImagePalette = func() color.Palette {
	p := make(color.Palette, ColorCount)
	for i, c := range Palette {
		r, g, b := c.RGB()
		p[i] = color.RGBA{r, g, b, 255}
	}
	return p
}()

// TransparentIndex is what PaletteIndex answers for a fully transparent
// color: a template pixel that wants nothing.
const TransparentIndex = -1

// PaletteIndex is the palette index of an opaque palette color, or
// TransparentIndex for a fully transparent one; ok is false for any other
// color (not in the palette, or partly transparent).
func PaletteIndex(c color.Color) (index int, ok bool) {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	if n.A == 0 {
		return TransparentIndex, true
	}
	if n.A != 255 {
		return 0, false
	}
	for i, p := range ImagePalette {
		if p.(color.RGBA) == (color.RGBA{n.R, n.G, n.B, 255}) {
			return i, true
		}
	}
	return 0, false
}
