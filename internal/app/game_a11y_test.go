package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// TestGameAxeBothThemes runs axe-core on every page in the dark theme (the
// light one is TestBrowserAxeNoViolations), and on the game with its
// panels open (pixel info, live, play) in both themes, on a desktop and a
// phone.
func TestGameAxeBothThemes(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 0, Y: 0, Color: 5}, wstest.Event{X: 3, Y: 4, Color: 8})

	for _, p := range axePages {
		if resp, _ := get(t, ts.URL+p, nil); resp.StatusCode == http.StatusNotFound {
			continue
		}
		tab, cancel := newTab()
		emulate(t, tab, desktop, "dark")
		if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+p)); err != nil {
			t.Fatal(err)
		}
		if p == "/" {
			settle(t, tab)
		}
		axeReport(t, p+" (dark)", runAxe(t, tab))
		cancel()
	}

	for _, scheme := range []string{"light", "dark"} {
		for _, s := range []screen{desktop, phone} {
			tab, cancel := newTab()
			emulate(t, tab, s, scheme)
			openGame(t, tab, ts.URL+"/#x=3&y=4&z=12")
			settle(t, tab)
			if err := waitJS(tab, `/Placed by/.test(document.getElementById('pixel-owner').textContent)`, 3*time.Second); err != nil {
				t.Error("pixel info not shown: ", err)
			}
			name := "/ with pixel info (" + s.name + ", " + scheme + ")"
			axeReport(t, name, runAxe(t, tab))
			for _, sheet := range []string{"open-live", "open-more"} {
				if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#"+sheet))); err != nil {
					t.Fatal(err)
				}
				id := strings.TrimPrefix(sheet, "open-") + "-sheet"
				if err := waitJS(tab, `!document.getElementById('`+id+`').hidden`, time.Second); err != nil {
					t.Fatalf("%s did not open %s", sheet, id)
				}
				axeReport(t, "/ with "+id+" open ("+s.name+", "+scheme+")", runAxe(t, tab))
				shot, _ := chromedp.Run(tab, chromedp.CaptureScreenshot())
				writeArtifact(t, "game-"+id+"-"+s.name+"-"+scheme+".png", shot)
			}
			keys(t, tab, "\x1b") // Escape closes the open sheet
			if err := waitJS(tab, `document.getElementById('more-sheet').hidden && document.getElementById('open-more').getAttribute('aria-expanded') === 'false'`, time.Second); err != nil {
				t.Error("Escape did not close the sheet")
			}
			cancel()
		}
	}
}

