package realtime

import (
	"strings"
	"testing"
)

// FuzzPlaceFastMatchesJSON checks that whatever the fast path accepts, the
// full decoder accepts too, with the same result.
func FuzzPlaceFastMatchesJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"place","x":3,"y":4,"color":15,"requestId":"abc"}`,
		`{"type":"place","x":0,"y":499,"color":0}`,
		`{"type":"place","x":123456789,"y":1,"color":2,"requestId":""}`,
		`{"type":"place","x":01,"y":1,"color":2}`,
		`{"type":"place","x":1234567890,"y":1,"color":2}`,
		`{"type":"place","x":-1,"y":1,"color":2}`,
		`{"type":"place","x":1,"y":1,"color":2,"requestId":"a\"b"}`,
		`{"type":"place","x":1,"y":1,"color":2,"requestId":"a"}x`,
		`{"type":"place","x":1,"y":1,"color":2,"requestId":"é"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodePlaceFast(data)
		if !ok {
			return
		}
		slow, err := decodeClientMessageJSON(data)
		if err != nil {
			t.Fatalf("fast path accepted %q, the JSON decoder refused it: %v", data, err)
		}
		if fast != slow {
			t.Fatalf("%q: fast %+v, JSON %+v", data, fast, slow)
		}
	})
}

func TestPlaceFastTakesTheClientsShape(t *testing.T) {
	for in, want := range map[string]bool{
		`{"type":"place","x":3,"y":4,"color":15,"requestId":"r-17"}`:                                           true,
		`{"type":"place","x":3,"y":4,"color":15}`:                                                              true,
		`{"type":"place","x":01,"y":4,"color":15}`:                                                             false, // leading zero: invalid JSON
		`{"type":"place","x":1e3,"y":4,"color":15}`:                                                            false,
		`{"type":"place", "x":3,"y":4,"color":15}`:                                                             false, // whitespace: the full decoder
		`{"type":"place","x":3,"y":4,"color":15,"requestId":"` + strings.Repeat("a", MaxRequestIDLen+1) + `"}`: false,
		`{"type":"place","x":3,"y":4,"color":15,"requestId":"a\u0041"}`:                                        false,
		`{"type":"place","x":3,"y":4,"color":15,"requestId":"a"}}`:                                             false,
		`{"type":"ping"}`: false,
	} {
		m, ok := decodePlaceFast([]byte(in))
		if ok != want {
			t.Errorf("%s: fast path %v, want %v", in, ok, want)
			continue
		}
		if ok && (m.Type != "place" || m.X != 3 || m.Y != 4 || m.Color != 15) {
			t.Errorf("%s: %+v", in, m)
		}
	}
}

func BenchmarkDecodePlace(b *testing.B) {
	msg := []byte(`{"type":"place","x":123,"y":456,"color":7,"requestId":"r12345"}`)
	b.Run("fast", func(b *testing.B) {
		for range b.N {
			if _, err := DecodeClientMessage(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for range b.N {
			if _, err := decodeClientMessageJSON(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
