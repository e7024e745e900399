package bench

import (
	"encoding/binary"
	"encoding/json"
	"errors"
)

// BinaryProtocol is the WebSocket subprotocol of docs/protocol.md ("Binary encoding") under which the
// server sends pixels and canvas as binary frames.
const BinaryProtocol = "place.v1.bin"

// Binary message kinds (docs/protocol.md, "Binary encoding").
const (
	binPixels = 1
	binCanvas = 2
)

// event is one pixel of a pixels message.
type event struct {
	x, y, color int
}

var errMalformed = errors.New("malformed message")

// decodeBinaryPixels parses a binary pixels frame, appending its events to evs.
func decodeBinaryPixels(b []byte, evs []event) (prevSeq, seq uint64, _ []event, _ error) {
	if len(b) < 17 || b[0] != binPixels || (len(b)-17)%4 != 0 {
		return 0, 0, evs, errMalformed
	}
	prevSeq = binary.LittleEndian.Uint64(b[1:])
	seq = binary.LittleEndian.Uint64(b[9:])
	for p := b[17:]; len(p) >= 4; p = p[4:] {
		v := binary.LittleEndian.Uint32(p)
		evs = append(evs, event{x: int(v & 0xfff), y: int(v >> 12 & 0xfff), color: int(v >> 24)})
	}
	return prevSeq, seq, evs, nil
}

// decodeBinaryCanvas parses the header of a binary canvas frame.
func decodeBinaryCanvas(b []byte) (width, height int, seq uint64, _ error) {
	if len(b) < 13 || b[0] != binCanvas {
		return 0, 0, 0, errMalformed
	}
	width = int(binary.LittleEndian.Uint16(b[1:]))
	height = int(binary.LittleEndian.Uint16(b[3:]))
	seq = binary.LittleEndian.Uint64(b[5:])
	if len(b) != 13+(width*height+1)/2 {
		return 0, 0, 0, errMalformed
	}
	return width, height, seq, nil
}

// messageType returns the value of the top-level "type" field of a JSON
// object without decoding the rest, so that the frequent pixels messages are
// routed to the fast decoder below.
func messageType(b []byte) string {
	s := scanner{b: b}
	if !s.consume('{') {
		return ""
	}
	for {
		key, ok := s.str()
		if !ok || !s.consume(':') {
			return ""
		}
		if string(key) == "type" {
			v, _ := s.str()
			return string(v)
		}
		if !s.skipValue() {
			return ""
		}
		if !s.consume(',') {
			return ""
		}
	}
}

// decodeJSONPixels parses a JSON pixels message. A load generator that
// spends its CPU in encoding/json measures itself rather than the server, so
// this is a small hand-written parser for exactly this shape; it accepts any
// key order and whitespace and skips unknown fields.
func decodeJSONPixels(b []byte, evs []event) (prevSeq, seq uint64, _ []event, _ error) {
	s := scanner{b: b}
	if !s.consume('{') {
		return 0, 0, evs, errMalformed
	}
	if s.consume('}') {
		return 0, 0, evs, errMalformed
	}
	var haveSeq bool
	for {
		key, ok := s.str()
		if !ok || !s.consume(':') {
			return 0, 0, evs, errMalformed
		}
		switch string(key) {
		case "prevSeq":
			prevSeq, ok = s.uint()
		case "seq":
			seq, ok = s.uint()
			haveSeq = true
		case "events":
			evs, ok = s.events(evs)
		default:
			ok = s.skipValue()
		}
		if !ok {
			return 0, 0, evs, errMalformed
		}
		if s.consume('}') {
			break
		}
		if !s.consume(',') {
			return 0, 0, evs, errMalformed
		}
	}
	if !haveSeq {
		return 0, 0, evs, errMalformed
	}
	return prevSeq, seq, evs, nil
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips whitespace and then c, if c is next.
func (s *scanner) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string and returns its raw bytes (escapes are not decoded:
// the keys and values we compare never contain any).
func (s *scanner) str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return s.b[start : s.i-1], true
		default:
			s.i++
		}
	}
	return nil, false
}

func (s *scanner) uint() (uint64, bool) {
	s.space()
	start := s.i
	var v uint64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' && s.i-start < 20 {
		v = v*10 + uint64(s.b[s.i]-'0')
		s.i++
	}
	return v, s.i > start
}

// events reads [{"x":..,"y":..,"color":..}, ...].
func (s *scanner) events(evs []event) ([]event, bool) {
	if !s.consume('[') {
		return evs, false
	}
	if s.consume(']') {
		return evs, true
	}
	for {
		if !s.consume('{') {
			return evs, false
		}
		var e event
		for {
			key, ok := s.str()
			if !ok || !s.consume(':') {
				return evs, false
			}
			var v uint64
			switch string(key) {
			case "x":
				v, ok = s.uint()
				e.x = int(v)
			case "y":
				v, ok = s.uint()
				e.y = int(v)
			case "color":
				v, ok = s.uint()
				e.color = int(v)
			default:
				ok = s.skipValue()
			}
			if !ok {
				return evs, false
			}
			if s.consume('}') {
				break
			}
			if !s.consume(',') {
				return evs, false
			}
		}
		evs = append(evs, e)
		if s.consume(']') {
			return evs, true
		}
		if !s.consume(',') {
			return evs, false
		}
	}
}

// skipValue skips one JSON value of any kind.
func (s *scanner) skipValue() bool {
	s.space()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.str()
		return ok
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, ok := s.str(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return true
				}
			}
			s.i++
		}
		return false
	default:
		start := s.i
	scalar:
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				break scalar
			}
			s.i++
		}
		return s.i > start
	}
}

// The rare messages are decoded with encoding/json.

type welcomeMsg struct {
	UserID     string  `json:"userId"`
	Cooldown   float64 `json:"cooldown"` // ms until this user may place
	ServerTime int64   `json:"serverTime"`
	CanvasInfo struct {
		Width           int     `json:"width"`
		Height          int     `json:"height"`
		CooldownSeconds float64 `json:"cooldownSeconds"`
		ColorCount      int     `json:"colorCount"`
	} `json:"canvasInfo"`
}

type canvasMsg struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Seq    uint64 `json:"seq"`
}

type successMsg struct {
	RequestID string `json:"requestId"`
}

type errorMsg struct {
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
}

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }
