package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WebSocket opcodes (RFC 6455, section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// wsPrefixLen is how much of a message's payload a reader keeps when it
// does not keep the payload: enough to tell a canvas from other messages,
// also compressed (a dynamic Huffman block's header comes first).
const wsPrefixLen = 1024

// wsReader reads the server-to-client side of a WebSocket connection frame
// by frame, for the join probe: it assembles fragmented messages, keeps
// either a message's payload or only its first bytes (discarding the rest,
// still reading every byte), and counts the bytes it consumed. Anything
// that is not a well-formed server frame is an error, never a panic.
type wsReader struct {
	r        *bufio.Reader
	deflate  bool  // permessage-deflate was negotiated: RSV1 is allowed
	maxSize  int64 // largest message accepted, all fragments together
	consumed int64 // frame headers and payloads read so far
}

// wsMessage is one data message.
type wsMessage struct {
	opcode     byte   // opText or opBinary
	compressed bool   // RSV1 on its first frame (permessage-deflate)
	size       int64  // payload bytes over all its frames, as sent
	data       []byte // the payload, when kept
	prefix     []byte // its first wsPrefixLen bytes, always
}

// wsCloseError is a close frame received from the server.
type wsCloseError struct {
	code   int // 1005 when the frame had no code
	reason string
}

func (e *wsCloseError) Error() string {
	return fmt.Sprintf("closed by the server: %d %s", e.code, e.reason)
}

var errWSProtocol = errors.New("websocket protocol error")

func wsErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errWSProtocol}, args...)...)
}

// frameHeader is a parsed frame header.
type frameHeader struct {
	fin, rsv1 bool
	opcode    byte
	length    int64
}

// readHeader reads one frame header.
func (w *wsReader) readHeader() (frameHeader, error) {
	var b [8]byte
	if _, err := io.ReadFull(w.r, b[:2]); err != nil {
		return frameHeader{}, err
	}
	h := frameHeader{fin: b[0]&0x80 != 0, rsv1: b[0]&0x40 != 0, opcode: b[0] & 0x0f}
	w.consumed += 2
	if b[0]&0x30 != 0 {
		return h, wsErrorf("RSV2 or RSV3 set")
	}
	if b[1]&0x80 != 0 {
		return h, wsErrorf("masked frame from the server")
	}
	switch n := b[1] & 0x7f; n {
	case 126:
		if _, err := io.ReadFull(w.r, b[:2]); err != nil {
			return h, unexpected(err)
		}
		w.consumed += 2
		h.length = int64(binary.BigEndian.Uint16(b[:2]))
	case 127:
		if _, err := io.ReadFull(w.r, b[:8]); err != nil {
			return h, unexpected(err)
		}
		w.consumed += 8
		v := binary.BigEndian.Uint64(b[:8])
		if v > 1<<62 {
			return h, wsErrorf("frame length %d out of range", v)
		}
		h.length = int64(v)
	default:
		h.length = int64(n)
	}
	return h, nil
}

// unexpected turns an end of input inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readMessage reads frames until a whole data message has arrived and
// returns it; control frames in between are consumed (ping and pong
// ignored, close returned as a *wsCloseError). keep says whether to keep
// the payload; without it only the prefix is kept.
func (w *wsReader) readMessage(keep bool) (wsMessage, error) {
	var m wsMessage
	started := false
	for {
		h, err := w.readHeader()
		if err != nil {
			if started {
				err = unexpected(err)
			}
			return m, err
		}
		if h.opcode >= opClose {
			if err := w.control(h); err != nil {
				return m, err
			}
			continue
		}
		switch {
		case h.opcode != opContinuation && h.opcode != opText && h.opcode != opBinary:
			return m, wsErrorf("unknown opcode %d", h.opcode)
		case !started && h.opcode == opContinuation:
			return m, wsErrorf("continuation frame without a message")
		case started && h.opcode != opContinuation:
			return m, wsErrorf("new message inside a fragmented one")
		case h.rsv1 && (started || !w.deflate):
			return m, wsErrorf("RSV1 set without permessage-deflate or on a continuation")
		}
		if !started {
			started = true
			m.opcode, m.compressed = h.opcode, h.rsv1
		}
		if m.size+h.length > w.maxSize {
			return m, wsErrorf("message of more than %d bytes", w.maxSize)
		}
		if err := w.payload(&m, h.length, keep); err != nil {
			return m, unexpected(err)
		}
		if h.fin {
			return m, nil
		}
	}
}

// payload reads n payload bytes of m's current frame.
func (w *wsReader) payload(m *wsMessage, n int64, keep bool) error {
	if short := wsPrefixLen - int64(len(m.prefix)); short > 0 {
		take := min(short, n)
		p := make([]byte, take)
		if _, err := io.ReadFull(w.r, p); err != nil {
			return err
		}
		m.prefix = append(m.prefix, p...)
		if keep {
			m.data = append(m.data, p...)
		}
		w.consumed += take
		m.size += take
		n -= take
	}
	if keep {
		start := len(m.data)
		m.data = append(m.data, make([]byte, n)...)
		got, err := io.ReadFull(w.r, m.data[start:])
		w.consumed += int64(got)
		m.size += int64(got)
		return err
	}
	for n > 0 {
		step := int(min(n, 1<<20))
		got, err := w.r.Discard(step)
		w.consumed += int64(got)
		m.size += int64(got)
		n -= int64(got)
		if err != nil {
			return err
		}
	}
	return nil
}

// control consumes a control frame.
func (w *wsReader) control(h frameHeader) error {
	if h.opcode != opClose && h.opcode != opPing && h.opcode != opPong {
		return wsErrorf("unknown opcode %d", h.opcode)
	}
	if !h.fin || h.length > 125 || h.rsv1 {
		return wsErrorf("malformed control frame")
	}
	p := make([]byte, h.length)
	if _, err := io.ReadFull(w.r, p); err != nil {
		return unexpected(err)
	}
	w.consumed += h.length
	if h.opcode != opClose {
		return nil
	}
	switch {
	case len(p) == 0:
		return &wsCloseError{code: 1005}
	case len(p) == 1:
		return wsErrorf("close frame of one byte")
	}
	return &wsCloseError{code: int(binary.BigEndian.Uint16(p)), reason: string(p[2:])}
}
