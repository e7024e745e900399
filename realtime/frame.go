package realtime

import (
	"bytes"
	"compress/flate"
	"sync"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place/metrics"
)

// canvasFrame is the canvas at one seq, encoded and framed at most once per
// encoding and shared by every connection that starts from it.
type canvasFrame struct {
	seq               uint64
	width, height     int
	raw               []byte
	made              time.Time
	json, binary      []byte // WebSocket frames
	jsonOnce, binOnce sync.Once
	// the same frames compressed (permessage-deflate), for the connections
	// that negotiated it
	jsonZ, binaryZ      []byte
	jsonZOnce, binZOnce sync.Once
}

// frame returns the canvas frame for a connection of that encoding, and
// compressed when the connection negotiated permessage-deflate.
func (f *canvasFrame) frame(binary, deflate bool) []byte {
	switch {
	case binary && deflate:
		f.binZOnce.Do(func() { f.binaryZ = deflateFrame(f.binaryFrame()) })
		return f.binaryZ
	case binary:
		return f.binaryFrame()
	case deflate:
		f.jsonZOnce.Do(func() { f.jsonZ = deflateFrame(f.jsonFrame()) })
		return f.jsonZ
	}
	return f.jsonFrame()
}

// deflateFrame compresses one final, unfragmented server frame as a
// permessage-deflate message (RFC 7692): the payload deflated on its own
// (the server takes no context over), its closing empty block's
// 00 00 ff ff left off, and RSV1 set. A canvas of one color shrinks to a
// few kilobytes whatever its size.
func deflateFrame(frame []byte) []byte {
	op := gws.Opcode(frame[0] & 0x0f)
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	_, _ = zw.Write(framePayload(frame))
	_ = zw.Flush()
	z := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
	out := appendFrame(make([]byte, 0, len(z)+10), op, z)
	out[0] |= 0x40 // RSV1: the message is compressed
	metrics.CanvasCompressions.Inc()
	return out
}

// framePayload is the payload of an unmasked frame made by appendFrame.
func framePayload(frame []byte) []byte {
	switch frame[1] & 0x7f {
	case 126:
		return frame[4:]
	case 127:
		return frame[10:]
	}
	return frame[2:]
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
