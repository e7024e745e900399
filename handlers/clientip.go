package handlers

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/placecanvas/place"
)

// clientNet tells who a request comes from: its client address behind
// the trusted proxies, and whether its origin is this site's.
type clientNet struct {
	trustedProxies []netip.Prefix
	origins        map[string]bool // allowed origins besides the site's own
}

func newClientNet(trusted []netip.Prefix, allowed []string) clientNet {
	n := clientNet{trustedProxies: trusted, origins: make(map[string]bool)}
	for _, o := range allowed {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			n.origins[strings.ToLower(o)] = true
		}
	}
	return n
}

// clientIP returns the client address: the socket's address,
// unless it is a trusted proxy; then the right-most X-Forwarded-For entry
// that is not itself a trusted proxy.
func (s clientNet) clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	addr = addr.Unmap()
	if !s.trusted(addr) {
		return addr
	}
	hops := r.Header.Values("X-Forwarded-For")
	var entries []string
	for _, h := range hops {
		entries = append(entries, strings.Split(h, ",")...)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(entries[i]))
		if err != nil {
			return addr // a garbled entry: stop at the last hop we can vouch for
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a
		}
		addr = a
	}
	return addr
}

func (s clientNet) trusted(a netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ipKey is the rate-limit key of an address: place.AddressOf.
func ipKey(a netip.Addr) string { return place.AddressOf(a) }

// isSecure reports whether the request reached the site over TLS, directly
// or through a trusted proxy.
func (s clientNet) isSecure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if a, err := netip.ParseAddr(host); err == nil && s.trusted(a.Unmap()) {
		return strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
	}
	return false
}

// originAllowed reports whether an Origin header names this site (by Host) or
// one of the allowed origins.
func (s clientNet) originAllowed(r *http.Request, origin string) bool {
	origin = strings.ToLower(strings.TrimRight(origin, "/"))
	if s.origins[origin] {
		return true
	}
	scheme := "http"
	if s.isSecure(r) {
		scheme = "https"
	}
	return origin == scheme+"://"+strings.ToLower(r.Host)
}
