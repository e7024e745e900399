package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
)

// TestGameSizesAndPlaces, on a desktop and a phone in portrait and
// landscape, light and dark: the first visit's hint is clear of the round
// buttons, the bar has room for its longest state on a desktop, the
// palette keeps its order after a placement (the swatch under the pointer
// stays), and axe-core (target size included) finds nothing.
func TestGameSizesAndPlaces(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 64, 64 })
	for _, s := range gameScreens {
		for _, scheme := range []string{"light", "dark"} {
			t.Run(s.name+"-"+scheme, func(t *testing.T) {
				tab, cancel := newTab()
				defer cancel()
				emulate(t, tab, s, scheme)
				openGame(t, tab, ts.URL+"/")
				overlap := evalJS[string](t, tab, `(() => {
					const p = document.getElementById('pill').getBoundingClientRect();
					for (const b of document.querySelectorAll('.hud-buttons button')) {
						const r = b.getBoundingClientRect();
						if (p.left < r.right && r.left < p.right && p.top < r.bottom && r.top < p.bottom) return b.id;
					}
					const stage = document.getElementById('viewport').getBoundingClientRect();
					const bar = document.getElementById('bar').getBoundingClientRect();
					if (p.width === 0) return 'no pill';
					if (p.top < stage.top || p.bottom > bar.top || p.left < 0 || p.right > innerWidth) return 'the edge of the stage';
					return '';
				})()`)
				if overlap != "" {
					t.Errorf("the first visit's hint %q runs under %s", evalJS[string](t, tab, `document.getElementById('pill').textContent`), overlap)
				}
				if s.name == "desktop" {
					cut := evalJS[bool](t, tab, `(() => { const c = document.getElementById('connection');
						c.textContent = 'Updating, back in a moment…';
						const cut = c.scrollWidth > c.clientWidth + 1;
						c.textContent = 'Connected';
						return cut; })()`)
					if cut {
						t.Error("the bar cuts \"Updating, back in a moment…\"")
					}
				}
				axeReport(t, "/ ("+s.name+", "+scheme+")", runAxe(t, tab))
				shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				writeArtifact(t, "game-first-visit-"+s.name+"-"+scheme+".png", shot)

				// The palette keeps its order after a placement.
				where := `JSON.stringify([...document.querySelectorAll('#palette .swatch')].map((b) => { const r = b.getBoundingClientRect(); return [b.dataset.color, Math.round(r.left), Math.round(r.top)]; }))`
				before := evalJS[string](t, tab, where)
				color := map[string]int{"light": 11, "dark": 13}[scheme]
				if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="palette-%d"]`, color)))); err != nil {
					t.Fatal(err)
				}
				evalJS[bool](t, tab, `(document.getElementById('place-x').value = '3', document.getElementById('place-y').value = '3', true)`)
				if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="open-more"]`)), chromedp.Click(chromedp.CSS(`[data-testid="place-submit"]`))); err != nil {
					t.Fatal(err)
				}
				if err := waitJS(tab, fmt.Sprintf(`window.placeApp.confirmedAt(3, 3) === %d`, color), 5*time.Second); err != nil {
					t.Fatal("the placement was not confirmed: ", err)
				}
				evalJS[bool](t, tab, `(document.querySelector('[data-close="more-sheet"]').click(), true)`)
				if after := evalJS[string](t, tab, where); after != before {
					t.Errorf("the palette moved after a placement:\n%s\n%s", before, after)
				}
			})
		}
	}
}
