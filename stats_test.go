package place_test

import (
	"reflect"
	"testing"

	"github.com/placecanvas/place"
)

func TestSubtractPixelCounts(t *testing.T) {
	raw := []place.PixelCount{{X: 1, Y: 1, Count: 9}, {X: 2, Y: 2, Count: 8}, {X: 3, Y: 3, Count: 7}, {X: 0, Y: 4, Count: 7}, {X: 5, Y: 5, Count: 1}}
	less := []place.PixelCount{{X: 1, Y: 1, Count: 5}, {X: 5, Y: 5, Count: 1}}
	got := place.SubtractPixelCounts(raw, less, 3)
	want := []place.PixelCount{{X: 2, Y: 2, Count: 8}, {X: 3, Y: 3, Count: 7}, {X: 0, Y: 4, Count: 7}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := place.SubtractPixelCounts(raw, less, 10); len(got) != 4 || got[3] != (place.PixelCount{X: 1, Y: 1, Count: 4}) {
		t.Errorf("all: %v", got)
	}
}
