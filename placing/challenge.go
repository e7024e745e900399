package placing

import (
	"context"
	"net/netip"
	"time"

	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/metrics"
)

// ChallengeRule configures the proof-of-work challenge (docs/fairplay.md).
type ChallengeRule struct {
	// Challenges issues and checks challenges; nil turns the rule off.
	Challenges *fairplay.Challenges
	// BaseBits is the difficulty for two identities on one address (see
	// fairplay.Bits); 0 turns the rule off.
	BaseBits int
	// Cooldown is the live cooldown: identities that attempted within two
	// of them (at least 10 s) count as active on their address.
	Cooldown func() time.Duration
}

type challenges struct {
	cfg      ChallengeRule
	activity *fairplay.Activity
}

func (c *challenges) on() bool {
	return c != nil && c.cfg.Challenges != nil && c.cfg.BaseBits > 0
}

func (c *challenges) window() time.Duration {
	cd := time.Duration(0)
	if c.cfg.Cooldown != nil {
		cd = c.cfg.Cooldown()
	}
	return max(2*cd, 10*time.Second)
}

// check records the attempt's identity on its address and, when the
// address runs more than one, verifies the attempt's proof.
func (c *challenges) check(ctx context.Context, a Attempt) error {
	if !c.on() || !a.IP.IsValid() || a.UserID == "" {
		return nil
	}
	n := c.activity.Seen(AddressKey(a.IP), a.UserID, a.At, c.window())
	required := fairplay.Bits(c.cfg.BaseBits, n)
	if required == 0 {
		return nil
	}
	if err := c.cfg.Challenges.Verify(ctx, a.Proof, a.UserID, required, a.At); err != nil {
		metrics.FairPlay.WithLabelValues("challenge", "refused").Inc()
		return err
	}
	metrics.FairPlay.WithLabelValues("challenge", "solved").Inc()
	return nil
}

// ChallengeFor returns the challenge the player's next placement needs,
// if any: none for a lone player on a quiet address, nor for an account
// that earned its own budget (see AddressBudget.EarnAfter).
func (s *Service) ChallengeFor(userID string, ip netip.Addr) (fairplay.Challenge, bool) {
	c := s.challenges
	if !c.on() || !ip.IsValid() || userID == "" {
		return fairplay.Challenge{}, false
	}
	// The account's age is usually cached by the placement just made; a
	// user database that does not answer at once counts as not earned.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	earned := s.budgets.hasEarned(ctx, userID)
	cancel()
	if earned {
		return fairplay.Challenge{}, false
	}
	now := s.now()
	bits := fairplay.Bits(c.cfg.BaseBits, c.activity.Count(AddressKey(ip), userID, now, c.window()))
	if bits == 0 {
		return fairplay.Challenge{}, false
	}
	metrics.FairPlay.WithLabelValues("challenge", "issued").Inc()
	return c.cfg.Challenges.Issue(userID, bits, now), true
}
