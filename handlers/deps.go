package handlers

import (
	"context"
	"time"

	"github.com/placecanvas/place"
)

// The handlers depend on these small interfaces, each named for what it is
// used for, rather than on every role of place.Stores (Options.UseStores
// fills them from a mode's stores; userRoles and sessionRoles join the
// roles that one of them spans). Where a role of package place is already
// what the handlers use (place.Counters, place.Secrets, place.Devices,
// place.Sizes, place.Archive, place.StatsReader), the Options take it as it
// is.

// HistoryReader reads stored placements for the history pages, the live
// panels and the rollback plan.
type HistoryReader interface {
	PixelHistory(ctx context.Context, x, y, limit int) ([]place.HistoryEntry, error)
	PixelHistoryBefore(ctx context.Context, x, y int, before uint64, limit int) ([]place.HistoryEntry, error)
	RecentPlacements(ctx context.Context, before uint64, limit int) ([]place.HistoryEntry, error)
	UserPlacements(ctx context.Context, userID string, before uint64, limit int) ([]place.HistoryEntry, error)
	RollbackPlan(ctx context.Context, userID string, since time.Time) ([]place.Pixel, error)
	WaitHistory(ctx context.Context, seq uint64) error
}

// Accounts finds and creates users: guests, registrations, logins, and the
// cooldown a guest carries into the account it logs in to.
type Accounts interface {
	CreateGuest(ctx context.Context, now time.Time) (place.User, error)
	UserByID(ctx context.Context, id string) (place.User, error)
	UserByName(ctx context.Context, name string) (place.User, error)
	CreateAccount(ctx context.Context, username string, passwordHash []byte, now time.Time) (place.User, error)
	UpgradeGuest(ctx context.Context, guestID, username string, passwordHash []byte) (place.User, error)
	CooldownUntil(ctx context.Context, userID string) (time.Time, error)
	SetCooldownUntil(ctx context.Context, userID string, until time.Time) error
}

// UserFinder looks users up by id (the session's user) and by name (an
// area rollback of one player).
type UserFinder interface {
	UserByID(ctx context.Context, id string) (place.User, error)
	UserByName(ctx context.Context, name string) (place.User, error)
}

// Moderation is what the admin pages change and read besides history:
// bans, the user search and the audit log.
type Moderation interface {
	SearchUsers(ctx context.Context, q string, limit int) ([]place.User, error)
	SetBan(ctx context.Context, userID string, banned bool, reason string) error
	SetBanned(ctx context.Context, userID string, banned bool) error
	AddAudit(ctx context.Context, e place.AuditEntry) error
	AuditLog(ctx context.Context, before int64, limit int) ([]place.AuditEntry, error)
}

// Sessions keeps the session data, the index of each user's sessions, and
// the kicks that close a session's sockets on every instance.
type Sessions interface {
	place.SessionIndex
	PublishKick(ctx context.Context, k place.Kick) error
	Sessions() place.SessionStore
}

// Health reports whether the backing services are reachable.
type Health interface {
	Ready(ctx context.Context) error
}

// Notices tells every instance of a change made here (a canvas growth).
type Notices interface {
	PublishNotice(ctx context.Context, n place.Notice) error
}

// NetworkBanList lists the network bans in force, for the moderators' page
// (the cached list that the rules read is a netbans.List).
type NetworkBanList interface {
	NetworkBans(ctx context.Context, now time.Time) ([]place.NetworkBan, error)
}

// EventAssets are the stored parts of an event that the pages read and
// change besides its live state: templates, the final image, and the
// rollback plan of an area.
type EventAssets interface {
	FinalImage(ctx context.Context) (time.Time, []byte, error)
	Templates(ctx context.Context) ([]place.Template, error)
	Template(ctx context.Context, id int64) (place.Template, error)
	AddTemplate(ctx context.Context, t place.Template) (place.Template, error)
	DeleteTemplate(ctx context.Context, id int64) (place.Template, error)
	AreaRollbackPlan(ctx context.Context, r place.Rect, since time.Time, userID string) ([]place.Pixel, error)
}

// userRoles joins the users and the placement cooldowns and bans: what
// Accounts and Moderation span.
type userRoles struct {
	place.Users
	place.Placer
}

// sessionRoles joins the session index, the kicks and the session data:
// what Sessions spans.
type sessionRoles struct {
	place.SessionIndex
	place.Kicks
	store place.SessionStore
}

// Sessions returns the session data.
func (r sessionRoles) Sessions() place.SessionStore { return r.store }

// UseStores sets every store role of the options from a mode's stores.
func (o *Options) UseStores(st place.Stores) {
	users := userRoles{st.Users, st.Placer}
	o.History, o.Accounts, o.Users, o.Moderation = st.History, users, st.Users, users
	o.Sessions = sessionRoles{st.SessionIndex, st.Kicks, st.Sessions}
	o.Counters, o.Health, o.Secrets, o.Devices = st.Counters, st.Health, st.Secrets, st.Devices
	o.NetworkBanList, o.Sizes, o.Notices = st.NetworkBans, st.Sizes, st.Notices
	if st.Events != nil {
		o.Events = st.Events
	}
	if st.Factions != nil {
		o.Names = st.Factions
	}
}
