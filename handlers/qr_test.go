package handlers

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// decodeQR reads a QR code image back (gozxing, a test-only dependency).
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode QR code: %v", err)
	}
	return res.GetText()
}

// rasterSVG draws qrSVG's path ("Mx yh1v1h-1z" squares) at 8 pixels per
// module.
func rasterSVG(t *testing.T, svg []byte) image.Image {
	t.Helper()
	size := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindSubmatch(svg)
	if size == nil {
		t.Fatalf("no viewBox in %.100s", svg)
	}
	n, _ := strconv.Atoi(string(size[1]))
	const k = 8
	img := image.NewGray(image.Rect(0, 0, n*k, n*k))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	squares := regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`).FindAllSubmatch(svg, -1)
	if len(squares) == 0 {
		t.Fatal("no modules in the SVG")
	}
	for _, m := range squares {
		x, _ := strconv.Atoi(string(m[1]))
		y, _ := strconv.Atoi(string(m[2]))
		for dy := range k {
			for dx := range k {
				img.SetGray(x*k+dx, y*k+dy, color.Gray{})
			}
		}
	}
	return img
}

func TestQRSVGDecodesToTheLink(t *testing.T) {
	for _, url := range []string{"http://10.0.0.7:3000/", "https://place.example.org/join/K7PQ2M9X"} {
		modules, err := qrModules(url)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, rasterSVG(t, qrSVG(modules))); got != url {
			t.Errorf("decoded %q, want %q", got, url)
		}
	}
}
