package place

import (
	"context"
	"fmt"
	"time"
)

// Size is a canvas's width and height in pixels.
type Size struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Size returns the size the configuration starts a canvas with.
func (c Config) Size() Size { return Size{Width: c.Width, Height: c.Height} }

// WithSize returns c with the canvas size sz.
func (c Config) WithSize(sz Size) Config {
	c.Width, c.Height = sz.Width, sz.Height
	return c
}

// Contains reports whether (x, y) is on a canvas of this size.
func (sz Size) Contains(x, y int) bool {
	return x >= 0 && x < sz.Width && y >= 0 && y < sz.Height
}

// Max is the larger of sz and o in each direction.
func (sz Size) Max(o Size) Size {
	return Size{Width: max(sz.Width, o.Width), Height: max(sz.Height, o.Height)}
}

// Covers reports whether sz is at least o in both directions.
func (sz Size) Covers(o Size) bool { return sz.Width >= o.Width && sz.Height >= o.Height }

// Growth is one enlargement of the canvas: every placement up to Seq was
// made on a canvas of size From, every later one on To (or larger).
type Growth struct {
	Seq      uint64
	At       time.Time
	From, To Size
}

// AuditDetail is the growth's line in the audit log.
func (g Growth) AuditDetail() string {
	return fmt.Sprintf("canvas %d × %d → %d × %d (after placement %d)", g.From.Width, g.From.Height, g.To.Width, g.To.Height, g.Seq)
}

// UndoDetail is the audit log's line of undoing the growth.
func (g Growth) UndoDetail() string {
	return fmt.Sprintf("canvas %d × %d → %d × %d (undid the growth after placement %d)", g.To.Width, g.To.Height, g.From.Width, g.From.Height, g.Seq)
}

// Added reports whether (x, y) is in the area the growth added.
func (g Growth) Added(x, y int) bool { return g.To.Contains(x, y) && !g.From.Contains(x, y) }

// NoGrowthToUndo is the refusal of undoing a growth when there is none.
func NoGrowthToUndo() error {
	return Errorf(ENOTFOUND, "The canvas has not grown: there is no growth to undo.")
}

// GrowthUndoBusy is the refusal of undoing a growth while placements come
// too fast to find them all in history first.
func GrowthUndoBusy() error {
	return Errorf(EUNAVAILABLE, "Pixels are being placed too fast to undo the growth now; try again in a moment.")
}

// PlacedInGrowth is the refusal of undoing g because placement seq was
// made at (x, y), in the area g added: shrinking would erase it.
func PlacedInGrowth(g Growth, seq uint64, x, y int) error {
	return Errorf(EVALIDATION, "The growth to %d × %d cannot be undone: pixels were placed in the area it added (the first at %d, %d, placement %d), and shrinking back to %d × %d would erase them.",
		g.To.Width, g.To.Height, x, y, seq, g.From.Width, g.From.Height)
}

// CheckGrowth reports why a canvas of size from may not grow to to: a
// smaller or equal size in either direction is shrinking or no change;
// beyond MaxSide is too large. Errors are EVALIDATION.
func CheckGrowth(from, to Size) error {
	switch {
	case to.Width < 1 || to.Height < 1:
		return Errorf(EVALIDATION, "The width and height must be whole numbers of at least 1.")
	case to.Width > MaxSide || to.Height > MaxSide:
		return Errorf(EVALIDATION, "The canvas may be at most %d × %d pixels.", MaxSide, MaxSide)
	case to.Width < from.Width || to.Height < from.Height:
		return Errorf(EVALIDATION, "A canvas never shrinks: it is %d × %d, so the new size must be at least that in both directions.", from.Width, from.Height)
	case to == from:
		return Errorf(EVALIDATION, "The canvas is already %d × %d: give a larger width or height.", from.Width, from.Height)
	}
	return nil
}

// SizeAt returns the size the canvas had right after placement seq, given
// every growth in seq order and the size it started with: the To of the
// latest growth with Seq < seq (a growth recorded at seq came after that
// placement, which was made on the smaller canvas).
func SizeAt(first Size, growths []Growth, seq uint64) Size {
	sz := first
	for _, g := range growths {
		if g.Seq >= seq {
			break
		}
		sz = g.To
	}
	return sz
}

// FirstSize returns the size the canvas started with: the From of the
// first growth, or current when it never grew.
func FirstSize(current Size, growths []Growth) Size {
	if len(growths) > 0 {
		return growths[0].From
	}
	return current
}

// Regrow returns the row-major canvas data of size from laid out on a
// canvas of size to, which covers it: every pixel keeps its (x, y) and the
// new area is white (color 0). data itself is returned when the sizes are
// equal.
func Regrow(data []byte, from, to Size) []byte { return relayout(data, from, to) }

// Crop returns the top-left part of size to of a row-major canvas of size
// from (which covers it); data itself when the sizes are equal.
func Crop(data []byte, from, to Size) []byte { return relayout(data, from, to) }

// Relayout returns the row-major canvas data of size from laid out on a
// canvas of size to, whichever is larger: every pixel both cover keeps its
// (x, y), the rest of the new canvas is white and the rest of the old one
// is dropped. data itself is returned when the sizes are equal.
func Relayout(data []byte, from, to Size) []byte { return relayout(data, from, to) }

// relayout copies the part of data (of size from) that both sizes cover
// to a new canvas of size to, at the same (x, y); the rest is white.
func relayout(data []byte, from, to Size) []byte {
	if from == to {
		return data
	}
	out := make([]byte, to.Width*to.Height)
	w := min(from.Width, to.Width)
	for y := range min(from.Height, to.Height) {
		copy(out[y*to.Width:y*to.Width+w], data[y*from.Width:y*from.Width+w])
	}
	return out
}

// Sizes keeps the canvas size and its growths. A canvas shrinks only when
// its last growth is undone, before anything was placed in what it added.
type Sizes interface {
	// CanvasSize returns the canvas's current size.
	CanvasSize(ctx context.Context) (Size, error)
	// Grow enlarges the canvas to size to, keeping every pixel at its
	// (x, y) with the new area white, atomically with respect to
	// placements, and records the growth at the last seq placed before it.
	// EVALIDATION (changing nothing) when CheckGrowth refuses it. by is
	// the growth's audit entry (who, when, the action): the store adds the
	// detail (Growth.AuditDetail) and writes it with the growth, in the
	// same commit, so that no growth is ever durable without its entry
	// (none is written when by.Action is empty).
	Grow(ctx context.Context, to Size, now time.Time, by AuditEntry) (Growth, error)
	// UndoGrowth shrinks the canvas back to the size before its last
	// growth and forgets that growth (history reads as if it never
	// happened), atomically with respect to placements, and returns it.
	// Nothing placed is lost: it refuses, changing nothing, when any
	// placement since the growth (a player's, a rollback's or a wipe's) is
	// in the area it added (PlacedInGrowth, EVALIDATION), and when the
	// canvas never grew (NoGrowthToUndo, ENOTFOUND). by is written with it
	// as for Grow, with Growth.UndoDetail.
	UndoGrowth(ctx context.Context, now time.Time, by AuditEntry) (Growth, error)
	// Growths returns every growth, in seq order.
	Growths(ctx context.Context) ([]Growth, error)
}

// NoticeGrow is the kind of the notice published after a growth or an undone
// growth; its data is the new Size. Each instance then reloads the size
// from the store.
const NoticeGrow = "grow"
