package event

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// rawPNG writes a PNG of any bit depth and color type with unfiltered rows
// of rowBytes each from row, without an image in memory.
func rawPNG(t *testing.T, w, h int, depth, colorType byte, rowBytes int, row func(y int, dst []byte)) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		out.WriteString(kind)
		out.Write(data)
		binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(append([]byte(kind), data...)))
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	line := make([]byte, 1+rowBytes)
	for y := range h {
		row(y, line[1:])
		if _, err := zw.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// measure runs f and returns its time and the bytes it allocated.
func measure(f func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return d, after.TotalAlloc - before.TotalAlloc
}

// A fully transparent 4096² 16-bit PNG is about 130 KB on disk and 128 MiB
// decoded (it took 1.6 s and 233 MiB): it is refused from its header.
func TestSixteenBitTemplateIsRefusedBeforeDecoding(t *testing.T) {
	side := 4096
	if raceSlowdown > 1 {
		side = 1024 // compressing 128 MiB of zeros takes long under the race detector
	}
	data := rawPNG(t, side, side, 16, 6, side*8, func(int, []byte) {})
	t.Logf("16-bit %d² transparent PNG: %d bytes", side, len(data))
	var err error
	d, alloc := measure(func() { _, _, err = CheckTemplate(data, 0, 0, 4096, 4096) })
	if err == nil || place.ErrorCode(err) != place.EVALIDATION || !strings.Contains(err.Error(), "16-bit") {
		t.Fatalf("err = %v, want a validation error naming 16-bit", err)
	}
	if _, err := TemplateCost(data); err == nil {
		t.Fatal("TemplateCost accepted the 16-bit PNG")
	}
	t.Logf("refused in %v, %d bytes allocated", d, alloc)
	if d > raceSlowdown*50*time.Millisecond || alloc > 1<<20 {
		t.Fatalf("refusing took %v and %d bytes; want under 50ms and 1 MiB", d, alloc)
	}
}

// An 8-bit 4096² RGBA template is decoded (64 MiB) and checked without
// allocating per pixel, within the cost TemplateCost announced.
func TestLargeTemplateCheckStaysWithinItsCost(t *testing.T) {
	red := place.ImagePalette[5].(color.RGBA)
	data := rawPNG(t, 4096, 4096, 8, 6, 4096*4, func(y int, dst []byte) {
		if y%64 == 0 { // a red line every 64 rows, transparent elsewhere
			for x := 0; x < len(dst); x += 4 {
				dst[x], dst[x+1], dst[x+2], dst[x+3] = red.R, red.G, red.B, 255
			}
		}
	})
	cost, err := TemplateCost(data)
	if err != nil {
		t.Fatal(err)
	}
	var w, h int
	d, alloc := measure(func() { w, h, err = CheckTemplate(data, 0, 0, 4096, 4096) })
	if err != nil || w != 4096 || h != 4096 {
		t.Fatalf("CheckTemplate = %d, %d, %v", w, h, err)
	}
	t.Logf("4096² RGBA template: %d bytes file, checked in %v, %.1f MiB allocated, cost estimate %.1f MiB", len(data), d, float64(alloc)/(1<<20), float64(cost)/(1<<20))
	if int64(alloc) > cost {
		t.Fatalf("allocated %d bytes, over the estimate of %d", alloc, cost)
	}
	if d > raceSlowdown*2*time.Second {
		t.Fatalf("checking took %v", d)
	}
}

// The fast paths name the same first pixel off the palette as reading
// color by color does.
func TestTemplateOffPaletteFastPaths(t *testing.T) {
	red := place.ImagePalette[5].(color.RGBA)
	nrgba := image.NewNRGBA(image.Rect(0, 0, 8, 6))
	rgba := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for y := range 6 {
		for x := range 8 {
			nrgba.Set(x, y, color.NRGBA{red.R, red.G, red.B, 255})
			rgba.Set(x, y, red)
		}
	}
	nrgba.Set(5, 3, color.NRGBA{red.R, red.G, red.B, 128}) // half transparent
	rgba.Set(2, 4, color.RGBA{1, 2, 3, 255})               // not a palette color
	for _, tc := range []struct {
		img  image.Image
		want string
	}{{nrgba, "Pixel 5, 3"}, {rgba, "Pixel 2, 4"}} {
		var buf bytes.Buffer
		data := encode(t, tc.img)
		buf.Write(data)
		if _, _, err := CheckTemplate(buf.Bytes(), 0, 0, 16, 16); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%T: err = %v, want %q", tc.img, err, tc.want)
		}
	}
	if _, _, err := CheckTemplate(encode(t, image.NewNRGBA(image.Rect(0, 0, 4, 4))), 0, 0, 16, 16); err != nil {
		t.Errorf("a transparent template: %v", err)
	}
}

// The wipe preview of a whole 4096² canvas counts and draws the wipe
// without its plan of 16 Mi pixels (it took 9 s and 1 GiB).
func TestWholeCanvasWipePreviewIsCheap(t *testing.T) {
	const side = 4096
	canvas := make([]byte, side*side)
	canvas[12345] = 7
	r := place.Rect{W: side, H: side}
	var n int
	var before, after []byte
	var err error
	d, alloc := measure(func() {
		n = WipeCount(canvas, side, r, 7)
		if before, err = RegionPNG(canvas, side, r); err != nil {
			return
		}
		after, err = WipedRegionPNG(r, 7)
	})
	if err != nil || n != side*side-1 || len(before) == 0 || len(after) == 0 {
		t.Fatalf("count %d, images %d/%d bytes, err %v", n, len(before), len(after), err)
	}
	t.Logf("whole-canvas wipe preview: %v, %.1f MiB allocated (estimate %.1f MiB)", d, float64(alloc)/(1<<20), float64(PreviewCost(r))/(1<<20))
	if int64(alloc) > PreviewCost(r) || d > raceSlowdown*time.Second {
		t.Fatalf("preview took %v and %d bytes; want under %v and the estimate %d", d, alloc, raceSlowdown*time.Second, PreviewCost(r))
	}
}

// RegionAfterPNG draws what Apply would, copying the region only.
func TestRegionAfterMatchesApply(t *testing.T) {
	canvas := make([]byte, 20*10)
	for i := range canvas {
		canvas[i] = byte(i % 16)
	}
	r := place.Rect{X: 3, Y: 2, W: 9, H: 5}
	plan := []place.Pixel{{X: 3, Y: 2, Color: 1}, {X: 11, Y: 6, Color: 2}, {X: 0, Y: 0, Color: 3}}
	want, _ := RegionPNG(Apply(canvas, 20, plan), 20, r)
	got, err := RegionAfterPNG(canvas, 20, r, plan)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("RegionAfterPNG differs from RegionPNG of Apply (err %v)", err)
	}
	wipe := WipePlan(canvas, 20, r, 4)
	want, _ = RegionPNG(Apply(canvas, 20, wipe), 20, r)
	if got, _ := WipedRegionPNG(r, 4); !bytes.Equal(got, want) {
		t.Fatal("WipedRegionPNG differs from RegionPNG of the applied wipe")
	}
	if n := WipeCount(canvas, 20, r, 4); n != len(wipe) {
		t.Fatalf("WipeCount = %d, want len(WipePlan) = %d", n, len(wipe))
	}
}
