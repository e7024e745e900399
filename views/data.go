// Package views holds the templ components of the server-rendered pages.
package views

import (
	"strconv"

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
	CSRF                           string // rendered as a hidden field when set
	Flash                          string // a message to show, e.g. the outcome of a no-JS placement
}

// canvasModules are the ES modules app.js imports, preloaded so the browser
// fetches them in parallel instead of discovering them one import at a time.
var canvasModules = []string{
	"js/backoff.js", "js/board.js", "js/cooldown.js", "js/debounce.js",
	"js/input.js", "js/keyboard.js", "js/messages.js", "js/net.js",
	"js/palette.js", "js/pending.js", "js/pixelinfo.js", "js/protocol.js",
	"js/renderer.js", "js/view.js",
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

// pressed renders an aria-pressed value, which must be the words.
func pressed(on bool) string { return strconv.FormatBool(on) }

// ErrorData is the data of an error page.
type ErrorData struct {
	Status  int
	Code    string
	Message string
	User    *UserInfo
}
