package handlers

import (
	"strings"
	"testing"
)

func TestDeviceCookieSignature(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	id := newDeviceID()
	v := signDevice(key, id)
	if got, ok := verifyDevice(key, v); !ok || got != id {
		t.Fatalf("verify(sign(%q)) = %q, %v", id, got, ok)
	}
	if newDeviceID() == id {
		t.Fatal("two device ids are the same")
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	dot := strings.IndexByte(v, '.')
	for name, bad := range map[string]string{
		"id changed":        flip(v, 0),
		"signature changed": flip(v, dot+1),
		"no signature":      id,
		"empty signature":   id + ".",
		"another's id":      newDeviceID() + v[dot:],
		"short id":          v[1:],
		"empty":             "",
		"signed elsewhere":  signDevice([]byte("another key entirely, 32 bytes!!"), id),
	} {
		if got, ok := verifyDevice(key, bad); ok {
			t.Errorf("%s: %q accepted as %q", name, bad, got)
		}
	}
}
