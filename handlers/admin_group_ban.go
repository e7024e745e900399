package handlers

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
)

// banGroup does the confirmed bulk action.
func (s *suspectPages) banGroup(c echo.Context, ctx context.Context, actor place.User, g fairplay.Group, members []place.User, a groupAction) error {
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
		n, err := s.bans.ban(ctx, u.ID, a.reason)
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

// groupRollbackPlan is RollbackPlan for several users at once: for every
// pixel whose latest placement is one the users made at or after since, the
// color of the latest placement there that is not one of theirs (white when
// there is none). Rolling the users back one after another would not do:
// where two of them painted over each other, the first one's color would
// come back.
func (s *suspectPages) groupRollbackPlan(ctx context.Context, users []string, since time.Time) ([]place.Pixel, error) {
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
func (s *suspectPages) colorWithout(ctx context.Context, x, y int, own func(place.HistoryEntry) bool) (color uint8, restore bool, err error) {
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
