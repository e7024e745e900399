package place

import (
	"context"
	"math"
	"time"
	"unicode/utf8"
)

// CanvasState is where an event stands: docs/protocol.md lists the states.
type CanvasState string

// The states of a canvas. A scheduled canvas opens at Settings.OpensAt; an
// open one takes placements; a paused one refuses them until an admin
// resumes it; a closed one is read-only for good (until an admin reopens it)
// and its final image is kept.
const (
	StateScheduled CanvasState = "scheduled"
	StateOpen      CanvasState = "open"
	StatePaused    CanvasState = "paused"
	StateClosed    CanvasState = "closed"
)

// Bounds of the live settings.
const (
	MaxCooldown        = time.Hour
	MinBatchInterval   = time.Millisecond
	MaxBatchInterval   = 10 * time.Second
	MaxGuestLimit      = 100_000
	MaxPauseMessageLen = 200
)

// Settings are the rules of an event that admins change while it runs. The
// server's flags give their first values only; once stored they survive
// restarts and every instance applies a change within a second.
type Settings struct {
	// Cooldown is the time between two placements of one user.
	Cooldown time.Duration `json:"cooldown"`
	// Charges is how many placements a player may store, one more per
	// cooldown (0 or 1: the plain cooldown); see Charges.
	Charges int `json:"charges"`
	// ScaleCooldown grows the cooldown with the players online, see
	// EffectiveCooldown.
	ScaleCooldown bool `json:"scaleCooldown"`
	// GuestPlacement lets players without an account place.
	GuestPlacement bool `json:"guestPlacement"`
	// GuestLimit is the number of new guest sessions per IP per hour (0: no limit).
	GuestLimit int `json:"guestLimit"`
	// BatchInterval is the longest a placement waits to be broadcast (the
	// broadcaster flushes sooner when the audience is small).
	BatchInterval time.Duration `json:"batchInterval"`

	// Paused stops placements until an admin resumes; PauseMessage is
	// shown to players meanwhile.
	Paused       bool   `json:"paused"`
	PauseMessage string `json:"pauseMessage"`
	// ClosedAt is set when an admin closed the canvas.
	ClosedAt time.Time `json:"closedAt"`
	// OpensAt and ClosesAt schedule the event (zero: no bound).
	OpensAt  time.Time `json:"opensAt"`
	ClosesAt time.Time `json:"closesAt"`

	// Version grows by one with every stored change.
	Version int64 `json:"version"`
}

// State is the canvas state at now.
func (s Settings) State(now time.Time) CanvasState {
	switch {
	case !s.ClosedAt.IsZero():
		return StateClosed
	case !s.ClosesAt.IsZero() && !now.Before(s.ClosesAt):
		return StateClosed
	case !s.OpensAt.IsZero() && now.Before(s.OpensAt):
		return StateScheduled
	case s.Paused:
		return StatePaused
	}
	return StateOpen
}

// ClosedSince is when the canvas closed, or zero when it is not closed at now.
func (s Settings) ClosedSince(now time.Time) time.Time {
	if !s.ClosedAt.IsZero() {
		return s.ClosedAt
	}
	if !s.ClosesAt.IsZero() && !now.Before(s.ClosesAt) {
		return s.ClosesAt
	}
	return time.Time{}
}

// NextChange is the next time after now at which State changes by itself
// (the opening or the end of the schedule), or zero.
func (s Settings) NextChange(now time.Time) time.Time {
	if !s.ClosedAt.IsZero() {
		return time.Time{}
	}
	if !s.OpensAt.IsZero() && now.Before(s.OpensAt) {
		return s.OpensAt
	}
	if !s.ClosesAt.IsZero() && now.Before(s.ClosesAt) {
		return s.ClosesAt
	}
	return time.Time{}
}

// scaleBase is Pxls's activity formula with nobody online: 2.5·√11.96 + 6.5.
var scaleBase = 2.5*math.Sqrt(11.96) + 6.5

// EffectiveCooldown is the cooldown with n players online. Without scaling
// it is Cooldown. With scaling it follows the shape of Pxls's activity
// cooldown, scaled so that it equals Cooldown when nobody is online:
//
//	Cooldown × (2.5·√(n + 11.96) + 6.5) / (2.5·√11.96 + 6.5)
//
// that is ×1 at 0 players, ×2.2 at 100, ×5.7 at 1,000, at most MaxCooldown.
func (s Settings) EffectiveCooldown(n int) time.Duration {
	if !s.ScaleCooldown || n <= 0 {
		return s.Cooldown
	}
	f := (2.5*math.Sqrt(float64(n)+11.96) + 6.5) / scaleBase
	d := time.Duration(float64(s.Cooldown) * f).Round(time.Millisecond)
	return min(d, MaxCooldown)
}

