package realtime

import (
	"sync"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place/metrics"
)

// canvasFrame is the canvas at one seq, encoded and framed at most once per
// encoding and shared by every connection that starts from it.
type canvasFrame struct {
	seq               uint64
	width, height     int
	raw               []byte
	json, binary      []byte // WebSocket frames
	jsonOnce, binOnce sync.Once
}

func (f *canvasFrame) jsonFrame() []byte {
	f.jsonOnce.Do(func() {
		f.json = newFrame(gws.OpcodeText, EncodeCanvasJSON(f.width, f.height, f.seq, f.raw))
		metrics.CanvasEncodes.WithLabelValues("json").Inc()
	})
	return f.json
}

func (f *canvasFrame) binaryFrame() []byte {
	f.binOnce.Do(func() {
		f.binary = newFrame(gws.OpcodeBinary, EncodeCanvasBinary(f.width, f.height, f.seq, f.raw))
		metrics.CanvasEncodes.WithLabelValues("binary").Inc()
	})
	return f.binary
}
