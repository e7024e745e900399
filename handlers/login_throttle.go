package handlers

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/placecanvas/place"
)

// Failed logins are throttled with three fixed-window counters in the
// store's Counters (shared by every instance in cluster mode):
//
//   - per client IP (IPv6 per /64): stops one address from spraying guesses
//     over many accounts;
//   - per (username, IP) pair: stops one address from guessing one
//     account's password; an attacker elsewhere cannot fill this counter for
//     the real user's address, so it cannot lock them out;
//   - per username, from any address, with a short window and a higher
//     ceiling: bounds a distributed guessing attack on one account to a few
//     hundred guesses an hour. It can hold the real user out only while such
//     an attack goes on, and for at most one short window after it stops.
//
// Only wrong credentials count (not a banned user's correct password, not
// validation errors). A successful login clears the username's counters, so
// a user who finally remembers their password starts afresh; the per-IP
// counter is left alone, or a logged-in attacker could reset their budget.
const (
	loginIPLimit       = 30
	loginIPWindow      = 15 * time.Minute
	loginPairLimit     = 5
	loginPairWindow    = 15 * time.Minute
	loginAccountLimit  = 20
	loginAccountWindow = 5 * time.Minute
)

type loginKeys struct {
	ip, pair, account string
}

func newLoginKeys(username string, ip netip.Addr) loginKeys {
	name := strings.ToLower(username)
	if len(name) > 64 { // no real name is longer; keep keys small
		name = name[:64]
	}
	ipk := ipKey(ip)
	return loginKeys{
		ip:      "login-fail:ip:" + ipk,
		pair:    "login-fail:pair:" + name + "|" + ipk,
		account: "login-fail:user:" + name,
	}
}

// checkLoginThrottle returns TOO_MANY_ATTEMPTS, with the seconds until the
// latest blocking window ends, when any counter has reached its limit.
func (s *Server) checkLoginThrottle(ctx context.Context, k loginKeys) error {
	now := s.now()
	var until time.Time
	for _, c := range []struct {
		key   string
		limit int64
	}{{k.ip, loginIPLimit}, {k.pair, loginPairLimit}, {k.account, loginAccountLimit}} {
		n, end, err := s.counters.Count(ctx, c.key, now)
		if err != nil {
			return err
		}
		if n >= c.limit && end.After(until) {
			until = end
		}
	}
	if until.IsZero() {
		return nil
	}
	e := place.CooldownError(now, until)
	e.Code = place.ETOOMANYATTEMPTS
	e.Message = "Too many failed login attempts; try again in " + itoa(e.RemainingSeconds) + " seconds."
	return e
}

// recordLoginFailure counts one failed login against every counter.
func (s *Server) recordLoginFailure(ctx context.Context, k loginKeys) {
	now := s.now()
	for _, c := range []struct {
		key    string
		window time.Duration
	}{{k.ip, loginIPWindow}, {k.pair, loginPairWindow}, {k.account, loginAccountWindow}} {
		if _, _, err := s.counters.Incr(ctx, c.key, c.window, now); err != nil {
			s.log.Warn("counting a failed login", "err", err)
		}
	}
}

// clearLoginFailures forgets the username's failures after a success.
func (s *Server) clearLoginFailures(ctx context.Context, k loginKeys) {
	for _, key := range []string{k.pair, k.account} {
		if err := s.counters.Reset(ctx, key); err != nil {
			s.log.Warn("resetting login counters", "err", err)
		}
	}
}
