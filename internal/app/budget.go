package app

import (
	"net/netip"

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
