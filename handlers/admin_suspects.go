package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/netbans"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/views"
)

const (
	// suspectGroupsShown bounds the groups listed (largest first).
	suspectGroupsShown = 50
	// maxGroupMembers bounds the identities one bulk action bans.
	maxGroupMembers = 500
	// maxGroupPlacements bounds the placements one bulk rollback reads
	// (with one pixel history read per pixel they touched).
	maxGroupPlacements = 20_000
	// groupActionTimeout bounds a preview or a bulk action.
	groupActionTimeout = 30 * time.Second
)

// suspectPages are the moderators' pages of suspect groups (identities
// that share an address or a device, or place in lockstep) with their bulk
// action, and of the network bans.
type suspectPages struct {
	*web
	auditLog
	hub        *realtime.Hub
	placements *placing.Service
	history    HistoryReader
	bans       *userBans
	netBans    *netbans.List
	networks   NetworkBanList
}

// suspectKinds are the group kinds a request may name.
var suspectKinds = map[string]bool{fairplay.ByAddress: true, fairplay.ByDevice: true, fairplay.InLockstep: true}

// suspectGroups is the current list, as the views show it.
func (s *suspectPages) suspectGroups() []views.SuspectGroup {
	groups := s.placements.Recent().Groups(s.now())
	out := make([]views.SuspectGroup, 0, min(len(groups), suspectGroupsShown))
	for _, g := range groups[:min(len(groups), suspectGroupsShown)] {
		out = append(out, suspectView(g))
	}
	return out
}

func suspectView(g fairplay.Group) views.SuspectGroup {
	return views.SuspectGroup{
		Kind: g.Kind, Key: g.Key, Size: len(g.Users), Placements: g.Count, Addresses: addressNames(g.Addrs),
		Area: place.Rect{X: g.MinX, Y: g.MinY, W: g.MaxX - g.MinX + 1, H: g.MaxY - g.MinY + 1}, Last: g.Last,
	}
}

// addressNames turns address keys (placing.AddressKey) into what a
// moderator reads and bans: 203.0.113.7, or 2001:db8::/64.
func addressNames(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, strings.TrimPrefix(k, "addr:"))
	}
	return out
}

// adminSuspects serves GET /admin/suspects: the groups of identities that
// share an address or a device or place in lockstep, from the placements
// this instance accepted in the last hour.
func (s *suspectPages) adminSuspects(c echo.Context) error {
	return render(c, http.StatusOK, views.AdminSuspects(views.AdminSuspectsData{
		User: infoOf(adminOf(c)), Groups: s.suspectGroups(), Flash: s.sessions.PopString(s.ctx(c), keyFlash), At: s.now(),
	}))
}

// adminSuspectsList serves GET /admin/suspects/list: the table alone, which
// the page fetches again every few seconds.
func (s *suspectPages) adminSuspectsList(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.SuspectTable(s.suspectGroups(), s.now()))
}

// suspectGroupParam finds the group named by kind and key.
func (s *suspectPages) suspectGroupParam(kind, key string) (fairplay.Group, error) {
	if !suspectKinds[kind] || key == "" || len(key) > 128 {
		return fairplay.Group{}, place.Errorf(place.ENOTFOUND, "No such group: choose one from the list of suspects.")
	}
	g, ok := s.placements.Recent().Find(kind, key, s.now())
	if !ok {
		return g, place.Errorf(place.ENOTFOUND, "That group placed nothing in the last hour (or not through this server).")
	}
	return g, nil
}

// adminSuspectGroup serves GET /admin/suspects/group?kind=&key=: the
// group's identities and the form of the bulk action.
func (s *suspectPages) adminSuspectGroup(c echo.Context) error {
	kind, _, err := queryParam(c, "kind")
	if err != nil {
		return err
	}
	key, _, err := queryParam(c, "key")
	if err != nil {
		return err
	}
	g, err := s.suspectGroupParam(kind, key)
	if err != nil {
		return err
	}
	d := views.SuspectActionData{Duration: "24h", Since: s.now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)}
	return s.renderSuspectGroup(c, http.StatusOK, g, d)
}

func (s *suspectPages) renderSuspectGroup(c echo.Context, status int, g fairplay.Group, d views.SuspectActionData) error {
	members, err := s.groupMembers(s.ctx(c), g.Users)
	if err != nil {
		return err
	}
	d.User, d.Group, d.Members = infoOf(adminOf(c)), suspectView(g), members
	return render(c, status, views.AdminSuspectGroup(d))
}

