package bench

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/placecanvas/place/bench/ceiling/ceilingsrv"
)

func TestDecodePixels(t *testing.T) {
	packed := []uint32{0 | 0<<12 | 0<<24, 4095 | 4095<<12 | 15<<24, 17 | 300<<12 | 9<<24}
	want := []event{{0, 0, 0}, {4095, 4095, 15}, {17, 300, 9}}

	t.Run("binary", func(t *testing.T) {
		prev, seq, evs, err := decodeBinaryPixels(ceilingsrv.EncodePixelsBinary(41, 44, packed), nil)
		if err != nil || prev != 41 || seq != 44 || !slices.Equal(evs, want) {
			t.Fatalf("got %d %d %v %v, want 41 44 %v", prev, seq, evs, err, want)
		}
	})
	jsonCases := map[string]string{
		"encoder":        string(ceilingsrv.EncodePixelsJSON(41, 44, packed)),
		"spaced":         ` { "type" : "pixels" , "prevSeq" : 41 , "seq" : 44 , "events" : [ { "x" : 0 , "y" : 0 , "color" : 0 } , {"x":4095,"y":4095,"color":15},{"color":9,"y":300,"x":17} ] } `,
		"other order":    `{"events":[{"x":0,"y":0,"color":0},{"x":4095,"y":4095,"color":15},{"x":17,"y":300,"color":9}],"seq":44,"prevSeq":41,"type":"pixels"}`,
		"unknown fields": `{"type":"pixels","at":"2025-01-01T00:00:00Z","meta":{"a":[1,{"b":"]}"}]},"prevSeq":41,"seq":44,"events":[{"x":0,"y":0,"color":0,"u":"x"},{"x":4095,"y":4095,"color":15},{"x":17,"y":300,"color":9,"n":null}]}`,
	}
	for name, msg := range jsonCases {
		t.Run("json "+name, func(t *testing.T) {
			if got := messageType([]byte(msg)); got != "pixels" {
				t.Errorf("messageType = %q", got)
			}
			prev, seq, evs, err := decodeJSONPixels([]byte(msg), nil)
			if err != nil || prev != 41 || seq != 44 || !slices.Equal(evs, want) {
				t.Fatalf("got %d %d %v %v, want 41 44 %v", prev, seq, evs, err, want)
			}
		})
	}
	for _, bad := range []string{``, `{}`, `{"prevSeq":1}`, `{"seq":1,"events":[{"x":1}`, `{"seq":x}`, `[1]`} {
		if _, _, _, err := decodeJSONPixels([]byte(bad), nil); err == nil {
			t.Errorf("decodeJSONPixels(%q) accepted", bad)
		}
	}
}

func TestDecodeCanvas(t *testing.T) {
	canvas := make([]byte, 5*3)
	canvas[14] = 15
	w, h, seq, err := decodeBinaryCanvas(ceilingsrv.EncodeCanvasBinary(5, 3, 99, canvas))
	if err != nil || w != 5 || h != 3 || seq != 99 {
		t.Fatalf("got %dx%d seq %d %v", w, h, seq, err)
	}
	if _, _, _, err := decodeBinaryCanvas(ceilingsrv.EncodeCanvasBinary(5, 3, 99, canvas)[:10]); err == nil {
		t.Error("accepted a truncated canvas")
	}
}

func TestSentAtOf(t *testing.T) {
	want := 1234567891 * time.Nanosecond
	if got, ok := sentAtOf("9z." + strconv.FormatInt(int64(want), 36)); !ok || got != want {
		t.Errorf("sentAtOf = %v %v, want %v", got, ok, want)
	}
	if _, ok := sentAtOf("foreign"); ok {
		t.Error("sentAtOf accepted a requestId it did not make")
	}
}
