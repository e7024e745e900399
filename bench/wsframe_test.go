package bench

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// frame builds an unmasked server frame.
func frame(fin, rsv1 bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		out = append(out, byte(n))
	case n < 1<<16:
		out = append(out, 126, byte(n>>8), byte(n))
	default:
		out = append(out, 127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	return append(out, payload...)
}

func newTestReader(b []byte, deflate bool) *wsReader {
	return &wsReader{r: bufio.NewReader(bytes.NewReader(b)), deflate: deflate, maxSize: 1 << 20}
}

func TestWSReaderLengths(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 200000} {
		payload := bytes.Repeat([]byte{7}, n)
		in := frame(true, false, opBinary, payload)
		for _, keep := range []bool{true, false} {
			w := newTestReader(in, false)
			m, err := w.readMessage(keep)
			if err != nil {
				t.Fatalf("n=%d keep=%v: %v", n, keep, err)
			}
			if m.size != int64(n) || w.consumed != int64(len(in)) || m.opcode != opBinary {
				t.Fatalf("n=%d keep=%v: size %d consumed %d of %d", n, keep, m.size, w.consumed, len(in))
			}
			if keep && !bytes.Equal(m.data, payload) {
				t.Fatalf("n=%d: payload differs", n)
			}
			if !keep && (m.data != nil || len(m.prefix) != min(n, wsPrefixLen)) {
				t.Fatalf("n=%d: kept %d bytes, prefix %d", n, len(m.data), len(m.prefix))
			}
		}
	}
}

func TestWSReaderFragmentsAndControl(t *testing.T) {
	var in []byte
	in = append(in, frame(true, false, opText, []byte(`{"type":"welcome"}`))...)
	in = append(in, frame(false, false, opBinary, []byte{binCanvas, 1, 2})...)
	in = append(in, frame(true, false, opPing, []byte("hi"))...) // control frames may come between fragments
	in = append(in, frame(false, false, opContinuation, []byte{3, 4})...)
	in = append(in, frame(true, false, opContinuation, bytes.Repeat([]byte{5}, 40))...)
	in = append(in, frame(true, false, opClose, append([]byte{0x03, 0xe8}, "bye"...))...)
	w := newTestReader(in, false)
	m, err := w.readMessage(false)
	if err != nil || m.opcode != opText || isCanvas(m) {
		t.Fatalf("welcome: %+v %v", m, err)
	}
	m, err = w.readMessage(false)
	if err != nil || m.size != 45 || !isCanvas(m) || len(m.prefix) != 45 || !bytes.Equal(m.prefix[:5], []byte{2, 1, 2, 3, 4}) {
		t.Fatalf("fragmented canvas: %+v %v", m, err)
	}
	_, err = w.readMessage(true)
	var ce *wsCloseError
	if !errors.As(err, &ce) || ce.code != 1000 || ce.reason != "bye" {
		t.Fatalf("close: %v", err)
	}
	if w.consumed != int64(len(in)) {
		t.Fatalf("consumed %d of %d", w.consumed, len(in))
	}
}

func TestWSReaderCompressedCanvas(t *testing.T) {
	plain := make([]byte, 13+8)
	plain[0], plain[1], plain[3] = binCanvas, 4, 4 // 4x4, seq 0
	for i := range 8 {
		plain[13+i] = 0x21
	}
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestSpeed)
	_, _ = fw.Write(plain)
	_ = fw.Flush()
	deflated := bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
	in := frame(true, true, opBinary, deflated)

	if _, err := newTestReader(in, false).readMessage(true); !errors.Is(err, errWSProtocol) {
		t.Fatalf("RSV1 without deflate: %v", err)
	}
	m, err := newTestReader(in, true).readMessage(true)
	if err != nil || !m.compressed || !isCanvas(m) {
		t.Fatalf("%+v %v", m, err)
	}
	pixels, w, h, _, n, err := canvasPixels(m)
	if err != nil || w != 4 || h != 4 || n != int64(len(plain)) || len(pixels) != 16 || pixels[0] != 1 || pixels[1] != 2 {
		t.Fatalf("decoded %v %dx%d %d: %v", pixels, w, h, n, err)
	}
	// RSV1 on a continuation frame is an error.
	in = append(frame(false, true, opBinary, deflated[:1]), frame(true, true, opContinuation, deflated[1:])...)
	if _, err := newTestReader(in, true).readMessage(true); !errors.Is(err, errWSProtocol) {
		t.Fatalf("RSV1 on a continuation: %v", err)
	}
}

