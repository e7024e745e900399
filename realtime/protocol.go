// Package realtime carries placements to browsers: the WebSocket protocol of
// docs/protocol.md (codec, hub, batching, replay) and the batches that SSE reuses.
package realtime

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
)

// Subprotocol is the WebSocket subprotocol that selects the compact binary
// encoding of docs/protocol.md ("Binary encoding").
const Subprotocol = "place.v1.bin"

// MaxRequestIDLen bounds the requestId of a place message.
const MaxRequestIDLen = 64

// ClientMessage is a decoded client → server message.
type ClientMessage struct {
	Type      string // "place" or "ping"
	X, Y      int64
	Color     int64
	RequestID string
	// CoordsOverflow is set when x or y was an integer too large to hold;
	// it is reported as INVALID_COORDS after the ban check, like any other
	// out-of-range coordinate.
	CoordsOverflow bool
	ColorOverflow  bool
	// Proof is the solved challenge of a place message ("" when none).
	Proof string
}

// MaxProofLen bounds the proof of a place message.
const MaxProofLen = 128

type rawClientMessage struct {
	Type      *string          `json:"type"`
	X         *json.RawMessage `json:"x"`
	Y         *json.RawMessage `json:"y"`
	Color     *json.RawMessage `json:"color"`
	RequestID *json.RawMessage `json:"requestId"`
	Proof     *json.RawMessage `json:"proof"`
}

// DecodeClientMessage parses one text frame. Any error it returns is a
// *place.Error with code INVALID_MESSAGE; RequestID is filled in whenever it
// could be read, so the error can be correlated.
func DecodeClientMessage(data []byte) (ClientMessage, error) {
	if m, ok := decodePlaceFast(data); ok {
		return m, nil
	}
	return decodeClientMessageJSON(data)
}

// decodeClientMessageJSON is DecodeClientMessage for any message.
func decodeClientMessageJSON(data []byte) (ClientMessage, error) {
	var m ClientMessage
	raw, err := decodeRaw(data)
	if err != nil {
		return m, err
	}
	if raw.RequestID != nil {
		var id string
		if err := json.Unmarshal(*raw.RequestID, &id); err != nil {
			return m, place.Errorf(place.EINVALIDMESSAGE, "requestId must be a string.")
		}
		if len(id) > MaxRequestIDLen || !utf8.ValidString(id) {
			return m, place.Errorf(place.EINVALIDMESSAGE, "requestId must be at most %d bytes.", MaxRequestIDLen)
		}
		m.RequestID = id
	}
	if raw.Type == nil {
		return m, place.Errorf(place.EINVALIDMESSAGE, "Message has no type.")
	}
	m.Type = *raw.Type
	switch m.Type {
	case "ping":
		return m, nil
	case "place":
	default:
		return m, place.Errorf(place.EINVALIDMESSAGE, "Unknown message type.")
	}
	if m.X, m.CoordsOverflow, err = parseInt(raw.X, "x"); err != nil {
		return m, err
	}
	var ov bool
	if m.Y, ov, err = parseInt(raw.Y, "y"); err != nil {
		return m, err
	}
	m.CoordsOverflow = m.CoordsOverflow || ov
	if m.Color, m.ColorOverflow, err = parseInt(raw.Color, "color"); err != nil {
		return m, err
	}
	if raw.Proof != nil {
		if err := json.Unmarshal(*raw.Proof, &m.Proof); err != nil || len(m.Proof) > MaxProofLen {
			return m, place.Errorf(place.EINVALIDMESSAGE, "proof must be a string of at most %d bytes.", MaxProofLen)
		}
	}
	return m, nil
}

// decodeRaw reads the fields of a message by their exact names
// (encoding/json would also take "X" or "TYPE" for them).
func decodeRaw(data []byte) (rawClientMessage, error) {
	var raw rawClientMessage
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return raw, place.Errorf(place.EINVALIDMESSAGE, "Message is not a JSON object.")
	}
	if dec.More() {
		return raw, place.Errorf(place.EINVALIDMESSAGE, "Message has trailing data.")
	}
	field := func(name string) *json.RawMessage {
		if v, ok := fields[name]; ok {
			return &v
		}
		return nil
	}
	raw.X, raw.Y, raw.Color, raw.RequestID, raw.Proof = field("x"), field("y"), field("color"), field("requestId"), field("proof")
	if t := field("type"); t != nil {
		var typ *string
		if err := json.Unmarshal(*t, &typ); err != nil {
			return raw, place.Errorf(place.EINVALIDMESSAGE, "Message is not a JSON object.")
		}
		raw.Type = typ
	}
	return raw, nil
}