// groupMembers loads the users of ids (unknown ids are left out).
func (s *suspectPages) groupMembers(ctx context.Context, ids []string) ([]place.User, error) {
	if len(ids) > maxGroupMembers {
		return nil, place.Errorf(place.EVALIDATION, "The group has %d identities; one action handles at most %d.", len(ids), maxGroupMembers)
	}
	out := make([]place.User, 0, len(ids))
	for _, id := range ids {
		u, err := s.users.UserByID(ctx, id)
		if place.ErrorCode(err) == place.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// groupAction is a bulk action as the form gives it.
type groupAction struct {
	reason   string
	duration time.Duration // of the address ban; 0: none
	since    time.Time
	networks []netip.Prefix
}

// parseGroupAction validates the form of the bulk action.
func parseGroupAction(c echo.Context, addrs []string) (groupAction, views.SuspectActionData, error) {
	d := views.SuspectActionData{Reason: strings.TrimSpace(c.FormValue("reason")), Duration: c.FormValue("duration"), Since: c.FormValue("since")}
	var a groupAction
	a.reason = d.Reason
	since, err := parseSince(d.Since)
	if err != nil {
		return a, d, err
	}
	a.since = since
	if d.Duration != "0" {
		a.duration, err = time.ParseDuration(d.Duration)
		if err != nil || a.duration < time.Minute || a.duration > 366*24*time.Hour {
			return a, d, place.Errorf(place.EVALIDATION, "Choose how long the address ban lasts (a minute to a year), or no address ban.")
		}
		for _, v := range addrs {
			p, err := parseBanNetwork(v)
			if err != nil {
				return a, d, err
			}
			a.networks = append(a.networks, p)
		}
	}
	switch {
	case a.reason == "":
		return a, d, place.Errorf(place.EVALIDATION, "Give a reason for the ban; it goes into the audit log.")
	case utf8.RuneCountInString(a.reason) > maxReasonLen:
		return a, d, place.Errorf(place.EVALIDATION, "The reason may be at most %d characters long.", maxReasonLen)
	}
	return a, d, nil
}

// adminSuspectAction serves POST /admin/suspects/group (fields kind, key,
// reason, duration, since). Without confirm=1 it shows what the action
// would do; with it (from that page, which carries the identities and the
// addresses it showed, so that any instance can do it) it bans every
// identity, bans the addresses for the chosen time, rolls back their
// placements since the chosen time, restoring what was under each, and
// writes one audit entry.
func (s *suspectPages) adminSuspectAction(c echo.Context) error {
	ctx, cancel := context.WithTimeout(s.ctx(c), groupActionTimeout)
	defer cancel()
	actor := adminOf(c)
	kind, key := c.FormValue("kind"), c.FormValue("key")
	if !suspectKinds[kind] || key == "" || len(key) > 128 {
		return place.Errorf(place.ENOTFOUND, "No such group: choose one from the list of suspects.")
	}
	form, err := c.FormParams()
	if err != nil {
		return place.Errorf(place.EVALIDATION, "The form could not be read.")
	}
	confirm := c.FormValue("confirm") == "1"
	var g fairplay.Group
	if confirm {
		g = fairplay.Group{Kind: kind, Key: key, Users: dedupe(form["user"]), Addrs: dedupe(form["address"])}
		if len(g.Users) == 0 || len(g.Users) > maxGroupMembers || len(g.Addrs) > maxGroupMembers {
			return place.Errorf(place.EVALIDATION, "Preview the action again: the confirmation names no identities, or too many.")
		}
	} else if g, err = s.suspectGroupParam(kind, key); err != nil {
		return err
	}
	addrs := g.Addrs
	if !confirm {
		addrs = addressNames(g.Addrs)
	}
	a, d, err := parseGroupAction(c, addrs)
	if err == nil && contains(g.Users, actor.ID) {
		err = place.Errorf(place.EVALIDATION, "You are in this group: you cannot ban yourself.")
	}
	if err != nil {
		var e *place.Error
		if !confirm && errors.As(err, &e) && e.Code == place.EVALIDATION {
			d.Error = e.Message
			return s.renderSuspectGroup(c, http.StatusBadRequest, g, d)
		}
		return err
	}
	members, err := s.groupMembers(ctx, g.Users)
	if err != nil {
		return err
	}
	if len(members) == 0 {
		return place.Errorf(place.EVALIDATION, "None of the group's identities exists any more.")
	}
	// The plan is made here to refuse a rollback too large before
	// anything changes, and made again after the bans (below), so that
	// placements made in between are undone too.
	plan, err := s.groupRollbackPlan(ctx, g.Users, a.since)
	if err != nil {
		return err
	}
	if !confirm {
		d.User, d.Group, d.Members, d.Preview = infoOf(actor), suspectView(g), members, true
		d.Addresses = addrs
		d.Restore, d.RestoreArea = len(plan), planArea(plan)
		return render(c, http.StatusOK, views.AdminSuspectGroup(d))
	}
	return s.banGroup(c, ctx, actor, g, members, a)
}