// settle waits until the live parts of the canvas page have loaded.
func settle(t *testing.T, tab context.Context) {
	t.Helper()
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected) && document.getElementById('canvas-status').hidden && !!window.htmx`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
}

// TestGameWithoutJavaScript: without scripts the page has no empty card,
// no players-online count it cannot keep true, and the canvas image fits
// the screen with the pixel just placed ringed.
func TestGameWithoutJavaScript(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 5 * time.Second })
	tab, cancel := newTab()
	defer cancel()
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	emulate(t, tab, desktop, "light")
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/"),
		chromedp.SetValue(chromedp.CSS(`#place-x`), "120"), chromedp.SetValue(chromedp.CSS(`#place-y`), "300"),
		chromedp.SetValue(chromedp.CSS(`#place-color`), "13"), chromedp.Click(chromedp.CSS(`[data-testid="place-submit"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `location.search === '?placed=120,300' && !!document.querySelector('[data-testid="placed-mark"]')`, 5*time.Second); err != nil {
		t.Fatal("no mark on the pixel just placed: ", err)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`img.board-image`))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	facts := evalJS[map[string]any](t, tab, `(() => {
		const img = document.querySelector('img.board-image').getBoundingClientRect();
		const m = document.querySelector('[data-testid="placed-mark"]').getBoundingClientRect();
		const visible = (el) => el.offsetParent !== null && getComputedStyle(el).display !== 'none';
		const empty = [...document.querySelectorAll('.sheet, .card, .panel, section')].filter(visible).filter(el => el.innerText.trim() === '').map(el => el.id || el.className);
		return {imgW: img.width, imgH: img.height, fits: img.bottom <= innerHeight + 1 && img.right <= innerWidth + 1,
			markX: (m.left + m.width / 2 - img.left) / img.width * 500, markY: (m.top + m.height / 2 - img.top) / img.height * 500,
			empty: empty.join(' '), online: !!document.querySelector('[data-testid="online-count"]') && visible(document.querySelector('[data-testid="online-count"]'))};
	})()`)
	t.Logf("without JavaScript: %v", facts)
	if facts["fits"] != true || facts["imgW"].(float64) < 400 {
		t.Errorf("the canvas image does not fit the screen at a sensible size: %v", facts)
	}
	if mx, my := facts["markX"].(float64), facts["markY"].(float64); mx < 119 || mx > 122 || my < 299 || my > 302 {
		t.Errorf("the mark is at %.1f, %.1f, want the pixel 120, 300", mx, my)
	}
	if facts["empty"] != "" {
		t.Errorf("empty cards: %v", facts["empty"])
	}
	if facts["online"] == true {
		t.Error("a players-online count is shown that cannot update")
	}
	shot, _ := chromedp.Run(tab, chromedp.CaptureScreenshot())
	writeArtifact(t, "game-no-javascript.png", shot)
}

// TestGameBarStates: the bar shows a refused placement (rate limited) and
// a lost connection in their own states, the tab title counts down, and
// no status text moves the palette.
func TestGameBarStates(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 30 * time.Second })
	a, cancel := newTab()
	defer cancel()
	emulate(t, a, desktop, "light")
	openGame(t, a, ts.URL+"/#all") // pixel 10, 10 in view
	// A second tab of the same player, opened before the first places:
	// it believes it may place, and the server refuses.
	b, cancelB := chromedp.NewContext(a)
	defer cancelB()
	emulate(t, b, desktop, "light")
	openGame(t, b, ts.URL+"/#all")
	palette := `JSON.stringify(document.getElementById('palette').getBoundingClientRect())`
	before := evalJS[string](t, b, palette)

	if err := chromedp.Do(a, chromedp.Click(chromedp.CSS(`[data-testid="palette-5"]`))); err != nil {
		t.Fatal(err)
	}
	selectPixel(t, a, 10, 10, false)
	if err := waitJS(a, `window.placeApp.confirmedAt(10, 10) === 5 && /^\((30|29)\) place$/.test(document.title)`, 3*time.Second); err != nil {
		t.Errorf("title during the cooldown: %q", evalJS[string](t, a, `document.title`))
	}
	if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`[data-testid="palette-8"]`))); err != nil {
		t.Fatal(err)
	}
	selectPixel(t, b, 20, 20, false)
	// The second tab starts playing on this click, learns the cooldown of
	// the browser and refuses by itself (cooldown), or the server refuses
	// (limited): either way nothing is placed.
	if err := waitJS(b, `['limited', 'cooldown'].includes(document.getElementById('bar').dataset.state) && window.placeApp.pixelAt(20, 20) === 0`, 3*time.Second); err != nil {
		t.Errorf("after a refused placement the bar is %q", evalJS[string](t, b, `document.getElementById('bar').dataset.state`))
	}
	if got := evalJS[string](t, b, palette); got != before {
		t.Errorf("the palette moved from %s to %s", before, got)
	}

	// The server goes away: reconnecting, in its own state; nothing moves.
	ts.Stop(t)
	if err := waitJS(b, `['reconnecting', 'offline'].includes(document.getElementById('bar').dataset.state)`, 5*time.Second); err != nil {
		t.Errorf("with the server gone the bar is %q", evalJS[string](t, b, `document.getElementById('bar').dataset.state`))
	}
	if got := evalJS[string](t, b, palette); got != before {
		t.Errorf("the palette moved from %s to %s while reconnecting", before, got)
	}
	if lines := evalJS[float64](t, b, `document.getElementById('connection').getBoundingClientRect().height`); lines > 24 {
		t.Errorf("the connection status wraps (%v px high)", lines)
	}
	shot, _ := chromedp.Run(b, chromedp.CaptureScreenshot())
	writeArtifact(t, "game-reconnecting.png", shot)
}
