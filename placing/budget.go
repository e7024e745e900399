package placing

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// AddressBudget configures the budget that identities sharing an address
// share (docs/fairplay.md, "An address is not a crowd").
type AddressBudget struct {
	// Players is how many players' worth of placements the identities of
	// one address (IPv6: one /64) make together per cooldown; 0 turns the
	// budget off.
	Players int
	// Networks are declared networks (--network-allowance): each identity
	// there has a budget of its own.
	Networks []netip.Prefix
	// EarnAfter is the age at which a registered account has a budget of
	// its own; 0 means accounts never earn one.
	EarnAfter time.Duration
}

// earnedCacheTTL bounds how long the service remembers whether a user
// earned its own budget: a guest who registers, or an account that comes
// of age, is counted as such within this time.
const earnedCacheTTL = time.Minute

// budgets decides, for each attempt, which address budget it draws on.
type budgets struct {
	cfg   AddressBudget
	users Users
	now   func() time.Time

	mu     sync.Mutex
	earned map[string]earnedEntry
}

type earnedEntry struct {
	earned bool
	until  time.Time
}

// AddressKey is the key of an address's budget and activity:
// place.AddressOf (IPv4 as is, IPv6 per /64).
func AddressKey(ip netip.Addr) string { return "addr:" + place.AddressOf(ip) }

// of returns the budget a's placement draws on (none: an empty Key).
func (b *budgets) of(ctx context.Context, a Attempt) place.AddressBudget {
	if b == nil || b.cfg.Players <= 0 || !a.IP.IsValid() || a.UserID == "" {
		return place.AddressBudget{}
	}
	ip := a.IP.Unmap()
	for _, n := range b.cfg.Networks {
		if n.Contains(ip) {
			return place.AddressBudget{}
		}
	}
	if b.hasEarned(ctx, a.UserID) {
		return place.AddressBudget{}
	}
	return place.AddressBudget{Key: AddressKey(ip), Players: b.cfg.Players}
}

// hasEarned reports whether the user is a registered account at least
// EarnAfter old. A user that cannot be read has not (the shared budget is
// the safe side, and it is kept where the cooldowns are, so placing goes
// on while the user database is away).
func (b *budgets) hasEarned(ctx context.Context, userID string) bool {
	if b.cfg.EarnAfter <= 0 {
		return false
	}
	now := b.now()
	b.mu.Lock()
	e, ok := b.earned[userID]
	b.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.earned
	}
	u, err := b.users.UserByID(ctx, userID)
	if err != nil {
		return false
	}
	earned := !u.IsGuest && !u.CreatedAt.IsZero() && now.Sub(u.CreatedAt) >= b.cfg.EarnAfter
	b.mu.Lock()
	if len(b.earned) > 100_000 { // bounded: a crowd of ids costs no more than a lookup each
		clear(b.earned)
	}
	b.earned[userID] = earnedEntry{earned: earned, until: now.Add(earnedCacheTTL)}
	b.mu.Unlock()
	return earned
}

// countBudget records what the address budget did to one placement.
func countBudget(b place.AddressBudget, err error) {
	switch {
	case !b.Applies():
	case err == nil:
		metrics.FairPlay.WithLabelValues("address_budget", "shared").Inc()
	case place.ErrorCode(err) == place.EADDRESSBUDGET:
		metrics.FairPlay.WithLabelValues("address_budget", "refused").Inc()
	}
}
