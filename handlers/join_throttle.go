package handlers

import (
	"context"
	"net/netip"
	"time"

	"github.com/placecanvas/place"
)

// Wrong join codes are throttled like failed logins (login_throttle.go),
// with fixed-window counters in the store's Counters (shared by every
// instance in cluster mode):
//
//   - per client address (IPv6 per /64): a room of players behind one
//     address may mistype the code now and then, an address guessing it
//     may not;
//   - per player (the session's user): a guesser who rotates addresses
//     but keeps the session meets this one.
//
// Every attempt is counted before the code is compared, in one atomic step
// with the check of the limits, so N concurrent guesses count as N; a
// correct code then takes its counts back. While a counter is full every
// attempt of its address or player is refused, the correct code too:
// otherwise the refusal would tell a right guess from a wrong one.
const (
	joinIPLimit      = 30
	joinPlayerLimit  = 10
	joinFailedWindow = 10 * time.Minute
)

// joinKeys are the counters of one join attempt; player is empty for a
// visitor without a session.
func joinKeys(ip netip.Addr, userID string) []string {
	keys := []string{"join-fail:ip:" + ipKey(ip)}
	if userID != "" {
		keys = append(keys, "join-fail:user:"+userID)
	}
	return keys
}

// checkJoinCode counts one attempt of code against the throttle, then
// compares it with the current join code: a wrong code stays counted and
// is refused with JOIN_CODE_REQUIRED; a full counter refuses the attempt
// with TOO_MANY_ATTEMPTS and the seconds until its window ends.
func (s *accountPages) checkJoinCode(ctx context.Context, keys []string, code string) error {
	limits := []place.Limit{{Key: keys[0], Max: joinIPLimit, Window: joinFailedWindow}}
	for _, k := range keys[1:] {
		limits = append(limits, place.Limit{Key: k, Max: joinPlayerLimit, Window: joinFailedWindow})
	}
	now := s.now()
	ok, until, err := s.counters.Take(ctx, limits, now)
	if err != nil {
		return err
	}
	if !ok {
		e := place.CooldownError(now, until)
		e.Code = place.ETOOMANYATTEMPTS
		e.Message = "Too many wrong join codes; try again in " + inWords(e.RemainingSeconds) + ", or scan the QR code on the screen."
		return e
	}
	if code != s.join.code().Code {
		return place.Errorf(place.EJOINCODE, "This join code is not valid (it may have been replaced). Ask the organiser for the current one.")
	}
	for _, k := range keys {
		if err := s.counters.Give(ctx, k); err != nil {
			s.log.Warn("giving back a join attempt", "err", err)
		}
	}
	return nil
}
