package placing_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/placing"
)

// The challenge spares a lone player and an account that earned its own
// budget, and asks every other identity on a busy address; a refusal
// reaches no store.
func TestChallengeSparesLonePlayersAndEarnedAccounts(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	us := users{
		"g1":      {ID: "g1", IsGuest: true},
		"g2":      {ID: "g2", IsGuest: true},
		"veteran": {ID: "veteran", CreatedAt: now.Add(-48 * time.Hour)},
	}
	used := map[string]bool{}
	ch := fairplay.NewChallenges([]byte("k"), func(_ context.Context, id string, _ time.Time) (bool, error) {
		first := !used[id]
		used[id] = true
		return first, nil
	})
	st := &store{}
	svc := placing.New(placing.Options{
		Config: cfg, Placer: st, Users: us, Now: func() time.Time { return now },
		AddressBudget: placing.AddressBudget{EarnAfter: 24 * time.Hour},
		Challenge:     placing.ChallengeRule{Challenges: ch, BaseBits: 6},
	})
	ip := netip.MustParseAddr("203.0.113.9")
	attempt := func(user, proof string) error {
		_, _, err := svc.Place(context.Background(), placing.Attempt{UserID: user, IP: ip, X: 1, Y: 1, Color: 1, At: now, Proof: proof})
		return err
	}
	if _, ok := svc.ChallengeFor("g1", ip); ok {
		t.Fatal("a lone player is offered a challenge")
	}
	if err := attempt("g1", ""); err != nil {
		t.Fatalf("a lone player: %v", err)
	}
	c, ok := svc.ChallengeFor("g2", ip)
	if !ok || c.Bits != 6 {
		t.Fatalf("the second identity's challenge: %+v %v, want 6 bits", c, ok)
	}
	placed := len(st.placed)
	if err := attempt("g2", ""); place.ErrorCode(err) != place.ECHALLENGE {
		t.Fatalf("the second identity without a proof: %v", err)
	}
	if len(st.placed) != placed {
		t.Fatal("a refused challenge reached the store")
	}
	proof, _ := fairplay.Solve(context.Background(), c)
	if err := attempt("g2", proof); err != nil {
		t.Fatalf("with a proof: %v", err)
	}
	if _, ok := svc.ChallengeFor("veteran", ip); ok {
		t.Fatal("an account that earned its own budget is offered a challenge")
	}
	if err := attempt("veteran", ""); err != nil {
		t.Fatalf("an account that earned its own budget: %v", err)
	}
	if err := attempt("g1", ""); place.ErrorCode(err) != place.ECHALLENGE {
		t.Fatalf("the first guest, now on a busy address: %v", err)
	}
}
