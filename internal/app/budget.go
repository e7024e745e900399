package app

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/placing"
)

// addressBudget is the placement budget of addresses: the declared networks
// of --network-allowance keep a budget per identity.
func (c Config) addressBudget() placing.AddressBudget {
	nets := make([]netip.Prefix, 0, len(c.NetworkAllowances))
	for _, a := range c.NetworkAllowances {
		nets = append(nets, a.Network)
	}
	return placing.AddressBudget{Players: c.AddressPlayers, Networks: nets, EarnAfter: c.AddressEarnAfter}
}

// challengeRule is the proof-of-work rule: challenges signed with a key
// every instance shares, each marked used once in the store's counters.
func (c Config) challengeRule(ctx context.Context, st place.Stores, cooldown func() time.Duration) (placing.ChallengeRule, error) {
	if c.ChallengeBits == 0 {
		return placing.ChallengeRule{}, nil
	}
	key, err := st.Secrets.Secret(ctx, "challenge", 32)
	if err != nil {
		return placing.ChallengeRule{}, fmt.Errorf("the challenge key: %w", err)
	}
	used := func(ctx context.Context, id string, until time.Time) (bool, error) {
		now := time.Now()
		ok, _, err := st.Counters.Take(ctx, []place.Limit{{Key: "challenge:" + id, Max: 1, Window: max(until.Sub(now), time.Second)}}, now)
		return ok, err
	}
	return placing.ChallengeRule{Challenges: fairplay.NewChallenges(key, used), BaseBits: c.ChallengeBits, Cooldown: cooldown}, nil
}
