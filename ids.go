package place

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
)

// NewUserID returns a new random, opaque user id.
func NewUserID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

const guestAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// NewGuestName returns a random Guest_XXXXXX name.
func NewGuestName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	out := []byte("Guest_")
	for _, v := range b {
		out = append(out, guestAlphabet[int(v)%len(guestAlphabet)])
	}
	return string(out)
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{3,32}$`)

// ValidateUsername checks the rules of docs/protocol.md ("HTTP"): 3–32 of [A-Za-z0-9_-].
func ValidateUsername(name string) error {
	if !usernamePattern.MatchString(name) {
		return Errorf(EVALIDATION, "Username must be 3 to 32 letters, digits, '_' or '-'.")
	}
	if strings.HasPrefix(strings.ToLower(name), "guest_") {
		return Errorf(EVALIDATION, "Names starting with Guest_ are kept for guests; choose another.")
	}
	return nil
}

// ValidatePassword checks the rules of docs/protocol.md ("HTTP"): 8–72 bytes (bcrypt's
// limit; longer passwords are refused, never truncated).
func ValidatePassword(pw string) error {
	if len(pw) < 8 {
		return Errorf(EVALIDATION, "Password must be at least 8 bytes long.")
	}
	if len(pw) > 72 {
		return Errorf(EVALIDATION, "Password must be at most 72 bytes long.")
	}
	return nil
}
