// Package views holds the templ components of the server-rendered pages.
package views

import (
	"strconv"
	"time"

	"github.com/placecanvas/place"
)

// UserInfo is the signed-in visitor as the layout shows them.
type UserInfo struct {
	ID, Username     string
	IsGuest, IsAdmin bool
}

// PageData is everything the canvas page needs.
type PageData struct {
	Title                          string
	User                           *UserInfo // nil when the visitor has no session yet
	Width, Height, CooldownSeconds int
	Palette                        [16]place.Color
	Flash                          string // a message to show, e.g. the outcome of a no-JS placement
	// FormX, FormY and FormColor pre-fill the place-by-coordinates form
	// (the last pixel placed or tried without JavaScript).
	FormX, FormY string
	FormColor    int
	// Placed says FormX, FormY is a pixel just placed, marked on the no-JS image.
	Placed bool
	// EventNotice says what is special about the event now (scheduled,
	// paused, closed; "" when open); EventFinal links the final image.
	EventNotice string
	EventFinal  bool
	// Panels is the first state of the live panels, which then update over SSE.
	Panels PanelsData
	// Teams is the team picker of the More panel (hidden with no teams).
	Teams TeamsView
}

// PanelsData is what the live panels show.
type PanelsData struct {
	Online int                  // open canvas connections on this instance
	Recent []place.HistoryEntry // newest first
}

// PlaceFailedData is the page answering a no-JS placement that failed.
type PlaceFailedData struct {
	Page             PageData // the form, pre-filled with what was sent
	Status           int
	Code, Message    string
	RemainingSeconds int // set when the cooldown is running
}

// HistoryData is the data of the HTML history pages.
type HistoryData struct {
	User    *UserInfo
	Title   string
	Caption string
	// Pixel is set on the history of one pixel; its table has no pixel column.
	Pixel *place.Pixel
	// PixelNow names the pixel's current color ("" when not known yet).
	PixelNow string
	Entries  []place.HistoryEntry
	// Newest links back to the first page when this is a later one; Older
	// links to the next older page when there is one.
	Newest, Older string
}

// canvasModules are the ES modules app.js imports, preloaded so the browser
// fetches them in parallel instead of discovering them one import at a time.
var canvasModules = []string{
	"js/backoff.js", "js/board.js", "js/cooldown.js", "js/debounce.js",
	"js/input.js", "js/keyboard.js", "js/messages.js", "js/net.js", "js/notify.js",
	"js/palette.js", "js/pending.js", "js/pixelinfo.js", "js/protocol.js",
	"js/renderer.js", "js/view.js", "js/colors.js", "js/link.js", "js/mip.js",
	"js/status.js", "js/game.js", "js/appview.js", "js/appaim.js",
	"js/overlay.js", "js/eventstate.js", "js/appconn.js", "js/appplace.js",
	"js/appkeys.js", "js/appfeedback.js", "js/appcolors.js", "js/challenge.js",
	"js/overlays.js", "js/teams.js", "js/symbols.js", "js/dom.js",
	"js/charges.js", "js/paintbynumber.js", "js/templatehealth.js",
}

// keyHint is the key that selects color i; it matches keyHint in keyboard.js.
func keyHint(i int) string {
	if i < 10 {
		return strconv.Itoa(i)
	}
	return "Shift+" + strconv.Itoa(i-10)
}

func itoa(i int) string { return strconv.Itoa(i) }

func maxCoord(n int) string { return strconv.Itoa(max(n-1, 0)) }

// swatchStyle sets the swatch color; palette hex values are trusted
// constants of the domain package, not user input.
func swatchStyle(c place.Color) string { return "--swatch:" + c.Hex }

func title(t string) string {
	if t == "" {
		return "place"
	}
	return t + " · place"
}

// ErrorData is the data of an error page.
type ErrorData struct {
	Status  int
	Code    string
	Message string
	User    *UserInfo
}

// colorName is the human name of a placement's color.
func colorName(c uint8) string { return place.ColorName(int(c)) }

// colorStyle sets a swatch to a placement's color.
func colorStyle(c uint8) string {
	if int(c) >= place.ColorCount {
		return "--swatch:transparent"
	}
	return swatchStyle(place.Palette[c])
}

// stamp is a placement time as people read it; the machine-readable form
// goes in the datetime attribute.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// clock is the short time of the recent-placements panel.
func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// pixelHistoryURL links to the HTML history of one pixel.
func pixelHistoryURL(x, y int) string { return "/history?x=" + itoa(x) + "&y=" + itoa(y) }

// who names who placed a pixel.
func who(e place.HistoryEntry) string {
	if e.Username == "" {
		return "a deleted user"
	}
	return e.Username
}

func selected(i, want int) bool { return i == want }

func onlineWords(n int) string {
	if n == 1 {
		return "player online"
	}
	return "players online"
}

func uitoa(n uint64) string { return strconv.FormatUint(n, 10) }

// imageScale is the scale of the canvas image without JavaScript: about a
// thousand pixels across, at least 1 and at most 8 (what the PNG serves).
func imageScale(w, h int) int {
	return min(max(1000/max(w, h, 1), 1), 8)
}

// frameStyle gives the no-JS image frame the canvas's aspect ratio, so the
// image fits the screen's height as well as its width.
func frameStyle(d PageData) string {
	return "--ratio:" + strconv.FormatFloat(float64(max(d.Width, 1))/float64(max(d.Height, 1)), 'f', 4, 64)
}

// placedMark places the ring over the pixel a no-JS placement just placed
// (FormX, FormY), in percent of the image so it follows its scale.
func placedMark(d PageData) (string, bool) {
	if !d.Placed || d.Width <= 0 || d.Height <= 0 {
		return "", false
	}
	x, errX := strconv.Atoi(d.FormX)
	y, errY := strconv.Atoi(d.FormY)
	if errX != nil || errY != nil || x < 0 || y < 0 || x >= d.Width || y >= d.Height {
		return "", false
	}
	pct := func(v, n int) string { return strconv.FormatFloat(float64(2*v+1)*50/float64(n), 'f', 4, 64) + "%" }
	return "left:" + pct(x, d.Width) + ";top:" + pct(y, d.Height), true
}

// canvasURL links to pixel (x, y) on the canvas, centred and zoomed in.
func canvasURL(x, y int) string {
	return "/#x=" + itoa(x) + "&y=" + itoa(y) + "&z=16"
}
