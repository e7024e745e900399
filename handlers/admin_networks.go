package handlers

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// parseBanNetwork reads an address (IPv6: its /64) or a CIDR network. Very
// wide networks are refused, as a slip of the keyboard would ban everyone.
func parseBanNetwork(v string) (netip.Prefix, error) {
	v = strings.TrimSpace(v)
	var p netip.Prefix
	if a, err := netip.ParseAddr(v); err == nil {
		a = a.Unmap()
		bits := 32
		if a.Is6() {
			bits = 64
		}
		p = netip.PrefixFrom(a, bits)
	} else if p, err = netip.ParsePrefix(v); err != nil {
		return p, place.Errorf(place.EVALIDATION, "Give an address such as 203.0.113.7 or a network such as 203.0.113.0/24.")
	}
	p = p.Masked()
	if (p.Addr().Is4() && p.Bits() < 8) || (p.Addr().Is6() && p.Bits() < 32) {
		return p, place.Errorf(place.EVALIDATION, "That network is too wide to ban (at most /8 for IPv4, /32 for IPv6).")
	}
	return p, nil
}

// adminNetworks serves GET /admin/networks.
func (s *suspectPages) adminNetworks(c echo.Context) error {
	return s.renderAdminNetworks(c, http.StatusOK, views.AdminNetworksData{Duration: "24h"})
}

func (s *suspectPages) renderAdminNetworks(c echo.Context, status int, d views.AdminNetworksData) error {
	ctx := s.ctx(c)
	bans, err := s.networks.NetworkBans(ctx, s.now())
	if err != nil {
		return err
	}
	d.User, d.Bans, d.Flash = infoOf(adminOf(c)), bans, s.sessions.PopString(ctx, keyFlash)
	return render(c, status, views.AdminNetworks(d))
}

// adminBanNetwork serves POST /admin/networks (fields network, duration,
// reason).
func (s *suspectPages) adminBanNetwork(c echo.Context) error {
	ctx := s.ctx(c)
	actor := adminOf(c)
	form := views.AdminNetworksData{Network: c.FormValue("network"), Duration: c.FormValue("duration"), Reason: strings.TrimSpace(c.FormValue("reason"))}
	network, err := parseBanNetwork(form.Network)
	d, derr := time.ParseDuration(form.Duration)
	switch {
	case err != nil:
	case derr != nil || d < time.Minute || d > 366*24*time.Hour:
		err = place.Errorf(place.EVALIDATION, "Choose how long the ban lasts (a minute to a year).")
	case form.Reason == "":
		err = place.Errorf(place.EVALIDATION, "Give a reason for the ban; it goes into the audit log.")
	case utf8.RuneCountInString(form.Reason) > maxReasonLen:
		err = place.Errorf(place.EVALIDATION, "The reason may be at most %d characters long.", maxReasonLen)
	}
	if err != nil {
		form.Error = place.ErrorMessage(err)
		return s.renderAdminNetworks(c, http.StatusBadRequest, form)
	}
	now := s.now()
	b, err := s.netBans.Add(ctx, place.NetworkBan{
		Network: network, Reason: form.Reason, ActorID: actor.ID, ActorName: actor.Username, CreatedAt: now, EndsAt: now.Add(d),
	})
	if err != nil {
		return err
	}
	until := b.EndsAt.UTC().Format("2006-01-02 15:04 UTC")
	if err := s.audit(ctx, actor, place.User{Username: network.String()}, "ban-network", form.Reason+" (until "+until+")"); err != nil {
		return err
	}
	s.sessions.Put(ctx, keyFlash, "No new players from "+network.String()+" until "+until+".")
	return c.Redirect(http.StatusSeeOther, "/admin/networks")
}

// adminLiftNetworkBan serves POST /admin/networks/{id}/lift.
func (s *suspectPages) adminLiftNetworkBan(c echo.Context) error {
	ctx := s.ctx(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return place.Errorf(place.ENOTFOUND, "No such ban in force.")
	}
	b, err := s.netBans.Lift(ctx, id, s.now())
	if err != nil {
		return err
	}
	if err := s.audit(ctx, adminOf(c), place.User{Username: b.Network.String()}, "unban-network", b.Reason); err != nil {
		return err
	}
	s.sessions.Put(ctx, keyFlash, "The ban on "+b.Network.String()+" is lifted.")
	return c.Redirect(http.StatusSeeOther, "/admin/networks")
}
