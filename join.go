package place

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
)

// NoticeJoinCode is the kind of a notice that says the join code changed:
// every instance reloads it.
const NoticeJoinCode = "join-code"

// JoinCodeNotice says that the join code is now at version.
func JoinCodeNotice(version int64) Notice {
	b, _ := json.Marshal(version)
	return Notice{Kind: NoticeJoinCode, Data: b}
}

// JoinCodeVersion returns the version a join-code notice announces.
func (n Notice) JoinCodeVersion() (int64, bool) {
	var v int64
	if n.Kind != NoticeJoinCode || json.Unmarshal(n.Data, &v) != nil {
		return 0, false
	}
	return v, true
}

// JoinCode is the organiser's join code. While Code is set, only players
// who joined with it (the QR code on the screen, /join/CODE) may place;
// watching needs nothing. Version grows with every change, so a rotated
// code's players are told apart from the new one's.
type JoinCode struct {
	Code    string // "" when anyone may place
	Version int64
}

// JoinCodes keeps the join code and who joined with which version of it.
type JoinCodes interface {
	// JoinCode returns the current code (Version 0, Code "": never set).
	JoinCode(ctx context.Context) (JoinCode, error)
	// SetJoinCode stores code ("" lifts the requirement) as the next
	// version and returns it. Callers tell the other instances with
	// JoinCodeNotice.
	SetJoinCode(ctx context.Context, code string) (JoinCode, error)
	// SetJoinedVersion records that the user joined with that version.
	SetJoinedVersion(ctx context.Context, userID string, version int64) error
	// JoinedVersion returns the version the user last joined with (0: none).
	JoinedVersion(ctx context.Context, userID string) (int64, error)
}

// joinAlphabet has no letters or digits that read alike (0/O, 1/I/L).
const joinAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NewJoinCode returns a random 8-character code (39 bits).
func NewJoinCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = joinAlphabet[int(b[i])%len(joinAlphabet)]
	}
	return string(b)
}

// NormalizeJoinCode checks a code an organiser chose or a player typed:
// 4 to 32 letters, digits or "-", compared without regard to case.
func NormalizeJoinCode(code string) (string, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) < 4 || len(code) > 32 {
		return "", Errorf(EVALIDATION, "A join code has 4 to 32 letters, digits or dashes.")
	}
	for _, r := range code {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' {
			return "", Errorf(EVALIDATION, "A join code has 4 to 32 letters, digits or dashes.")
		}
	}
	return code, nil
}
