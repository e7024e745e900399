package realtime

import (
	"testing"

	"github.com/placecanvas/place"
)

func TestCanvasFrameIsEncodedOncePerSeq(t *testing.T) {
	h := New(Options{Config: place.Config{Width: 4, Height: 2}})
	h.mirror = make([]byte, 8)
	h.mu.Lock()
	defer h.mu.Unlock()
	a := h.canvasLocked().binaryFrame(4, 2)
	b := h.canvasLocked().binaryFrame(4, 2)
	ja := h.canvasLocked().jsonFrame(4, 2)
	jb := h.canvasLocked().jsonFrame(4, 2)
	if &a[0] != &b[0] || &ja[0] != &jb[0] {
		t.Error("the canvas frame was encoded again at the same seq")
	}
	h.seq++
	if c := h.canvasLocked().binaryFrame(4, 2); &c[0] == &a[0] {
		t.Error("the canvas frame was not encoded again at a new seq")
	}
}
