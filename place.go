// Package place holds the domain of the place canvas: the rules of a
// placement, the error vocabulary, and the interfaces that the embedded
// (memory + SQLite) and cluster (Redis + PostgreSQL) stores implement.
package place

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// MaxSide is the largest width or height a canvas may have.
const MaxSide = 4096

// Config holds the canvas rules of docs/protocol.md ("Canvas rules").
type Config struct {
	Width    int
	Height   int
	Cooldown time.Duration
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if c.Width < 1 || c.Width > MaxSide || c.Height < 1 || c.Height > MaxSide {
		return Errorf(EVALIDATION, "canvas size must be between 1x1 and %dx%d, got %dx%d", MaxSide, MaxSide, c.Width, c.Height)
	}
	if c.Cooldown < 0 {
		return Errorf(EVALIDATION, "cooldown must not be negative")
	}
	return nil
}

// CheckPixel applies the coordinate and color checks, in this order (see
// docs/protocol.md, "Errors").
func (c Config) CheckPixel(x, y, color int) error {
	if x < 0 || x >= c.Width || y < 0 || y >= c.Height {
		return c.CoordsError()
	}
	if color < 0 || color >= ColorCount {
		return ColorError()
	}
	return nil
}

// CoordsError is the INVALID_COORDS error of this canvas.
func (c Config) CoordsError() *Error {
	return Errorf(EINVALIDCOORDS, "Coordinates must be within 0..%d, 0..%d.", c.Width-1, c.Height-1)
}

// ColorError is the INVALID_COLOR error.
func ColorError() *Error {
	return Errorf(EINVALIDCOLOR, "Color must be between 0 and %d.", ColorCount-1)
}

