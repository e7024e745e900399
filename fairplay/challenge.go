// Package fairplay holds the proof-of-work challenge of docs/fairplay.md
// ("A challenge a browser answers unnoticed"): a server-signed challenge
// bound to one identity, whose difficulty grows with the identities an
// address runs, checked without server state but for a one-use mark.
package fairplay

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/placecanvas/place"
)

// Challenge is what a client solves: find a decimal nonce such that
// SHA-256(Token + ":" + nonce) starts with Bits zero bits; the proof is
// Token + ":" + nonce.
type Challenge struct {
	Token string `json:"token"`
	Bits  int    `json:"bits"`
}

// Lifetime is how long a challenge may be answered.
const Lifetime = 2 * time.Minute

// MaxBits bounds a challenge's difficulty.
const MaxBits = 32

const (
	version  = 1
	macSize  = 16
	bodySize = 1 + 8 + 1 + 8 // version, expiry (ms), bits, random id
)

// Used marks a challenge's id as used until it expires: true the first
// time, false after (place.Counters.Take with a limit of one does it in
// both stores).
type Used func(ctx context.Context, id string, until time.Time) (first bool, err error)

// Challenges issues and checks challenges with a secret key every instance
// shares.
type Challenges struct {
	key  []byte
	used Used
}

// NewChallenges returns challenges signed with key; used marks each
// solved challenge so that it counts once.
func NewChallenges(key []byte, used Used) *Challenges {
	return &Challenges{key: key, used: used}
}

// Issue returns a challenge of the given difficulty for the user, valid
// until now + Lifetime.
func (c *Challenges) Issue(userID string, difficulty int, now time.Time) Challenge {
	difficulty = max(0, min(difficulty, MaxBits))
	body := make([]byte, bodySize, bodySize+macSize)
	body[0] = version
	binary.BigEndian.PutUint64(body[1:], uint64(now.Add(Lifetime).UnixMilli()))
	body[9] = byte(difficulty)
	_, _ = rand.Read(body[10:]) // crypto/rand does not fail
	token := append(body, c.mac(body, userID)...)
	return Challenge{Token: base64.RawURLEncoding.EncodeToString(token), Bits: difficulty}
}

func (c *Challenges) mac(body []byte, userID string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(body)
	m.Write([]byte(userID))
	return m.Sum(nil)[:macSize]
}

// Verify checks a proof for the user against the difficulty required now:
// signed by this server for this user, not expired, at least as hard as
// required, solved, and not used before (marked used by this call). A
// proof that fails any of these is a CHALLENGE_REQUIRED error saying why.
func (c *Challenges) Verify(ctx context.Context, proof, userID string, required int, now time.Time) error {
	if proof == "" {
		return place.Errorf(place.ECHALLENGE, "Several players place from your address, so each placement needs a small proof of work, which the canvas page solves by itself: place from the page with JavaScript on, or register (an account a day old is not asked). Other clients: docs/protocol.md, \"Challenges\".")
	}
	token, nonce, ok := strings.Cut(proof, ":")
	if !ok || len(nonce) == 0 || len(nonce) > 20 || strings.Trim(nonce, "0123456789") != "" {
		return challengeError("The proof is not TOKEN:NONCE with a decimal nonce.")
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != bodySize+macSize || raw[0] != version ||
		!hmac.Equal(raw[bodySize:], c.mac(raw[:bodySize], userID)) {
		return challengeError("The challenge was not issued to this player.")
	}
	expires := time.UnixMilli(int64(binary.BigEndian.Uint64(raw[1:9])))
	if !now.Before(expires) {
		return challengeError("The challenge expired.")
	}
	if int(raw[9]) < required {
		return challengeError("The challenge is easier than this address now needs.")
	}
	if LeadingZeroBits(sha256.Sum256([]byte(proof))) < int(raw[9]) {
		return challengeError("The proof does not solve the challenge.")
	}
	first, err := c.used(ctx, hex.EncodeToString(raw[10:bodySize]), expires)
	if err != nil {
		return err
	}
	if !first {
		return challengeError("The challenge was already used.")
	}
	return nil
}

func challengeError(why string) *place.Error {
	return place.Errorf(place.ECHALLENGE, "%s The page solves a new one by itself; other clients see docs/protocol.md.", why)
}

// LeadingZeroBits counts the zero bits at the start of a hash.
func LeadingZeroBits(h [sha256.Size]byte) int {
	n := 0
	for _, b := range h {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// Solve finds a proof of the challenge, as a client does (the tests, and
// the measure of an army's cost in BENCHMARKS.md). It gives up when ctx
// ends.
func Solve(ctx context.Context, c Challenge) (string, error) {
	buf := make([]byte, 0, len(c.Token)+21)
	buf = append(buf, c.Token...)
	buf = append(buf, ':')
	for n := uint64(0); ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			return "", ctx.Err()
		}
		b := strconv.AppendUint(buf, n, 10)
		if LeadingZeroBits(sha256.Sum256(b)) >= c.Bits {
			return string(b), nil
		}
	}
}
