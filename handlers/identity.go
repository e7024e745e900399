package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/netbans"
)

// NetworkAllowance gives every client address (IPv6: /64) in a network its
// own limit of new identities per hour, instead of the server-wide one: a
// school's or a conference's NAT, where many people share one address.
type NetworkAllowance struct {
	Network netip.Prefix
	Limit   int // new identities per address per hour; 0: no limit
}

// ParseNetworkAllowances reads a comma-separated list of CIDR=limit pairs,
// e.g. "10.0.0.0/8=500,203.0.113.7/32=300". A bare address means that one
// address.
func ParseNetworkAllowances(v string) ([]NetworkAllowance, error) {
	var out []NetworkAllowance
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		network, limit, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("network allowance %q must be CIDR=limit, e.g. 10.0.0.0/8=500", item)
		}
		n, err := strconv.Atoi(strings.TrimSpace(limit))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("network allowance %q: the limit must be a whole number, 0 or more", item)
		}
		network = strings.TrimSpace(network)
		if !strings.Contains(network, "/") {
			a, err := netip.ParseAddr(network)
			if err != nil {
				return nil, fmt.Errorf("network allowance %q: bad address", item)
			}
			network = netip.PrefixFrom(a, a.BitLen()).String()
		}
		p, err := netip.ParsePrefix(network)
		if err != nil {
			return nil, fmt.Errorf("network allowance %q: bad network", item)
		}
		out = append(out, NetworkAllowance{Network: p.Masked(), Limit: n})
	}
	return out, nil
}

// identities makes new identities (guests, and the sessions bound to
// them) under the rules that bound them: no new identity from a banned
// network, and at most so many per client address per hour.
type identities struct {
	*web
	guests interface {
		CreateGuest(ctx context.Context, now time.Time) (place.User, error)
	}
	counters   place.Counters
	netBans    *netbans.List
	live       *event.Live // its settings' limit wins over guestLimit
	guestLimit int
	allowances []NetworkAllowance
}

// newGuest creates a guest user for a request without one, unless its
// network is banned, within the per-address limit of new identities.
func (s *identities) newGuest(ctx context.Context, r *http.Request) (place.User, error) {
	if err := s.refuseBannedNetwork(ctx, r); err != nil {
		return place.User{}, err
	}
	if err := s.countNewIdentity(ctx, r); err != nil {
		return place.User{}, err
	}
	return s.guests.CreateGuest(ctx, s.now())
}

// newGuestSession makes a guest for a visitor without a session and binds
// it to a new session token.
func (s *identities) newGuestSession(ctx context.Context, c echo.Context) (place.User, error) {
	u, err := s.newGuest(ctx, c.Request())
	if err != nil {
		return u, err
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return u, err
	}
	_, _, err = s.bindSession(ctx, u.ID)
	return u, err
}

// countNewIdentity applies --identity-limit (and --network-allowance):
// every new identity made from an address counts, a guest or an account,
// so that neither clearing cookies nor registering account after account
// beats the cooldown.
func (s *identities) countNewIdentity(ctx context.Context, r *http.Request) error {
	ip := s.clientIP(r)
	limit := s.identityLimit(ip)
	if limit <= 0 {
		return nil
	}
	n, end, err := s.counters.Incr(ctx, "identities:"+ipKey(ip), time.Hour, s.now())
	if err != nil {
		return err
	}
	if n > int64(limit) {
		e := place.CooldownError(s.now(), end)
		e.Message = "Too many new players from your network in the last hour; log in to an existing account, or try again in " + inWords(e.RemainingSeconds) + "."
		return e
	}
	return nil
}

// identityLimit is the number of new identities (guests and accounts) an
// address may make per hour: the allowance of the most specific network
// that holds it, or the server-wide limit. 0 means no limit.
func (s *identities) identityLimit(ip netip.Addr) int {
	limit, bits := s.liveGuestLimit(), -1
	for _, a := range s.allowances {
		if a.Network.Contains(ip) && a.Network.Bits() > bits {
			limit, bits = a.Limit, a.Network.Bits()
		}
	}
	return limit
}

// liveGuestLimit is the live limit of new identities per address per hour.
func (s *identities) liveGuestLimit() int {
	if s.live != nil {
		return s.live.Settings().GuestLimit
	}
	return s.guestLimit
}

// refuseBannedNetwork answers BANNED when the request comes from a banned
// address or network: no new guests or accounts are made from it.
func (s *identities) refuseBannedNetwork(ctx context.Context, r *http.Request) error {
	b, ok := s.netBans.Banned(ctx, s.clientIP(r))
	if !ok {
		return nil
	}
	msg := "New players from your network are banned until " + b.EndsAt.UTC().Format("2006-01-02 15:04 UTC")
	if b.Reason != "" {
		msg += " (" + b.Reason + ")"
	}
	return place.Errorf(place.EBANNED, "%s. Registered players may still log in.", msg)
}