// CooldownError is the RATE_LIMITED error for a user who may place again at next.
func CooldownError(now, next time.Time) *Error {
	secs := int((next.Sub(now) + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &Error{Code: ERATELIMITED, Message: "Wait " + strconv.Itoa(secs) + " seconds before placing again.", RemainingSeconds: secs}
}

// Pixel is one cell of the canvas with a color.
type Pixel struct {
	X     int   `json:"x"`
	Y     int   `json:"y"`
	Color uint8 `json:"color"`
}

// Placement is an accepted placement: it has a place in the canvas-wide
// sequence and is, once returned by a store, durable.
type Placement struct {
	Seq      uint64
	X, Y     int
	Color    uint8
	UserID   string
	At       time.Time
	Rollback bool // written by a moderator (a rollback or a wipe), not by the user's own hand
	Wipe     bool // written by a moderator's wipe of an area (Rollback is set too)
	// TeamID is the team the player was in when placing (0: none).
	TeamID int64
}

// Kind names what wrote the placement: "placement" (the player's own
// hand), "rollback" or "wipe" (a moderator).
func (p Placement) Kind() string {
	switch {
	case p.Wipe:
		return "wipe"
	case p.Rollback:
		return "rollback"
	}
	return "placement"
}

// HistoryEntry is a placement with the name of who placed it.
type HistoryEntry struct {
	Placement
	Username string
	// Named: the placer may be named to everyone, being a registered
	// player who has not taken their name off the statistics. Guests and
	// players who opted out are named only to moderators.
	Named bool
}

// User is a guest or registered account.
type User struct {
	ID           string
	Username     string
	PasswordHash []byte // empty for guests
	IsGuest      bool
	IsAdmin      bool
	Banned       bool
	BanReason    string
	CreatedAt    time.Time
}

// AuditEntry records one moderator action.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorID    string
	ActorName  string
	Action     string // "ban", "unban", "rollback", "grant", "revoke"
	TargetID   string
	TargetName string
	Detail     string
}

// Kick asks every instance to close the WebSockets of a user (ban) or of one
// session token (logout, expiry).
type Kick struct {
	UserID string `json:"userId,omitempty"`
	Token  string `json:"token,omitempty"`
	// Tokens are session tokens the kick ended (a ban): a socket that
	// joins from one of them soon after (its session already gone, so it
	// would come back as a viewer that was never told) is closed by it too.
	Tokens []string `json:"tokens,omitempty"`
	Reason string   `json:"reason,omitempty"`
	// BanMessage, when set, is sent to each socket as a BANNED error just
	// before the close: what the player is told, with the moderator's
	// reason.
	BanMessage string `json:"banMessage,omitempty"`
}

// Player is who places: the user, and the browser (device) placing when it
// is known. The cooldown and the ban follow both: a device keeps its
// cooldown across logging out and in, and a banned user's devices stay
// banned as new guests.
type Player struct {
	UserID   string
	DeviceID string
	// TeamID is the player's team (0: none), recorded on the placement.
	TeamID int64
	// Budget is the budget the player shares with its address (none when
	// its Key is empty), checked after the cooldown and taken atomically
	// with it.
	Budget AddressBudget
}

// DeviceKey is the id under which a device's cooldown and ban are kept,
// beside users' (a user id never has this form).
func DeviceKey(deviceID string) string { return "device:" + deviceID }

// Keys are the ids whose cooldown and ban a placement by p checks and
// whose cooldown it sets: the user's, then the device's when known.
func (p Player) Keys() []string {
	if p.DeviceID == "" {
		return []string{p.UserID}
	}
	return []string{p.UserID, DeviceKey(p.DeviceID)}
}

// Placer applies placements. It trusts coordinates and color, which the
// placement service (package placing) has checked; it checks the ban, then
// the cooldown, with an atomic check-and-set.
type Placer interface {
	// Place applies one placement and returns it once it is durable (docs/protocol.md, "Canvas rules"),
	// with the player's charge clock (see Charges; with one charge, the
	// time the player may place next). The ban and the charges of every
	// one of who.Keys() are checked and the clock of each is set,
	// atomically with the write, then who.Budget (EADDRESSBUDGET). Errors:
	// EBANNED, ERATELIMITED and EADDRESSBUDGET (a *Error with
	// RemainingSeconds), EUNAVAILABLE.
	Place(ctx context.Context, who Player, x, y int, color uint8, now time.Time) (Placement, time.Time, error)
	// PlaceRollback writes pixels on a moderator's behalf, without cooldown,
	// as rollback placements with new seqs, and returns them once durable.
	PlaceRollback(ctx context.Context, actorID string, pixels []Pixel, now time.Time) ([]Placement, error)
	// PlaceWipe is PlaceRollback for a moderator's wipe of an area: its
	// placements have Wipe set, so that history names them and an area
	// rollback can undo them.
	PlaceWipe(ctx context.Context, actorID string, pixels []Pixel, now time.Time) ([]Placement, error)
	// CooldownUntil returns the user's charge clock (zero: none kept; with
	// one charge, when the user may place next).
	CooldownUntil(ctx context.Context, userID string) (time.Time, error)
	// SetCooldownUntil moves a user's cooldown end to until if that is later.
	SetCooldownUntil(ctx context.Context, userID string, until time.Time) error
	// SetBanned marks the user (or, with DeviceKey, a device) banned for
	// placements (the fast path of Place).
	SetBanned(ctx context.Context, userID string, banned bool) error
}

// ErrFeedReset is returned by Feed.Follow when the store's sequence went
// back below what it had already delivered (its live state was lost and
// rebuilt from history): the follower must start over from Canvas.
var ErrFeedReset = errors.New("placement feed reset: start again from the canvas")

// Feed delivers committed placements, in seq order, without gaps.
type Feed interface {
	// Canvas returns the committed canvas (width*height color bytes,
	// row-major), its size and the last seq it includes.
	Canvas(ctx context.Context) ([]byte, Size, uint64, error)
	// Follow calls fn with every committed placement whose seq is greater than
	// after, in order and without gaps, until ctx ends or an error occurs.
	// fn must not block for long.
	Follow(ctx context.Context, after uint64, fn func([]Placement)) error
	// Since returns up to max committed placements with seq > after, in
	// order; for replays older than what an instance keeps in memory.
	Since(ctx context.Context, after uint64, max int) ([]Placement, error)
}

// History reads stored placements.
type History interface {
	// PixelHistory returns the placements of one pixel, newest first.
	PixelHistory(ctx context.Context, x, y, limit int) ([]HistoryEntry, error)
	// PixelHistoryBefore returns the placements of one pixel with seq <
	// before (0: no bound), newest first.
	PixelHistoryBefore(ctx context.Context, x, y int, before uint64, limit int) ([]HistoryEntry, error)
	// RecentPlacements returns placements with seq < before (0: no bound), newest first.
	RecentPlacements(ctx context.Context, before uint64, limit int) ([]HistoryEntry, error)
	// UserPlacements returns a user's placements with seq < before (0: no bound), newest first.
	UserPlacements(ctx context.Context, userID string, before uint64, limit int) ([]HistoryEntry, error)
	// RollbackPlan returns, for every pixel whose latest placement is one the
	// user made at or after since, the color it would have without the user's
	// placements since then (white when nothing else was ever placed there).
	RollbackPlan(ctx context.Context, userID string, since time.Time) ([]Pixel, error)
	// WaitHistory returns once every placement up to seq can be read from
	// history (cluster mode writes history a moment after the canvas), or
	// ErrUnavailable if that does not happen before ctx ends.
	WaitHistory(ctx context.Context, seq uint64) error
	// EachPlacement calls fn with every stored placement in seq order.
	EachPlacement(ctx context.Context, fn func(Placement) error) error
}

// Users stores accounts, guests and the audit log.
type Users interface {
	// CreateGuest stores a new guest with a random Guest_XXXXXX name.
	CreateGuest(ctx context.Context, now time.Time) (User, error)
	// UserByID and UserByName return ENOTFOUND when there is no such user;
	// names compare case-insensitively.
	UserByID(ctx context.Context, id string) (User, error)
	UserByName(ctx context.Context, name string) (User, error)
	// CreateAccount stores a new registered user (EUSERNAMETAKEN if taken).
	CreateAccount(ctx context.Context, username string, passwordHash []byte, now time.Time) (User, error)
	// UpgradeGuest turns a guest into a registered account keeping its id
	// (EUSERNAMETAKEN if taken).
	UpgradeGuest(ctx context.Context, guestID, username string, passwordHash []byte) (User, error)
	SetAdmin(ctx context.Context, userID string, admin bool) error
	// SetBan records a ban (with its reason) or lifts it.
	SetBan(ctx context.Context, userID string, banned bool, reason string) error
	// SearchUsers finds registered users and guests whose name contains q.
	SearchUsers(ctx context.Context, q string, limit int) ([]User, error)
	AddAudit(ctx context.Context, e AuditEntry) error
	// AuditLog returns entries with ID < before (0: no bound), newest first.
	AuditLog(ctx context.Context, before int64, limit int) ([]AuditEntry, error)
}

// SessionIndex remembers which session tokens belong to a user, so that a
// ban can destroy them without scanning every session.
type SessionIndex interface {
	AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error
	RemoveUserSession(ctx context.Context, userID, token string) error
	UserSessions(ctx context.Context, userID string) ([]string, error)
}

// Kicks carries Kick messages to every instance, as notices of kind
// NoticeKick.
type Kicks interface {
	PublishKick(ctx context.Context, k Kick) error
	// SubscribeKicks calls fn for every kick published anywhere until ctx
	// ends, and the hook WithSubscribed put on ctx once it listens.
	SubscribeKicks(ctx context.Context, fn func(Kick)) error
}

// NoticeKick is the kind of a notice that carries a Kick.
const NoticeKick = "kick"

// Notice is a message to every instance (a kick, a settings change, …):
// Kind says what Data (JSON) holds.
type Notice struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

// KickNotice wraps k in a notice.
func KickNotice(k Kick) Notice {
	b, _ := json.Marshal(k) // a struct of strings always marshals
	return Notice{Kind: NoticeKick, Data: b}
}

// Kick returns the kick n carries, if it is a well-formed kick notice.
func (n Notice) Kick() (Kick, bool) {
	var k Kick
	if n.Kind != NoticeKick || json.Unmarshal(n.Data, &k) != nil {
		return Kick{}, false
	}
	return k, true
}

// NoticeKicks carries kicks over Notices, as notices of kind NoticeKick:
// the Kicks of both stores.
type NoticeKicks struct{ Notices Notices }

// PublishKick implements Kicks.
func (k NoticeKicks) PublishKick(ctx context.Context, kick Kick) error {
	return k.Notices.PublishNotice(ctx, KickNotice(kick))
}

// SubscribeKicks implements Kicks.
func (k NoticeKicks) SubscribeKicks(ctx context.Context, fn func(Kick)) error {
	return k.Notices.SubscribeNotices(ctx, func(n Notice) {
		if kick, ok := n.Kick(); ok {
			fn(kick)
		}
	})
}

// Notices carries notices to every instance, including the sender. A
// notice published while an instance is disconnected reaches it when it
// reconnects (cluster mode keeps the latest ones in Redis), so a subscriber
// misses none unless it stays away for more than about a thousand notices.
type Notices interface {
	NoticePublisher
	// SubscribeNotices calls fn, in order, for every notice published
	// after the call, until ctx ends. It calls the hook WithSubscribed put
	// on ctx once it listens.
	SubscribeNotices(ctx context.Context, fn func(Notice)) error
}

// NoticePublisher is the sending half of Notices, for those that announce
// their changes to the other instances.
type NoticePublisher interface {
	PublishNotice(ctx context.Context, n Notice) error
}

// Counters are shared fixed-window counters for rate limits (guest sessions
// per IP, failed logins).
type Counters interface {
	// Incr adds one to key's counter for the current window and returns the
	// new count and when the window ends.
	Incr(ctx context.Context, key string, window time.Duration, now time.Time) (int64, time.Time, error)
	// Count returns key's current count without changing it.
	Count(ctx context.Context, key string, now time.Time) (int64, time.Time, error)
	Reset(ctx context.Context, key string) error
	// Take counts one hit against every limit, in one atomic step, when
	// none of them has reached its Max; otherwise it changes nothing and
	// returns ok=false with the latest end among the full windows. N
	// concurrent Takes against a limit of M let at most M through.
	Take(ctx context.Context, limits []Limit, now time.Time) (ok bool, until time.Time, err error)
	// Give takes back one hit counted by Take (never below zero), for an
	// attempt that turned out not to count (a correct password).
	Give(ctx context.Context, key string) error
}

// Limit is one counter of a Counters.Take: at most Max hits per Window.
type Limit struct {
	Key    string
	Max    int64
	Window time.Duration
}

// SessionStore has the method set of scs.Store, so that each mode can keep
// its sessions where its other state lives.
type SessionStore interface {
	Find(token string) ([]byte, bool, error)
	Commit(token string, b []byte, expiry time.Time) error
	Delete(token string) error
}

// Health reports whether a store's backing services are reachable and
// sound.
type Health interface {
	Ready(ctx context.Context) error
}

// Stores is a mode's storage as services, one per role, all over one
// shared connection (docs/architecture.md, "Stores"): a consumer takes the
// fields it needs, and never finds a capability by type assertion. Every
// field of a store opened for serving is set.
type Stores struct {
	Placer       Placer
	Feed         Feed
	History      History
	Users        Users
	SessionIndex SessionIndex
	Sessions     SessionStore
	Kicks        Kicks
	Notices      Notices
	Counters     Counters
	Secrets      Secrets
	NetworkBans  NetworkBans
	Devices      Devices
	Events       Events
	Sizes        Sizes
	Teams        Teams
	Stats        StatsReader
	Archive      Archive
	JoinCodes    JoinCodes
	Factions     Factions
	Health       Health
	// Close flushes pending history and releases the shared connection;
	// the services must not be used after.
	Close func() error
}
