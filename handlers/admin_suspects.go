package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
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

// suspectKinds are the group kinds a request may name.
var suspectKinds = map[string]bool{fairplay.ByAddress: true, fairplay.ByDevice: true, fairplay.InLockstep: true}

// suspectGroups is the current list, as the views show it.
func (s *Server) suspectGroups() []views.SuspectGroup {
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
func (s *Server) adminSuspects(c echo.Context) error {
	return render(c, http.StatusOK, views.AdminSuspects(views.AdminSuspectsData{
		User: infoOf(adminOf(c)), Groups: s.suspectGroups(), Flash: s.sessions.PopString(s.ctx(c), keyFlash), At: s.now(),
	}))
}

// adminSuspectsList serves GET /admin/suspects/list: the table alone, which
// the page fetches again every few seconds.
func (s *Server) adminSuspectsList(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.SuspectTable(s.suspectGroups(), s.now()))
}

// suspectGroupParam finds the group named by kind and key.
func (s *Server) suspectGroupParam(kind, key string) (fairplay.Group, error) {
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
func (s *Server) adminSuspectGroup(c echo.Context) error {
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

func (s *Server) renderSuspectGroup(c echo.Context, status int, g fairplay.Group, d views.SuspectActionData) error {
	members, err := s.groupMembers(s.ctx(c), g.Users)
	if err != nil {
		return err
	}
	d.User, d.Group, d.Members = infoOf(adminOf(c)), suspectView(g), members
	return render(c, status, views.AdminSuspectGroup(d))
}

// groupMembers loads the users of ids (unknown ids are left out).
func (s *Server) groupMembers(ctx context.Context, ids []string) ([]place.User, error) {
	if len(ids) > maxGroupMembers {
		return nil, place.Errorf(place.EVALIDATION, "The group has %d identities; one action handles at most %d.", len(ids), maxGroupMembers)
	}
	out := make([]place.User, 0, len(ids))
	for _, id := range ids {
		u, err := s.accounts.UserByID(ctx, id)
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
func (s *Server) adminSuspectAction(c echo.Context) error {
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

// banGroup does the confirmed bulk action.
func (s *Server) banGroup(c echo.Context, ctx context.Context, actor place.User, g fairplay.Group, members []place.User, a groupAction) error {
	// The bans first, so that the group stops placing before its pixels
	// are restored.
	label := fmt.Sprintf("group of %d (%s)", len(members), g.Kind)
	now := s.now()
	bannedUsers, sessionsEnded := 0, 0
	var bannedNets []string
	var placed []place.Placement
	// detail says what was done, also when a step failed half-way (a
	// store that went away): the audit log then tells what to finish.
	detail := func() string {
		d := fmt.Sprintf("%d identities banned (%s %s)", bannedUsers, g.Kind, strings.TrimPrefix(g.Key, "addr:"))
		if len(bannedNets) > 0 {
			d += fmt.Sprintf("; %s banned until %s", strings.Join(bannedNets, ", "), now.Add(a.duration).UTC().Format("2006-01-02 15:04 UTC"))
		}
		return d + fmt.Sprintf("; %d pixels restored (placements since %s): %s", len(placed), a.since.UTC().Format(time.RFC3339), a.reason)
	}
	failed := func(err error) error {
		if bannedUsers > 0 {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if aerr := s.audit(actx, actor, place.User{Username: label}, "ban-group", "incomplete, "+detail()); aerr != nil {
				s.log.Error("audit entry of an incomplete group ban not written", "err", aerr, "detail", detail())
			}
		}
		return err
	}
	for _, u := range members {
		n, err := s.banForGroup(ctx, u, a.reason)
		if err != nil {
			return failed(err)
		}
		bannedUsers++
		sessionsEnded += n
	}
	for _, p := range a.networks {
		if _, err := s.netBans.Add(ctx, place.NetworkBan{
			Network: p, Reason: a.reason, ActorID: actor.ID, ActorName: actor.Username, CreatedAt: now, EndsAt: now.Add(a.duration),
		}); err != nil {
			return failed(err)
		}
		bannedNets = append(bannedNets, p.String())
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := s.history.WaitHistory(wctx, s.hub.Seq())
	cancel()
	if err != nil {
		return failed(err)
	}
	ids := make([]string, 0, len(members))
	for _, u := range members {
		ids = append(ids, u.ID)
	}
	plan, err := s.groupRollbackPlan(ctx, ids, a.since)
	if err != nil {
		return failed(err)
	}
	if placed, err = s.placements.Rollback(ctx, actor.ID, plan); err != nil {
		return failed(err)
	}
	if err := s.audit(ctx, actor, place.User{Username: label}, "ban-group", detail()); err != nil {
		return err
	}
	flash := fmt.Sprintf("Banned %d identities, ended %d session(s), restored %d pixel(s)", len(members), sessionsEnded, len(placed))
	if len(bannedNets) > 0 {
		flash += "; no new guests from " + strings.Join(bannedNets, ", ") + " until " + now.Add(a.duration).UTC().Format("2006-01-02 15:04 UTC")
	}
	s.sessions.Put(s.ctx(c), keyFlash, flash+".")
	return c.Redirect(http.StatusSeeOther, "/admin/suspects")
}

// banForGroup bans one identity of a group as adminBan bans one user: the
// placement ban, the browsers it used, its sessions and open sockets. It
// returns how many sessions ended.
func (s *Server) banForGroup(ctx context.Context, u place.User, reason string) (int, error) {
	if err := s.moderation.SetBan(ctx, u.ID, true, reason); err != nil {
		return 0, err
	}
	if err := s.moderation.SetBanned(ctx, u.ID, true); err != nil {
		return 0, err
	}
	if err := s.deviceLog.SyncDeviceBans(ctx, u.ID); err != nil {
		return 0, err
	}
	ended, sessErr := s.destroyUserSessions(ctx, u.ID)
	if err := s.sessionIdx.PublishKick(ctx, place.Kick{UserID: u.ID, Reason: "banned", BanMessage: banMessage(reason)}); err != nil {
		return ended, err
	}
	return ended, sessErr
}

// groupRollbackPlan is RollbackPlan for several users at once: for every
// pixel whose latest placement is one the users made at or after since, the
// color of the latest placement there that is not one of theirs (white when
// there is none). Rolling the users back one after another would not do:
// where two of them painted over each other, the first one's color would
// come back.
func (s *Server) groupRollbackPlan(ctx context.Context, users []string, since time.Time) ([]place.Pixel, error) {
	members := map[string]bool{}
	for _, u := range users {
		members[u] = true
	}
	own := func(e place.HistoryEntry) bool {
		return members[e.UserID] && !e.Rollback && !e.At.Before(since)
	}
	const page = 1000
	touched := map[[2]int]bool{}
	read := 0
	for u := range members {
		var before uint64
		for {
			entries, err := s.history.UserPlacements(ctx, u, before, page)
			if err != nil {
				return nil, err
			}
			done := len(entries) < page
			for _, e := range entries {
				if e.At.Before(since) {
					done = true
					break
				}
				if read++; read > maxGroupPlacements {
					return nil, place.Errorf(place.EVALIDATION, "The group made more than %d placements since then: choose a later time and act again.", maxGroupPlacements)
				}
				if !e.Rollback {
					touched[[2]int{e.X, e.Y}] = true
				}
			}
			if done {
				break
			}
			before = entries[len(entries)-1].Seq
		}
	}
	pixels := make([][2]int, 0, len(touched))
	for p := range touched {
		pixels = append(pixels, p)
	}
	sort.Slice(pixels, func(i, j int) bool {
		if pixels[i][1] != pixels[j][1] {
			return pixels[i][1] < pixels[j][1]
		}
		return pixels[i][0] < pixels[j][0]
	})
	var plan []place.Pixel
	for _, p := range pixels {
		color, restore, err := s.colorWithout(ctx, p[0], p[1], own)
		if err != nil {
			return nil, err
		}
		if restore {
			plan = append(plan, place.Pixel{X: p[0], Y: p[1], Color: color})
		}
	}
	return plan, nil
}

// colorWithout walks one pixel's history back: restore is false unless its
// latest placement is own; color is that of the latest that is not.
func (s *Server) colorWithout(ctx context.Context, x, y int, own func(place.HistoryEntry) bool) (color uint8, restore bool, err error) {
	const page = 100
	var before uint64
	first := true
	for {
		entries, err := s.history.PixelHistoryBefore(ctx, x, y, before, page)
		if err != nil {
			return 0, false, err
		}
		for _, e := range entries {
			if first && !own(e) {
				return 0, false, nil
			}
			first = false
			if !own(e) {
				return e.Color, true, nil
			}
		}
		if len(entries) < page {
			return 0, !first, nil
		}
		before = entries[len(entries)-1].Seq
	}
}

// planArea is the bounding box of a plan (zero for none).
func planArea(plan []place.Pixel) place.Rect {
	if len(plan) == 0 {
		return place.Rect{}
	}
	x0, y0, x1, y1 := plan[0].X, plan[0].Y, plan[0].X, plan[0].Y
	for _, p := range plan {
		x0, y0, x1, y1 = min(x0, p.X), min(y0, p.Y), max(x1, p.X), max(y1, p.Y)
	}
	return place.Rect{X: x0, Y: y0, W: x1 - x0 + 1, H: y1 - y0 + 1}
}

// dedupe returns list without repeated values, in order.
func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := list[:0:0]
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
