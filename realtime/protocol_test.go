package realtime_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
)

func TestDecodeClientMessage(t *testing.T) {
	tests := []struct {
		in       string
		code     place.Code
		want     realtime.ClientMessage
		overflow bool
	}{
		{in: `{"type":"ping"}`, want: realtime.ClientMessage{Type: "ping"}},
		{in: `{"type":"place","x":3,"y":4,"color":15,"requestId":"abc"}`, want: realtime.ClientMessage{Type: "place", X: 3, Y: 4, Color: 15, RequestID: "abc"}},
		{in: `{"type":"place","x":-3,"y":4,"color":99}`, want: realtime.ClientMessage{Type: "place", X: -3, Y: 4, Color: 99}},
		{in: `{"type":"place","x":1,"y":1,"color":1,"extra":true}`, want: realtime.ClientMessage{Type: "place", X: 1, Y: 1, Color: 1}},
		{in: `{"type":"place","x":123456789012345678901234567890,"y":1,"color":1}`, want: realtime.ClientMessage{Type: "place", Y: 1, Color: 1, CoordsOverflow: true}},
		{in: ``, code: place.EINVALIDMESSAGE},
		{in: `null`, code: place.EINVALIDMESSAGE},
		{in: `"place"`, code: place.EINVALIDMESSAGE},
		{in: `{"type":5}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"PLACE","x":1,"y":1,"color":1}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":1,"y":1}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":1.0,"y":1,"color":1}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":-0.5,"y":1,"color":1}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":"","y":1,"color":1}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":true,"y":1,"color":1}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":[1],"y":1,"color":1}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":1,"y":1,"color":1,"requestId":"` + strings.Repeat("é", 33) + `"}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":1,"y":1,"color":1}garbage`, code: place.EINVALIDMESSAGE},
		// Keys are matched exactly: "X" is not "x".
		{in: `{"type":"place","X":1,"y":1,"color":1}`, code: place.EINVALIDMESSAGE},
		{in: `{"Type":"ping"}`, code: place.EINVALIDMESSAGE},
		{in: `{"type":"place","x":1,"y":1,"Color":1}`, code: place.EINVALIDMESSAGE},
	}
	for _, tc := range tests {
		got, err := realtime.DecodeClientMessage([]byte(tc.in))
		if tc.code != "" {
			if place.ErrorCode(err) != tc.code {
				t.Errorf("%s: err %v, want code %s", tc.in, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func FuzzDecodeClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"ping"}`, `{"type":"place","x":3,"y":4,"color":15,"requestId":"abc"}`,
		`{"type":"place","x":-1,"y":1e9,"color":1}`, `{}`, `[`, `{"type":"place","x":99999999999999999999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := realtime.DecodeClientMessage(data)
		if err != nil {
			if place.ErrorCode(err) != place.EINVALIDMESSAGE {
				t.Fatalf("error with code %s: %v", place.ErrorCode(err), err)
			}
			return
		}
		if m.Type != "ping" && m.Type != "place" {
			t.Fatalf("accepted type %q", m.Type)
		}
		if len(m.RequestID) > realtime.MaxRequestIDLen {
			t.Fatalf("accepted a %d-byte requestId", len(m.RequestID))
		}
		if m.Type == "place" && !m.CoordsOverflow && !m.ColorOverflow {
			// An accepted place message must round-trip through JSON integers.
			var raw map[string]json.RawMessage
			if json.Unmarshal(data, &raw) != nil {
				t.Fatalf("accepted invalid JSON %q", data)
			}
		}
	})
}

func TestPixelsEncodings(t *testing.T) {
	events := []realtime.Event{{X: 0, Y: 0, Color: 0}, {X: 4095, Y: 4095, Color: 15}, {X: 12, Y: 40, Color: 5}}
	js := realtime.AppendPixelsJSON(nil, 7, 10, events)
	var m struct {
		Type         string
		PrevSeq, Seq uint64
		Events       []place.Pixel
	}
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != "pixels" || m.PrevSeq != 7 || m.Seq != 10 || len(m.Events) != 3 || m.Events[1] != events[1] {
		t.Errorf("json: %+v", m)
	}
	bin := realtime.AppendPixelsBinary(nil, 7, 10, events)
	if len(bin) != 17+4*len(events) || bin[0] != 1 {
		t.Fatalf("binary length %d", len(bin))
	}
	if binary.LittleEndian.Uint64(bin[1:]) != 7 || binary.LittleEndian.Uint64(bin[9:]) != 10 {
		t.Error("binary seqs")
	}
	for i, e := range events {
		v := binary.LittleEndian.Uint32(bin[17+4*i:])
		if int(v&0xfff) != e.X || int(v>>12&0xfff) != e.Y || uint8(v>>24) != e.Color {
			t.Errorf("event %d decodes to %x", i, v)
		}
	}
}

func TestCanvasEncodings(t *testing.T) {
	for _, size := range [][2]int{{3, 3}, {4, 2}, {1, 1}} {
		w, h := size[0], size[1]
		data := make([]byte, w*h)
		for i := range data {
			data[i] = byte((i*7 + 3) % 16)
		}
		bin := realtime.EncodeCanvasBinary(w, h, 42, data)
		if len(bin) != 13+(w*h+1)/2 || bin[0] != 2 || binary.LittleEndian.Uint16(bin[1:]) != uint16(w) || binary.LittleEndian.Uint16(bin[3:]) != uint16(h) || binary.LittleEndian.Uint64(bin[5:]) != 42 {
			t.Fatalf("%dx%d header/length wrong: %v", w, h, bin[:13])
		}
		for i, want := range data {
			b := bin[13+i/2]
			got := b & 0xf
			if i%2 == 1 {
				got = b >> 4
			}
			if got != want {
				t.Errorf("%dx%d pixel %d = %d, want %d", w, h, i, got, want)
			}
		}
		var m struct {
			Type          string
			Width, Height int
			Seq           uint64
			Data          string
		}
		if err := json.Unmarshal(realtime.EncodeCanvasJSON(w, h, 42, data), &m); err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(m.Data)
		if m.Type != "canvas" || m.Width != w || m.Height != h || m.Seq != 42 || string(raw) != string(data) {
			t.Errorf("json canvas: %+v", m)
		}
	}
}

func BenchmarkEncodeBatch2000(b *testing.B) {
	events := make([]realtime.Event, 2000)
	for i := range events {
		events[i] = realtime.Event{X: i % 500, Y: i / 4, Color: uint8(i % 16)}
	}
	jbuf := make([]byte, 0, 64<<10)
	bbuf := make([]byte, 0, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		jbuf = realtime.AppendPixelsJSON(jbuf[:0], 1, 2001, events)
		bbuf = realtime.AppendPixelsBinary(bbuf[:0], 1, 2001, events)
	}
}

func BenchmarkEncodeCanvas500(b *testing.B) {
	data := make([]byte, 500*500)
	b.ReportAllocs()
	for b.Loop() {
		_ = realtime.EncodeCanvasBinary(500, 500, 1, data)
		_ = realtime.EncodeCanvasJSON(500, 500, 1, data)
	}
}

func TestEncodeSuccessMatchesTheJSONMessage(t *testing.T) {
	next, now := time.UnixMilli(1_700_000_005_000), time.UnixMilli(1_700_000_000_000)
	for _, id := range []string{"", "r1", "abc.DEF-123_x", `quo"te`, `back\slash`, "<tag>&", "tab\there", "é ü 漢字"} {
		c := place.Charges{Available: 2, NextPlacement: next, NextChargeAt: next.Add(time.Second)}
		want, _ := json.Marshal(realtime.Success{Type: "success", RequestID: id, NextPlacement: next.UnixMilli(), ServerTime: now.UnixMilli(), Charges: 2, NextChargeAt: next.Add(time.Second).UnixMilli()})
		if got := realtime.EncodeSuccess(id, c, now); string(got) != string(want) {
			t.Errorf("EncodeSuccess(%q) = %s, want %s", id, got, want)
		}
	}
}
