package fairplay_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
)

// usedSet is the one-use mark of a store, in memory.
type usedSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (u *usedSet) mark(_ context.Context, id string, _ time.Time) (bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ids[id] {
		return false, nil
	}
	u.ids[id] = true
	return true, nil
}

func TestChallengeIsBoundSolvedOnceAndHardEnough(t *testing.T) {
	used := &usedSet{ids: map[string]bool{}}
	c := fairplay.NewChallenges([]byte("0123456789abcdef0123456789abcdef"), used.mark)
	now := time.Now()
	ch := c.Issue("alice", 10, now)
	if ch.Bits != 10 {
		t.Fatalf("bits %d, want 10", ch.Bits)
	}
	proof, err := fairplay.Solve(context.Background(), ch)
	if err != nil {
		t.Fatal(err)
	}
	if fairplay.LeadingZeroBits(sha256.Sum256([]byte(proof))) < 10 || !strings.HasPrefix(proof, ch.Token+":") {
		t.Fatalf("Solve returned %q, which does not solve the challenge", proof)
	}
	ctx := context.Background()
	refused := func(name, proof, user string, required int, at time.Time) {
		t.Helper()
		if err := c.Verify(ctx, proof, user, required, at); place.ErrorCode(err) != place.ECHALLENGE {
			t.Errorf("%s: %v, want CHALLENGE_REQUIRED", name, err)
		}
	}
	// Each refusal below leaves the proof unused.
	refused("another player", proof, "mallory", 10, now)
	refused("expired", proof, "alice", 10, now.Add(fairplay.Lifetime))
	refused("too easy for now", proof, "alice", 11, now)
	refused("not solved", ch.Token+":x1", "alice", 10, now)
	refused("empty", "", "alice", 10, now)
	refused("no nonce", ch.Token+":", "alice", 10, now)
	refused("forged difficulty", strings.Replace(proof, ch.Token, c.Issue("alice", 0, now).Token, 1), "alice", 10, now)
	unsolved := ch.Token + ":0"
	if fairplay.LeadingZeroBits(sha256.Sum256([]byte(unsolved))) < 10 {
		refused("wrong nonce", unsolved, "alice", 10, now)
	}
	if err := c.Verify(ctx, proof, "alice", 10, now); err != nil {
		t.Fatalf("a good proof: %v", err)
	}
	if err := c.Verify(ctx, proof, "alice", 9, now); place.ErrorCode(err) != place.ECHALLENGE || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("a proof used twice: %v", err)
	}
	// Another key (another server) does not accept this server's challenge.
	other := fairplay.NewChallenges([]byte("another key, another server....."), used.mark)
	p2, _ := fairplay.Solve(ctx, c.Issue("alice", 4, now))
	if err := other.Verify(ctx, p2, "alice", 4, now); place.ErrorCode(err) != place.ECHALLENGE {
		t.Fatalf("a challenge of another key: %v", err)
	}
}

func TestBitsGrowWithIdentities(t *testing.T) {
	for _, tc := range []struct{ base, n, want int }{
		{12, 0, 0}, {12, 1, 0}, {12, 2, 12}, {12, 3, 12}, {12, 4, 13}, {12, 8, 14}, {12, 30, 15}, {12, 32, 16},
		{0, 30, 0}, {30, 1 << 20, fairplay.MaxBits},
	} {
		if got := fairplay.Bits(tc.base, tc.n); got != tc.want {
			t.Errorf("Bits(%d, %d) = %d, want %d", tc.base, tc.n, got, tc.want)
		}
	}
}

func TestActivityCountsIdentitiesWithinTheWindow(t *testing.T) {
	a := fairplay.NewActivity()
	t0 := time.Now()
	w := 10 * time.Second
	if n := a.Count("addr:x", "u1", t0, w); n != 1 {
		t.Fatalf("a quiet address counts %d with its player, want 1", n)
	}
	for i, u := range []string{"u1", "u2", "u1", "u3"} {
		a.Seen("addr:x", u, t0.Add(time.Duration(i)*time.Second), w)
	}
	if n := a.Seen("addr:y", "u9", t0, w); n != 1 {
		t.Fatalf("another address counts %d, want 1", n)
	}
	if n := a.Count("addr:x", "u2", t0.Add(4*time.Second), w); n != 3 {
		t.Fatalf("three identities counted as %d", n)
	}
	if n := a.Count("addr:x", "u4", t0.Add(4*time.Second), w); n != 4 {
		t.Fatalf("a newcomer is counted with the three: %d, want 4", n)
	}
	// u2 attempted at 1 s: gone from the window at 11.5 s; u1 (2 s) and u3 (3 s) stay.
	if n := a.Seen("addr:x", "u3", t0.Add(11500*time.Millisecond), w); n != 2 {
		t.Fatalf("after the window: %d, want 2", n)
	}
}
