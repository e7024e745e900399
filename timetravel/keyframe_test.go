package timetravel

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func randomCanvas(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	c := make([]byte, n)
	for i := range c {
		c[i] = byte(rng.IntN(16))
	}
	return c
}

func TestKeyframeRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, 3, 17, 64 * 48, 1001} {
		c := randomCanvas(n, uint64(n))
		data, err := EncodeKeyframe(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeKeyframe(data, n)
		if err != nil || !bytes.Equal(got, c) {
			t.Fatalf("n=%d: round trip differs (%v)", n, err)
		}
	}
	// A mostly white canvas is deflated; random colors are stored packed.
	white := make([]byte, 100_000)
	white[5] = 3
	if data, _ := EncodeKeyframe(white); data[0] != keyframeDeflated || len(data) > 2000 {
		t.Errorf("a white canvas took %d bytes (encoding %c)", len(data), data[0])
	} else if got, err := DecodeKeyframe(data, len(white)); err != nil || !bytes.Equal(got, white) {
		t.Errorf("white canvas round trip: %v", err)
	}
	if data, _ := EncodeKeyframe(randomCanvas(100_000, 9)); data[0] != keyframeRaw || len(data) != 50_001 {
		t.Errorf("a random canvas: %d bytes (encoding %c)", len(data), data[0])
	}
	for _, bad := range [][]byte{nil, []byte("Xjunk"), []byte("Dnot deflate"), []byte("Rshort"), []byte("R")} {
		if _, err := DecodeKeyframe(bad, 20); err == nil {
			t.Errorf("a corrupt keyframe %q decoded without error", bad)
		}
	}
	if _, err := DecodeKeyframe([]byte("not deflate"), 10); err == nil {
		t.Error("a corrupt keyframe decoded without error")
	}
	short, _ := EncodeKeyframe(make([]byte, 10))
	if _, err := DecodeKeyframe(short, 100); err == nil {
		t.Error("a keyframe of another size decoded without error")
	}
}

// BenchmarkEncodeKeyframe2000 and BenchmarkDecodeKeyframe2000 are one
// keyframe of a 2000 × 2000 canvas of random colors: the worst case.
func BenchmarkEncodeKeyframe2000(b *testing.B) {
	c := randomCanvas(2000*2000, 1)
	b.SetBytes(int64(len(c)))
	for b.Loop() {
		if _, err := EncodeKeyframe(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeKeyframe2000(b *testing.B) {
	data, _ := EncodeKeyframe(randomCanvas(2000*2000, 1))
	b.SetBytes(2000 * 2000)
	for b.Loop() {
		if _, err := DecodeKeyframe(data, 2000*2000); err != nil {
			b.Fatal(err)
		}
	}
}
