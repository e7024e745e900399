package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// screen is a viewport the game is checked on.
type screen struct {
	name          string
	width, height int64
	mobile        bool
}

var gameScreens = []screen{
	{"desktop", 1440, 900, false},
	{"phone-portrait", 390, 844, true},
	{"phone-landscape", 844, 390, true},
}

// emulate sets the tab's viewport (touch on phones) and color scheme.
func emulate(t *testing.T, tab context.Context, s screen, scheme string) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if s.mobile {
		opts = []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch}
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(s.width, s.height, opts...)); err != nil {
		t.Fatal(err)
	}
	setScheme(t, tab, scheme)
}

// setScheme emulates prefers-color-scheme (light or dark).
func setScheme(t *testing.T, tab context.Context, scheme string) {
	t.Helper()
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		t.Fatal(err)
	}
}

// openGame loads the canvas page and waits until it is live.
func openGame(t *testing.T, tab context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected) && document.getElementById('canvas-status').hidden`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// layoutFacts measures what a player sees without scrolling.
type layoutFacts struct {
	ViewW, ViewH    float64
	ScrollW         float64
	ScrollH         float64
	CanvasShare     float64 // of the viewport, canvas not under the bar
	PaletteVisible  bool    // every swatch fully on screen
	CooldownVisible bool
	PlaceVisible    bool
	HeaderH         float64
	BarH            float64
	HeaderCramped   []string // header items off screen, clipped or wrapped
}

const measureLayout = `(() => {
	const vw = innerWidth, vh = innerHeight;
	const inView = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= vw + 0.5 && r.bottom <= vh + 0.5; };
	const c = document.getElementById('canvas').getBoundingClientRect();
	const bar = document.getElementById('bar').getBoundingClientRect();
	const cw = Math.max(0, Math.min(c.right, vw) - Math.max(c.left, 0));
	const ch = Math.max(0, Math.min(c.bottom, vh) - Math.max(c.top, 0));
	const overlapW = Math.max(0, Math.min(c.right, bar.right) - Math.max(c.left, bar.left));
	const overlapH = Math.max(0, Math.min(c.bottom, bar.bottom) - Math.max(c.top, bar.top));
	return {
		viewW: vw, viewH: vh,
		scrollW: document.documentElement.scrollWidth, scrollH: document.documentElement.scrollHeight,
		canvasShare: (cw * ch - overlapW * overlapH) / (vw * vh),
		paletteVisible: [...document.querySelectorAll('#palette [data-color]')].every(inView),
		cooldownVisible: inView(document.getElementById('cooldown')),
		placeVisible: inView(document.getElementById('place-button')),
		headerH: document.querySelector('.site-header').getBoundingClientRect().height,
		barH: bar.height,
		headerCramped: [...document.querySelectorAll('.nav > *')].filter((el) => {
			const r = el.getBoundingClientRect();
			if (r.width === 0) return false;
			return r.left < 0 || r.right > vw + 0.5 || el.scrollWidth > el.clientWidth + 1 || r.height > 50;
		}).map((el) => el.textContent.trim() || el.className),
	};
})()`

// TestGameLayoutScreens: on a desktop and on a phone held both ways, in the
// light and the dark theme, the whole palette, the cooldown and the place
// button are on screen without scrolling, the page does not scroll, and
// the canvas (less the bar over it) covers at least 70 % of the screen.
// Screenshots go to artifacts/game-*.png.
func TestGameLayoutScreens(t *testing.T) {
	newTab := newBrowser(t)
	const cooldown = 30 * time.Second
	ts := start(t, func(c *app.Config) { c.Cooldown = cooldown })
	drawPicture(t, ts, cooldown, gamePicture())

	for _, scheme := range []string{"light", "dark"} {
		for _, s := range gameScreens {
			name := fmt.Sprintf("game-%s-%s", s.name, scheme)
			t.Run(name, func(t *testing.T) {
				tab, cancel := newTab()
				defer cancel()
				emulate(t, tab, s, scheme)
				openGame(t, tab, ts.URL+"/")
				// A player picked blue and selected a pixel in the heart (a
				// click also places it, and the cooldown runs).
				if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="palette-12"]`))); err != nil {
					t.Fatal(err)
				}
				selectPixel(t, tab, 250, 175, s.mobile)
				if err := waitJS(tab, `/Placed by|Never placed/.test(document.getElementById('pixel-owner').textContent)`, 3*time.Second); err != nil {
					t.Error("no pixel info: ", err)
				}
				if !s.mobile { // the click placed blue: the pill and the card say so
					if err := waitJS(tab, `/· blue/.test(document.getElementById('pill').textContent) && /· blue$/.test(document.getElementById('pixel-coords').textContent)`, 3*time.Second); err != nil {
						t.Errorf("after placing blue: pill %q, card %q", evalJS[string](t, tab, `document.getElementById('pill').textContent`), evalJS[string](t, tab, `document.getElementById('pixel-coords').textContent`))
					}
					// Once the server confirmed it, the card names the new owner.
					if err := waitJS(tab, `/\(blue\)/.test(document.getElementById('pixel-owner').textContent)`, 3*time.Second); err != nil {
						t.Errorf("after placing blue: owner %q", evalJS[string](t, tab, `document.getElementById('pixel-owner').textContent`))
					}
				}
				time.Sleep(200 * time.Millisecond)
				f := evalJS[layoutFacts](t, tab, measureLayout)
				t.Logf("%s: canvas %.0f%% of the screen, header %.0f px, bar %.0f px, page %vx%v in %vx%v", name, f.CanvasShare*100, f.HeaderH, f.BarH, f.ScrollW, f.ScrollH, f.ViewW, f.ViewH)
				if len(f.HeaderCramped) > 0 {
					t.Errorf("%s: header items off screen, clipped or on two lines: %q", name, f.HeaderCramped)
				}
				if !f.PaletteVisible || !f.CooldownVisible || !f.PlaceVisible {
					t.Errorf("%s: palette visible %v, cooldown visible %v, place button visible %v", name, f.PaletteVisible, f.CooldownVisible, f.PlaceVisible)
				}
				if f.ScrollW > f.ViewW+1 || f.ScrollH > f.ViewH+1 {
					t.Errorf("%s: the page scrolls (%vx%v in a %vx%v screen)", name, f.ScrollW, f.ScrollH, f.ViewW, f.ViewH)
				}
				if f.CanvasShare < 0.70 {
					t.Errorf("%s: the canvas covers %.0f%% of the screen, want at least 70%%", name, f.CanvasShare*100)
				}
				shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				writeArtifact(t, name+".png", shot)
			})
		}
	}
}