func TestWSReaderErrors(t *testing.T) {
	cases := map[string][]byte{
		"masked":                   {0x82, 0x81, 1, 2, 3, 4, 5},
		"rsv2":                     {0xa2, 0},
		"unknown opcode":           {0x83, 0},
		"unknown control":          {0x8b, 0},
		"continuation first":       frame(true, false, opContinuation, []byte{1}),
		"new message in fragments": append(frame(false, false, opText, []byte{1}), frame(true, false, opText, []byte{2})...),
		"fragmented control":       frame(false, false, opPing, nil),
		"long control":             frame(true, false, opPong, make([]byte, 126)),
		"one-byte close":           frame(true, false, opClose, []byte{3}),
		"huge length":              {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0},
		"over max size":            frame(true, false, opBinary, make([]byte, 1<<20+1)),
	}
	for name, in := range cases {
		if _, err := newTestReader(in, true).readMessage(false); !errors.Is(err, errWSProtocol) {
			t.Errorf("%s: got %v, want a protocol error", name, err)
		}
	}
	truncated := map[string][]byte{
		"short 16-bit length": {0x82, 126, 1},
		"short 64-bit length": {0x82, 127, 0, 0},
		"short payload":       {0x82, 10, 1, 2},
		"missing fragment":    frame(false, false, opBinary, []byte{1}),
	}
	for name, in := range truncated {
		if _, err := newTestReader(in, true).readMessage(true); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: got %v, want unexpected EOF", name, err)
		}
	}
	if _, err := newTestReader(nil, true).readMessage(true); err != io.EOF {
		t.Errorf("empty input: %v", err)
	}
	var ce *wsCloseError
	if _, err := newTestReader(frame(true, false, opClose, nil), true).readMessage(true); !errors.As(err, &ce) || ce.code != 1005 {
		t.Errorf("empty close: %v", err)
	}
}

// Garbage ends in an error, never a panic or a hang.
func TestWSReaderGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		w := newTestReader(b, rng.IntN(2) == 0)
		for range 10 {
			m, err := w.readMessage(rng.IntN(2) == 0)
			if err != nil {
				break
			}
			if isCanvas(m) && m.data != nil {
				_, _, _, _, _, _ = canvasPixels(m)
			}
		}
	}
}

func TestCanvasPixelsJSONAndRef(t *testing.T) {
	m := wsMessage{opcode: opText, data: []byte(`{"type":"canvas","width":2,"height":1,"seq":7,"data":"AQ8="}`)}
	m.prefix = m.data
	if !isCanvas(m) {
		t.Fatal("JSON canvas not recognised")
	}
	pixels, w, h, seq, _, err := canvasPixels(m)
	if err != nil || !bytes.Equal(pixels, []byte{1, 15}) || w != 2 || h != 1 || seq != 7 {
		t.Fatalf("%v %d %d %d %v", pixels, w, h, seq, err)
	}
	bad := wsMessage{opcode: opText, data: []byte(`{"type":"canvas","width":3,"height":1,"seq":7,"data":"AQ8="}`)}
	if _, _, _, _, _, err := canvasPixels(bad); err == nil || !strings.Contains(err.Error(), "2 bytes for 3x1") {
		t.Fatalf("short JSON canvas: %v", err)
	}
	ref := newCanvasRef(pixels, w, h, seq)
	back, err := parseCanvasRef(ref.String())
	if err != nil || back != ref {
		t.Fatalf("%v %v", back, err)
	}
	for _, s := range []string{"", "2x1@7", "2x1@x:" + ref.Hash, "2x1@7:abc"} {
		if _, err := parseCanvasRef(s); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
}

func FuzzWSReader(f *testing.F) {
	f.Add(frame(true, false, opBinary, []byte{binCanvas, 1, 0, 1, 0}), true)
	f.Add(append(frame(false, true, opText, []byte("{")), frame(true, false, opContinuation, []byte("}"))...), true)
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0, 1, 2}, false)
	f.Fuzz(func(t *testing.T, b []byte, deflate bool) {
		w := newTestReader(b, deflate)
		for range 8 {
			m, err := w.readMessage(true)
			if err != nil {
				return
			}
			if w.consumed > int64(len(b)) || m.size != int64(len(m.data)) {
				t.Fatalf("consumed %d of %d, size %d of %d kept", w.consumed, len(b), m.size, len(m.data))
			}
			if isCanvas(m) {
				_, _, _, _, _, _ = canvasPixels(m)
			}
		}
	})
}
