package handlers

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
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

// identityLimit is the number of new identities (guests and accounts) an
// address may make per hour: the allowance of the most specific network
// that holds it, or the server-wide limit. 0 means no limit.
func (s *Server) identityLimit(ip netip.Addr) int {
	limit, bits := s.guestLimit(), -1
	for _, a := range s.opts.NetworkAllowances {
		if a.Network.Contains(ip) && a.Network.Bits() > bits {
			limit, bits = a.Limit, a.Network.Bits()
		}
	}
	return limit
}
