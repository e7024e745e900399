package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/views"
)

const (
	ctxAdmin     = "admin"
	keyFlash     = "flash"
	adminPage    = 100 // rows per page of placements and audit entries
	searchLimit  = 50
	maxReasonLen = 500
)

// adminPages are the moderators' pages of users (search, ban, rollback),
// the audit log, the canvas's size and the join code.
type adminPages struct {
	*web
	liveCanvas
	auditLog
	moderation Moderation
	history    HistoryReader
	placements *placing.Service
	bans       *userBans
	sizes      place.Sizes
	notices    Notices
	join       joinLink
}

func adminOf(c echo.Context) place.User {
	u, _ := c.Get(ctxAdmin).(place.User)
	return u
}

func infoOf(u place.User) *views.UserInfo {
	return &views.UserInfo{ID: u.ID, Username: u.Username, IsGuest: u.IsGuest, IsAdmin: u.IsAdmin}
}

// adminOverview serves GET /admin.
func (s *adminPages) adminOverview(c echo.Context) error {
	audit, err := s.moderation.AuditLog(s.ctx(c), 0, 10)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminOverview(views.AdminOverviewData{
		User: infoOf(adminOf(c)), Online: s.hub.Online(), Seq: s.hub.Seq(), Audit: audit,
	}))
}

// adminUsers serves GET /admin/users?q=.
func (s *adminPages) adminUsers(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if utf8.RuneCountInString(q) > 64 {
		return place.Errorf(place.EVALIDATION, "The search may be at most 64 characters long.")
	}
	users, err := s.moderation.SearchUsers(s.ctx(c), q, searchLimit)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminUsers(views.AdminUsersData{
		User: infoOf(adminOf(c)), Query: q, Users: users, Limit: searchLimit,
	}))
}

// targetUser loads the user named by the :id path parameter.
func (s *adminPages) targetUser(c echo.Context) (place.User, error) {
	id := c.Param("id")
	if id == "" || len(id) > 64 {
		return place.User{}, place.Errorf(place.ENOTFOUND, "No such user.")
	}
	return s.users.UserByID(s.ctx(c), id)
}

// adminUser serves GET /admin/users/{id}: the user, the moderation forms
// and their placements, newest first (?before=SEQ pages back).
func (s *adminPages) adminUser(c echo.Context) error {
	target, err := s.targetUser(c)
	if err != nil {
		return err
	}
	return s.renderAdminUser(c, http.StatusOK, target, "")
}

func (s *adminPages) renderAdminUser(c echo.Context, status int, target place.User, errMsg string) error {
	ctx := s.ctx(c)
	var before uint64
	if v, ok, err := queryParam(c, "before"); err != nil {
		return err
	} else if ok && v != "" {
		n, err := parseSeq(v)
		if err != nil {
			return place.Errorf(place.EVALIDATION, "before must be a sequence number.")
		}
		before = n
	}
	placements, err := s.history.UserPlacements(ctx, target.ID, before, adminPage)
	if err != nil {
		return err
	}
	var next uint64
	if len(placements) == adminPage {
		next = placements[len(placements)-1].Seq
	}
	return render(c, status, views.AdminUser(views.AdminUserData{
		User: infoOf(adminOf(c)), Target: target, Placements: placements, NextBefore: next,
		Flash: s.sessions.PopString(ctx, keyFlash), Error: errMsg,
		DefaultSince: s.now().Add(-time.Hour).UTC().Format(time.RFC3339),
	}))
}

// afterAction shows the user page again (Post/Redirect/Get) with a message.
func (s *adminPages) afterAction(c echo.Context, target place.User, msg string) error {
	s.sessions.Put(s.ctx(c), keyFlash, msg)
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+url.PathEscape(target.ID))
}

// actionFailed re-renders the user page with a validation message, or
// hands anything else to the error handler.
func (s *adminPages) actionFailed(c echo.Context, target place.User, err error) error {
	var e *place.Error
	if errors.As(err, &e) && e.Code == place.EVALIDATION {
		return s.renderAdminUser(c, http.StatusBadRequest, target, e.Message)
	}
	return err
}

// auditLog writes the moderators' actions to the audit log; the groups
// of the admin pages embed it.
type auditLog struct {
	entries interface {
		AddAudit(ctx context.Context, e place.AuditEntry) error
	}
	clock func() time.Time
}

func (l auditLog) audit(ctx context.Context, actor, target place.User, action, detail string) error {
	return l.entries.AddAudit(ctx, place.AuditEntry{
		At: l.clock(), ActorID: actor.ID, ActorName: actor.Username,
		Action: action, TargetID: target.ID, TargetName: target.Username, Detail: detail,
	})
}

