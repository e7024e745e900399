package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// TestGameColorBlindSymbols turns the color-blind aid on in the More
// panel: each swatch shows its color's symbol, the zoomed-in canvas draws
// it on the pixels, and the choice is still on after a reload.
func TestGameColorBlindSymbols(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 16, 16 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 3, Y: 3, Color: 3}, wstest.Event{X: 5, Y: 3, Color: 8})
	for _, v := range []struct {
		s      screen
		scheme string
	}{{desktop, "dark"}, {phone, "light"}} {
		t.Run(v.s.name, func(t *testing.T) {
			tab, cancel := newTab()
			defer cancel()
			emulate(t, tab, v.s, v.scheme)
			openGame(t, tab, ts.URL+"/")
			colors := func(x, y int) map[string]bool {
				evalJSAwait[bool](t, tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
				set := map[string]bool{}
				for _, c := range evalJS[[]string](t, tab, fmt.Sprintf(`%s(%d, %d, 6)`, renderedColors, x, y)) {
					set[c] = true
				}
				return set
			}
			if got := colors(3, 3); len(got) != 1 || !got[paletteRGB[3]] {
				t.Fatalf("without symbols pixel (3, 3) shows %v", got)
			}
			if got := colors(5, 3); len(got) != 1 || !got[paletteRGB[8]] {
				t.Fatalf("without symbols pixel (5, 3) shows %v", got)
			}
			if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
				t.Fatal(err)
			}
			evalJS[bool](t, tab, `(document.getElementById('symbols-toggle').scrollIntoView({block: 'center'}), true)`)
			if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="symbols-toggle"]`))); err != nil {
				t.Fatal(err)
			}
			if got := evalJS[string](t, tab, `getComputedStyle(document.querySelector('[data-testid="palette-3"] .swatch-chip'), '::after').content`); got != `"■"` {
				t.Errorf("swatch 3 shows %s, want its symbol ■", got)
			}
			// The middle of each pixel now shows its symbol's ink too.
			if got := colors(3, 3); len(got) == 1 && got[paletteRGB[3]] {
				t.Errorf("with symbols pixel (3, 3) is still flat %v", got)
			}
			if got := colors(5, 3); len(got) == 1 && got[paletteRGB[8]] {
				t.Errorf("with symbols pixel (5, 3) is still flat %v", got)
			}
			axeReport(t, "/ with symbols ("+v.s.name+")", runAxe(t, tab))
			evalJS[bool](t, tab, `(document.querySelector('[data-close="more-sheet"]').click(), true)`)
			shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			writeArtifact(t, "game-symbols-"+v.s.name+"-"+v.scheme+".png", shot)

			openGame(t, tab, ts.URL+"/")
			if err := waitJS(tab, `document.getElementById('symbols-toggle').checked && document.getElementById('app').classList.contains('symbols-on')`, 3*time.Second); err != nil {
				t.Error("the aid is off after a reload: ", err)
			}
		})
	}
}
