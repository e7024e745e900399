package timetravel

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"testing"

	"github.com/placecanvas/place"
)

// TestWritePNGMatchesRender decodes the streamed PNG with image/png and
// compares it pixel by pixel with the image Render draws.
func TestWritePNGMatchesRender(t *testing.T) {
	for _, tc := range []struct {
		w, h   int
		region image.Rectangle
		out    image.Point
	}{
		{7, 5, image.Rect(0, 0, 7, 5), image.Pt(14, 10)},
		{64, 48, image.Rect(0, 0, 64, 48), image.Pt(64, 48)},
		{300, 200, image.Rect(10, 20, 110, 70), image.Pt(40, 20)},  // shrunk
		{1500, 30, image.Rect(0, 0, 1500, 30), image.Pt(3000, 60)}, // rows over one IDAT chunk
	} {
		canvas := randomCanvas(tc.w*tc.h, uint64(tc.w))
		var buf bytes.Buffer
		if err := WritePNG(&buf, canvas, tc.w, tc.region, tc.out); err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("%dx%d: image/png cannot read it: %v", tc.w, tc.h, err)
		}
		want := image.NewPaletted(image.Rectangle{Max: tc.out}, place.ImagePalette)
		Render(want, canvas, tc.w, tc.region)
		p, ok := got.(*image.Paletted)
		if !ok || p.Bounds() != want.Bounds() || !bytes.Equal(p.Pix, want.Pix) {
			t.Fatalf("%dx%d → %v: decoded image differs from Render's", tc.w, tc.h, tc.out)
		}
		if len(p.Palette) != len(place.ImagePalette) {
			t.Fatalf("palette has %d colors, want %d", len(p.Palette), len(place.ImagePalette))
		}
		for i := range p.Palette {
			if color.NRGBAModel.Convert(p.Palette[i]) != color.NRGBAModel.Convert(place.ImagePalette[i]) {
				t.Fatalf("palette color %d = %v, want %v", i, p.Palette[i], place.ImagePalette[i])
			}
		}
	}
}

// TestOverlayPNGKeepsTransparencyAndGrowth checks the overlay palettes'
// alpha (tRNS) and the pixels beyond the counted size on a grown canvas.
func TestOverlayPNGKeepsTransparencyAndGrowth(t *testing.T) {
	counts := []uint32{0, 1, 5, 0, 0, 9} // 3 × 2
	var buf bytes.Buffer
	if err := Heatmap.WritePNG(&buf, Heatmap.Levels(counts), place.Size{Width: 3, Height: 2}, place.Size{Width: 4, Height: 3}); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 4 || img.Bounds().Dy() != 3 {
		t.Fatalf("bounds %v, want 4 × 3", img.Bounds())
	}
	alpha := func(x, y int) uint8 { return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA).A }
	for _, p := range []image.Point{{0, 0}, {3, 0}, {0, 2}, {3, 2}, {0, 1}} {
		if a := alpha(p.X, p.Y); a != 0 {
			t.Errorf("pixel %v (never placed or beyond the counts) has alpha %d, want 0", p, a)
		}
	}
	if a1, a9 := alpha(1, 0), alpha(2, 1); a1 == 0 || a9 != 255 || a1 >= a9 {
		t.Errorf("alphas of 1 and 9 placements: %d, %d; want faint then opaque", a1, a9)
	}
	buf.Reset()
	if err := Virgin.WritePNG(&buf, Virgin.Levels(counts), place.Size{Width: 3, Height: 2}, place.Size{Width: 4, Height: 3}); err != nil {
		t.Fatal(err)
	}
	img, _ = png.Decode(&buf)
	if a := alpha(3, 2); a == 0 {
		t.Error("a pixel beyond the counts (never placed) is not marked in the never-placed overlay")
	}
	if a := alpha(1, 0); a != 0 {
		t.Error("a placed pixel is marked in the never-placed overlay")
	}
}

// TestWritePNGMemoryDoesNotScaleWithTheImage encodes a 1024² canvas at
// scale 4 (a 4096² PNG): materialised, the image alone is 16 MiB.
func TestWritePNGMemoryDoesNotScaleWithTheImage(t *testing.T) {
	const side = 1024
	canvas := make([]byte, side*side)
	for i := range canvas {
		canvas[i] = byte(i / 4099 % 16)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var out countingWriter
	if err := WritePNG(&out, canvas, side, image.Rect(0, 0, side, side), image.Pt(4*side, 4*side)); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("4096² PNG: %d bytes out, %.1f MiB allocated", out.n, float64(allocated)/(1<<20))
	if allocated > 4<<20 {
		t.Fatalf("allocated %.1f MiB to stream a 4096² PNG, want under 4 MiB", float64(allocated)/(1<<20))
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