// adminBan serves POST /admin/users/{id}/ban (field reason). The ban holds
// at once on every instance: placements are refused, the user's sessions
// (found through the per-user index) are destroyed, and a kick closes their
// sockets everywhere.
func (s *adminPages) adminBan(c echo.Context) error {
	ctx := s.ctx(c)
	actor := adminOf(c)
	target, err := s.targetUser(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	switch {
	case target.ID == actor.ID:
		err = place.Errorf(place.EVALIDATION, "You cannot ban yourself.")
	case reason == "":
		err = place.Errorf(place.EVALIDATION, "Give a reason for the ban; it goes into the audit log.")
	case utf8.RuneCountInString(reason) > maxReasonLen:
		err = place.Errorf(place.EVALIDATION, "The reason may be at most %d characters long.", maxReasonLen)
	}
	if err != nil {
		return s.actionFailed(c, target, err)
	}
	if err := s.bans.mark(ctx, target.ID, true, reason); err != nil {
		return err
	}
	// Sessions go before the kick, so that a socket that reconnects at once
	// no longer finds its session.
	ended, sessErr := s.bans.endSessions(ctx, target.ID)
	if err := s.bans.kick(ctx, target.ID, reason, ended); err != nil {
		return err
	}
	if err := s.audit(ctx, actor, target, "ban", reason); err != nil {
		return err
	}
	if sessErr != nil {
		// The ban holds regardless: a banned user's session is treated as
		// logged out on its next request.
		return sessErr
	}
	return s.afterAction(c, target, fmt.Sprintf("%s is banned; %d session(s) ended.", target.Username, len(ended)))
}

// adminUnban serves POST /admin/users/{id}/unban.
func (s *adminPages) adminUnban(c echo.Context) error {
	ctx := s.ctx(c)
	target, err := s.targetUser(c)
	if err != nil {
		return err
	}
	if !target.Banned {
		return s.afterAction(c, target, target.Username+" is not banned.")
	}
	if err := s.bans.mark(ctx, target.ID, false, ""); err != nil {
		return err
	}
	if err := s.audit(ctx, adminOf(c), target, "unban", ""); err != nil {
		return err
	}
	return s.afterAction(c, target, target.Username+" is no longer banned.")
}

// parseSince reads the rollback time: RFC 3339, or the zone-less form a
// datetime-local input sends, taken as UTC.
func parseSince(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, place.Errorf(place.EVALIDATION, "since must be a time such as 2024-05-01T12:00:00Z (RFC 3339).")
}

// adminRollback serves POST /admin/users/{id}/rollback (field since). The
// first POST shows how many pixels would change; the POST with confirm=1
// from that page does it. The plan is made afresh on confirmation, so
// placements made in between are taken into account.
func (s *adminPages) adminRollback(c echo.Context) error {
	ctx := s.ctx(c)
	actor := adminOf(c)
	target, err := s.targetUser(c)
	if err != nil {
		return err
	}
	since, err := parseSince(c.FormValue("since"))
	if err != nil {
		return s.actionFailed(c, target, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = s.history.WaitHistory(wctx, s.hub.Seq())
	cancel()
	if err != nil {
		return err
	}
	plan, err := s.history.RollbackPlan(ctx, target.ID, since)
	if err != nil {
		return err
	}
	sinceText := since.UTC().Format(time.RFC3339Nano)
	if c.FormValue("confirm") != "1" {
		canvas, sz, _ := s.hub.SizedCanvas()
		preview := make([]views.RollbackPixel, 0, min(len(plan), adminPage))
		for _, px := range plan[:min(len(plan), adminPage)] {
			preview = append(preview, views.RollbackPixel{X: px.X, Y: px.Y, From: int(canvas[px.Y*sz.Width+px.X]), To: int(px.Color)})
		}
		return render(c, http.StatusOK, views.AdminRollback(views.AdminRollbackData{
			User: infoOf(actor), Target: target, Since: sinceText, Count: len(plan), Pixels: preview,
		}))
	}
	placed, err := s.placements.Rollback(ctx, actor.ID, plan)
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("%d pixels restored (placements since %s)", len(placed), sinceText)
	if err := s.audit(ctx, actor, target, "rollback", detail); err != nil {
		return err
	}
	return s.afterAction(c, target, fmt.Sprintf("Rolled back %s: %s.", target.Username, detail))
}

// adminAudit serves GET /admin/audit (?before=ID pages back).
func (s *adminPages) adminAudit(c echo.Context) error {
	var before int64
	if v, ok, err := queryParam(c, "before"); err != nil {
		return err
	} else if ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return place.Errorf(place.EVALIDATION, "before must be a positive audit entry id.")
		}
		before = n
	}
	entries, err := s.moderation.AuditLog(s.ctx(c), before, adminPage)
	if err != nil {
		return err
	}
	var next int64
	if len(entries) == adminPage {
		next = entries[len(entries)-1].ID
	}
	return render(c, http.StatusOK, views.AdminAudit(views.AdminAuditData{User: infoOf(adminOf(c)), Entries: entries, NextBefore: next}))
}