// drawPicture has an artist place many pixels through the store, spaced
// in time by the cooldown as if placed one by one, and waits until the
// canvas includes them.
func drawPicture(t *testing.T, ts *testServer, cooldown time.Duration, pixels []wstest.Event) {
	t.Helper()
	ctx := context.Background()
	artist, err := ts.App.Store.Users.CreateAccount(ctx, "artist", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Duration(len(pixels)+1) * (cooldown + time.Second))
	for _, p := range pixels {
		if _, _, err := ts.App.Store.Placer.Place(ctx, place.Player{UserID: artist.ID}, p.X, p.Y, uint8(p.Color), at); err != nil {
			t.Fatal(err)
		}
		at = at.Add(cooldown + time.Second)
	}
	want := uint64(len(pixels))
	deadline := time.Now().Add(5 * time.Second)
	for ts.App.Hub.Seq() < want {
		if time.Now().After(deadline) {
			t.Fatalf("hub at seq %d, want %d", ts.App.Hub.Seq(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// gamePicture is a drawing placed before the screenshots, so that they
// show a canvas in use: a big heart, a rainbow and scattered pixels; the
// heart is where the game opens.
func gamePicture() []wstest.Event {
	rows := []string{
		"..RRR...RRR..",
		".RRRRR.RRRRR.",
		"RRWRRRRRRRRRR",
		"RWRRRRRRRRRRR",
		".RRRRRRRRRRR.",
		"..RRRRRRRRR..",
		"...RRRRRRR...",
		"....RRRRR....",
		".....RRR.....",
		"......R......",
	}
	const k = 6
	var ev []wstest.Event
	for y, row := range rows {
		for x, ch := range row {
			c := map[rune]int{'R': 5, 'W': 0}[ch]
			if ch == '.' {
				continue
			}
			for dy := 0; dy < k; dy++ {
				for dx := 0; dx < k; dx++ {
					if c != 0 {
						ev = append(ev, wstest.Event{X: 211 + x*k + dx, Y: 150 + y*k + dy, Color: c})
					}
				}
			}
		}
	}
	for i, c := range []int{5, 6, 8, 10, 12, 15} {
		for x := 120; x < 380; x++ {
			for dy := 0; dy < 4; dy++ {
				ev = append(ev, wstest.Event{X: x, Y: 260 + i*4 + dy, Color: c})
			}
		}
	}
	for i := 0; i < 60; i++ {
		ev = append(ev, wstest.Event{X: (i * 97) % 500, Y: 340 + (i*53)%140, Color: 2 + i%14})
	}
	// The latest pixel touches up the heart: the game opens close on it.
	return append(ev, wstest.Event{X: 250, Y: 180, Color: 5})
}

// screenPoint is where canvas pixel (x, y)'s centre is on the page.
func screenPoint(t *testing.T, tab context.Context, x, y int) (float64, float64) {
	t.Helper()
	p := evalJS[[]float64](t, tab, fmt.Sprintf(`(() => { const r = document.getElementById('canvas').getBoundingClientRect();
		const v = window.placeApp.state.view; return [r.left + v.offsetX + (%d + 0.5) * v.scale, r.top + v.offsetY + (%d + 0.5) * v.scale]; })()`, x, y))
	return p[0], p[1]
}

// selectPixel clicks (a mouse places at once) or taps (a finger selects) pixel (x, y).
func selectPixel(t *testing.T, tab context.Context, x, y int, touch bool) {
	t.Helper()
	px, py := screenPoint(t, tab, x, y)
	act := chromedp.MouseClickXY(px, py)
	if touch {
		act = chromedp.TapXY(px, py)
	}
	if err := chromedp.Do(tab, act); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, fmt.Sprintf(`(() => { const s = window.placeApp.state.selected; return !!s && s.x === %d && s.y === %d; })()`, x, y), 2*time.Second); err != nil {
		t.Fatalf("pixel %d,%d not selected: %v", x, y, err)
	}
}

var _ = strings.Contains
