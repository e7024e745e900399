package realtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/realtime"
)

// In cluster mode an instance may read a placement beyond its canvas from
// the stream before it learns of the growth (another instance learnt first
// and accepted it): the hub reads the size from the store, grows, and
// sends resize before the pixel; nothing lands shifted.
func TestPlacementBeyondTheCanvasGrowsItFirst(t *testing.T) {
	f := &fakeStore{cfg: place.Config{Width: 8, Height: 8}, events: make(chan []place.Placement, 1)}
	stored := place.Size{Width: 16, Height: 12}
	h, url := startHub(t, f, func(o *realtime.Options) {
		o.Size = func(context.Context) (place.Size, error) { return stored, nil }
	})
	c := wstest.MustDial(t, url, wstest.Options{Binary: true})
	c.Expect(t, "welcome", 2*time.Second)
	if m := c.Expect(t, "canvas", 2*time.Second); m.Width != 8 || m.Height != 8 {
		t.Fatalf("first canvas %v", m)
	}
	f.events <- []place.Placement{{Seq: 1, X: 2, Y: 3, Color: 4}, {Seq: 2, X: 11, Y: 9, Color: 5}}
	m := c.Expect(t, "resize", 2*time.Second)
	if m.Width != 16 || m.Height != 12 || m.Binary {
		t.Errorf("resize = %+v, want 16x12 as JSON", m)
	}
	px := c.Expect(t, "pixels", 2*time.Second)
	if px.Seq != 2 || len(px.Events) != 2 || px.Events[1] != (wstest.Event{X: 11, Y: 9, Color: 5}) {
		t.Errorf("pixels = %v", px)
	}
	data, sz, _ := h.SizedCanvas()
	if sz != stored || data[3*16+2] != 4 || data[9*16+11] != 5 {
		t.Errorf("live canvas %v: (2,3)=%d (11,9)=%d, want 16x12 with 4 and 5", sz, data[3*16+2], data[9*16+11])
	}
	// A later connection is welcomed with the grown size.
	d := wstest.MustDial(t, url, wstest.Options{})
	w := d.Expect(t, "welcome", 2*time.Second)
	if string(w.CanvasInfo) == "" || !strings.Contains(string(w.CanvasInfo), `"width":16,"height":12`) {
		t.Errorf("welcome canvasInfo %s, want 16x12", w.CanvasInfo)
	}
}
