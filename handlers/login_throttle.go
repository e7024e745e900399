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
// Every attempt is counted before its password is checked, in one atomic
// step with the check of the limits (Counters.Take), so that N concurrent
// guesses count as N; a correct password then takes its count back. So
// only wrong credentials (and attempts that failed for another reason
// before the check) stay counted. A successful login clears the username's
// counters, so a user who finally remembers their password starts afresh;
// the per-IP counter only gets the one attempt back, or a logged-in
// attacker could reset their budget.
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

// takeLoginAttempt counts one attempt against every counter, or returns
// TOO_MANY_ATTEMPTS, with the seconds until the latest blocking window
// ends, when any counter is full (and then counts nothing).
func (s *accountPages) takeLoginAttempt(ctx context.Context, k loginKeys) error {
	now := s.now()
	ok, until, err := s.counters.Take(ctx, []place.Limit{
		{Key: k.ip, Max: loginIPLimit, Window: loginIPWindow},
		{Key: k.pair, Max: loginPairLimit, Window: loginPairWindow},
		{Key: k.account, Max: loginAccountLimit, Window: loginAccountWindow},
	}, now)
	if err != nil || ok {
		return err
	}
	e := place.CooldownError(now, until)
	e.Code = place.ETOOMANYATTEMPTS
	e.Message = "Too many failed login attempts; try again in " + itoa(e.RemainingSeconds) + " seconds."
	return e
}

// giveBackLoginAttempt uncounts an attempt whose password was never
// checked (the store or the password check was unavailable).
func (s *accountPages) giveBackLoginAttempt(ctx context.Context, k loginKeys) {
	for _, key := range []string{k.ip, k.pair, k.account} {
		if err := s.counters.Give(ctx, key); err != nil {
			s.log.Warn("giving back a login attempt", "err", err)
		}
	}
}

// loginSucceeded forgets the username's failures after a correct password
// and gives the address its one attempt back.
func (s *accountPages) loginSucceeded(ctx context.Context, k loginKeys) {
	for _, key := range []string{k.pair, k.account} {
		if err := s.counters.Reset(ctx, key); err != nil {
			s.log.Warn("resetting login counters", "err", err)
		}
	}
	if err := s.counters.Give(ctx, k.ip); err != nil {
		s.log.Warn("giving back a login attempt", "err", err)
	}
}