// Validate checks the values an admin may set. Times in the schedule are
// checked against now only where they changed from old, so that an event
// already under way can be edited.
func (s Settings) Validate(old Settings, now time.Time) error {
	switch {
	case s.Cooldown < 0 || s.Cooldown > MaxCooldown:
		return Errorf(EVALIDATION, "The cooldown must be between 0 and %d seconds.", int(MaxCooldown/time.Second))
	case s.Charges < 0 || s.Charges > MaxCharges:
		return Errorf(EVALIDATION, "Charges must be between 1 and %d.", MaxCharges)
	case s.GuestLimit < 0 || s.GuestLimit > MaxGuestLimit:
		return Errorf(EVALIDATION, "The identity limit must be between 0 (no limit) and %d.", MaxGuestLimit)
	case s.BatchInterval < MinBatchInterval || s.BatchInterval > MaxBatchInterval:
		return Errorf(EVALIDATION, "The batch interval must be between 1 and 10000 milliseconds.")
	case utf8.RuneCountInString(s.PauseMessage) > MaxPauseMessageLen:
		return Errorf(EVALIDATION, "The pause message may be at most %d characters long.", MaxPauseMessageLen)
	case !s.OpensAt.Equal(old.OpensAt) && !s.OpensAt.IsZero() && !s.OpensAt.After(now):
		return Errorf(EVALIDATION, "The opening time must be in the future.")
	case !s.ClosesAt.Equal(old.ClosesAt) && !s.ClosesAt.IsZero() && !s.ClosesAt.After(now):
		return Errorf(EVALIDATION, "The end time must be in the future.")
	case !s.OpensAt.IsZero() && !s.ClosesAt.IsZero() && !s.ClosesAt.After(s.OpensAt):
		return Errorf(EVALIDATION, "The end time must be after the opening time.")
	}
	return nil
}

// Rect is a rectangle of pixels: X, Y is its top-left pixel.
type Rect struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Contains reports whether pixel x, y is inside r.
func (r Rect) Contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// Overlaps reports whether r and o share a pixel.
func (r Rect) Overlaps(o Rect) bool {
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

// Validate checks that r is a non-empty rectangle inside a canvas of
// width × height.
func (r Rect) Validate(width, height int) error {
	if r.W < 1 || r.H < 1 {
		return Errorf(EVALIDATION, "The rectangle must be at least 1 × 1 pixel.")
	}
	if r.X < 0 || r.Y < 0 || r.X+r.W > width || r.Y+r.H > height {
		return Errorf(EVALIDATION, "The rectangle %d,%d %d×%d must lie within the canvas (0..%d, 0..%d).", r.X, r.Y, r.W, r.H, width-1, height-1)
	}
	return nil
}

// Area is a protected rectangle: only admins may place there.
type Area struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Rect      Rect      `json:"rect"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
}

// MaxAreaNameLen bounds an area's or a template's name.
const MaxAreaNameLen = 64

// Event is the live state of an event: its settings and protected areas.
type Event struct {
	Settings Settings
	Areas    []Area
}

// Protected reports whether pixel x, y lies in a protected area.
func (e Event) Protected(x, y int) bool {
	for _, a := range e.Areas {
		if a.Rect.Contains(x, y) {
			return true
		}
	}
	return false
}

// Template is an image organisers put on the canvas as a guide; players
// show it as an overlay. PNG holds only palette colors and transparency.
type Template struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	X         int       `json:"x"`
	Y         int       `json:"y"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	CreatedBy string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	PNG       []byte    `json:"-"`
}

// NoticeEvent is the kind of the notice that tells every instance that the
// event changed (it carries no data: each loads the stored state).
const NoticeEvent = "event"

// Events stores the live state of an event, its templates and its final
// image, and tells every instance about changes.
type Events interface {
	// InitSettings stores s unless settings are stored already, and
	// returns the stored ones (the server's flags give first values only).
	InitSettings(ctx context.Context, s Settings) (Settings, error)
	// LoadEvent returns the stored settings and protected areas.
	LoadEvent(ctx context.Context) (Event, error)
	// UpdateSettings applies fn to the stored settings atomically and
	// stores its result with the next version; it returns both.
	UpdateSettings(ctx context.Context, fn func(Settings) (Settings, error)) (old, updated Settings, err error)
	// AddArea stores a protected area unless it overlaps another
	// (EVALIDATION); it returns the area with its id.
	AddArea(ctx context.Context, a Area) (Area, error)
	// DeleteArea removes a protected area (ENOTFOUND if there is none).
	DeleteArea(ctx context.Context, id int64) (Area, error)
	// PublishEventChange tells every instance to load the event again: a
	// notice of kind NoticeEvent, which each reads with its other notices.
	PublishEventChange(ctx context.Context) error

	// AddTemplate stores a template; Templates lists them without their
	// images, oldest first; Template returns one with its image.
	AddTemplate(ctx context.Context, t Template) (Template, error)
	Templates(ctx context.Context) ([]Template, error)
	Template(ctx context.Context, id int64) (Template, error)
	DeleteTemplate(ctx context.Context, id int64) (Template, error)

	// SaveFinalImage keeps the PNG of the canvas as it was when it closed
	// at at; the first image saved for one closing time wins.
	SaveFinalImage(ctx context.Context, at time.Time, png []byte) error
	// FinalImage returns the latest kept image (ENOTFOUND when none).
	FinalImage(ctx context.Context) (time.Time, []byte, error)

	// AreaRollbackPlan returns, for every pixel in r whose latest placement
	// was made at or after since (by userID, when not empty, and not by a
	// rollback), the color it would have without those placements (white
	// when nothing else was ever placed there).
	AreaRollbackPlan(ctx context.Context, r Rect, since time.Time, userID string) ([]Pixel, error)

	// ReportOnline records that n players are online on this instance and
	// returns the players online on every instance (in one process: n).
	ReportOnline(ctx context.Context, n int) (int, error)
}