// parseInt accepts only a JSON integer literal: no strings, floats,
// exponents or null. Integers beyond int64 are reported as overflow.
func parseInt(raw *json.RawMessage, field string) (int64, bool, error) {
	if raw == nil {
		return 0, false, place.Errorf(place.EINVALIDMESSAGE, "Field %s is missing.", field)
	}
	b := *raw
	digits := b
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return 0, false, place.Errorf(place.EINVALIDMESSAGE, "Field %s must be an integer.", field)
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false, place.Errorf(place.EINVALIDMESSAGE, "Field %s must be an integer.", field)
		}
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, true, nil
	}
	return v, false, nil
}

// Event is one pixel of a broadcast batch.
type Event = place.Pixel

// AppendPixelsJSON appends the JSON `pixels` message.
func AppendPixelsJSON(dst []byte, prevSeq, seq uint64, events []Event) []byte {
	dst = append(dst, `{"type":"pixels","prevSeq":`...)
	dst = strconv.AppendUint(dst, prevSeq, 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, `,"events":[`...)
	for i, e := range events {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"x":`...)
		dst = strconv.AppendInt(dst, int64(e.X), 10)
		dst = append(dst, `,"y":`...)
		dst = strconv.AppendInt(dst, int64(e.Y), 10)
		dst = append(dst, `,"color":`...)
		dst = strconv.AppendInt(dst, int64(e.Color), 10)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// AppendPixelsBinary appends the binary `pixels` frame of docs/protocol.md ("Binary encoding"):
// byte 1, prevSeq and seq as uint64 LE, then x | y<<12 | color<<24 per event.
func AppendPixelsBinary(dst []byte, prevSeq, seq uint64, events []Event) []byte {
	dst = append(dst, 1)
	dst = binary.LittleEndian.AppendUint64(dst, prevSeq)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	for _, e := range events {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(e.X)|uint32(e.Y)<<12|uint32(e.Color)<<24)
	}
	return dst
}

// EncodeCanvasJSON encodes the JSON `canvas` message.
func EncodeCanvasJSON(width, height int, seq uint64, data []byte) []byte {
	n := base64.StdEncoding.EncodedLen(len(data))
	dst := make([]byte, 0, n+96)
	dst = append(dst, `{"type":"canvas","width":`...)
	dst = strconv.AppendInt(dst, int64(width), 10)
	dst = append(dst, `,"height":`...)
	dst = strconv.AppendInt(dst, int64(height), 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, `,"data":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, data)
	return append(dst, `"}`...)
}

// EncodeCanvasBinary encodes the binary `canvas` frame of docs/protocol.md ("Binary encoding"): byte 2,
// width and height as uint16 LE, seq as uint64 LE, then two pixels per byte,
// the first in the low nibble.
func EncodeCanvasBinary(width, height int, seq uint64, data []byte) []byte {
	dst := make([]byte, 13, 13+(len(data)+1)/2)
	dst[0] = 2
	binary.LittleEndian.PutUint16(dst[1:], uint16(width))
	binary.LittleEndian.PutUint16(dst[3:], uint16(height))
	binary.LittleEndian.PutUint64(dst[5:], seq)
	for i := 0; i+1 < len(data); i += 2 {
		dst = append(dst, data[i]&0x0f|data[i+1]<<4)
	}
	if len(data)%2 == 1 {
		dst = append(dst, data[len(data)-1]&0x0f)
	}
	return dst
}

// CanvasInfo is the canvasInfo object of `welcome` and /api/v1/canvas/info.
type CanvasInfo struct {
	Width           int           `json:"width"`
	Height          int           `json:"height"`
	CooldownSeconds float64       `json:"cooldownSeconds"`
	ColorCount      int           `json:"colorCount"`
	Palette         []place.Color `json:"palette"`
}

// NewCanvasInfo describes a canvas configuration.
func NewCanvasInfo(cfg place.Config) CanvasInfo {
	return CanvasInfo{
		Width: cfg.Width, Height: cfg.Height,
		CooldownSeconds: cfg.Cooldown.Seconds(),
		ColorCount:      place.ColorCount,
		Palette:         place.Palette[:],
	}
}

// Welcome is the first message of every connection.
type Welcome struct {
	Type       string     `json:"type"`
	UserID     string     `json:"userId"`
	Username   string     `json:"username"`
	IsGuest    bool       `json:"isGuest"`
	Cooldown   int64      `json:"cooldown"`
	ServerTime int64      `json:"serverTime"`
	CanvasInfo CanvasInfo `json:"canvasInfo"`
	// Charges are the placements the player may make now; NextChargeAt
	// is when the next one comes (epoch ms; 0: every charge is in).
	Charges      int   `json:"charges"`
	NextChargeAt int64 `json:"nextChargeAt"`
	// Challenge: see ErrorMessage.Challenge.
	Challenge *fairplay.Challenge `json:"challenge,omitempty"`
}

// Success acknowledges a placement.
type Success struct {
	Type          string `json:"type"`
	RequestID     string `json:"requestId"`
	NextPlacement int64  `json:"nextPlacement"`
	ServerTime    int64  `json:"serverTime"`
	Charges       int    `json:"charges"`
	NextChargeAt  int64  `json:"nextChargeAt"`
}

// ErrorMessage is the `error` message.
type ErrorMessage struct {
	Type             string     `json:"type"`
	Code             place.Code `json:"code"`
	Message          string     `json:"message"`
	RequestID        string     `json:"requestId,omitempty"`
	RemainingSeconds int        `json:"remainingSeconds,omitempty"`
	// Challenge is what the player's next placement must solve, when its
	// address needs one (docs/protocol.md, "Challenges").
	Challenge *fairplay.Challenge `json:"challenge,omitempty"`
}

// NewErrorMessage maps any error to the `error` message (docs/protocol.md, "Errors"); internal
// errors get a generic text.
func NewErrorMessage(err error, requestID string) ErrorMessage {
	m := ErrorMessage{Type: "error", Code: place.ErrorCode(err), Message: place.ErrorMessage(err), RequestID: requestID}
	var e *place.Error
	if errors.As(err, &e) {
		m.RemainingSeconds = e.RemainingSeconds
	}
	return m
}

var pongMessage = []byte(`{"type":"pong"}`)

// EncodeSuccess encodes the `success` message without reflection: it is
// sent once per accepted placement.
func EncodeSuccess(requestID string, c place.Charges, serverTime time.Time) []byte {
	dst := make([]byte, 0, 128+len(requestID))
	dst = append(dst, `{"type":"success","requestId":`...)
	dst = appendJSONString(dst, requestID)
	dst = append(dst, `,"nextPlacement":`...)
	dst = strconv.AppendInt(dst, c.NextPlacement.UnixMilli(), 10)
	dst = append(dst, `,"serverTime":`...)
	dst = strconv.AppendInt(dst, serverTime.UnixMilli(), 10)
	dst = append(dst, `,"charges":`...)
	dst = strconv.AppendInt(dst, int64(c.Available), 10)
	dst = append(dst, `,"nextChargeAt":`...)
	dst = strconv.AppendInt(dst, unixMilliOrZero(c.NextChargeAt), 10)
	return append(dst, '}')
}

// unixMilliOrZero is t in epoch ms, 0 for the zero time.
func unixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// EncodeSuccessWithChallenge is EncodeSuccess with the challenge the
// player's next placement must solve.
func EncodeSuccessWithChallenge(requestID string, c place.Charges, serverTime time.Time, ch fairplay.Challenge) []byte {
	dst := EncodeSuccess(requestID, c, serverTime)
	dst = append(dst[:len(dst)-1], `,"challenge":`...)
	dst = append(dst, mustJSON(ch)...)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string; anything beyond printable
// ASCII without quotes or backslashes goes through encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
