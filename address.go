package place

import "net/netip"

// AddressOf is an address as every per-address rule counts it (identity
// limits, connection caps, throttles, the address budget): an IPv4
// address as is, an IPv6 address by its /64, which one subscriber
// usually holds whole. An unknown address is "unknown".
func AddressOf(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
