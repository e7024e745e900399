package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// TestGameOverlaysAreChosenAndDrawn chooses the heatmap and then the
// never-placed overlay with the keyboard from the game's More panel, on a
// desktop and a phone, light and dark, and reads the drawn canvas back: the
// heatmap tints the placed pixel only, the never-placed map tints the
// untouched one only, and "Only the pixels" brings both back.
func TestGameOverlaysAreChosenAndDrawn(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 16, 16 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 3, Y: 3, Color: 12}, wstest.Event{X: 3, Y: 3, Color: 12}, wstest.Event{X: 4, Y: 3, Color: 3})

	for _, v := range []struct {
		s      screen
		scheme string
	}{{desktop, "light"}, {phone, "dark"}} {
		t.Run(v.s.name+"-"+v.scheme, func(t *testing.T) {
			tab, cancel := newTab()
			defer cancel()
			emulate(t, tab, v.s, v.scheme)
			openGame(t, tab, ts.URL+"/")
			at := func(x, y int) string {
				return evalJS[[]string](t, tab, fmt.Sprintf(`%s(%d, %d, 0)`, renderedColors, x, y))[0]
			}
			// The canvas may be drawn a frame or two after it loaded.
			placed, untouched := at(3, 3), at(10, 10)
			for deadline := time.Now().Add(5 * time.Second); (placed != paletteRGB[12] || untouched != paletteRGB[0]) && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
				placed, untouched = at(3, 3), at(10, 10)
			}
			if placed != paletteRGB[12] || untouched != paletteRGB[0] {
				t.Fatalf("before any overlay: placed %s, untouched %s", placed, untouched)
			}
			if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
				t.Fatal(err)
			}
			if err := waitJS(tab, `!!document.getElementById('overlay-select') && !document.getElementById('more-sheet').hidden`, 5*time.Second); err != nil {
				t.Fatal("no overlay control in the More panel: ", err)
			}
			evalJS[bool](t, tab, `(document.getElementById('overlay-select').focus(), true)`)
			choose := func(want string) {
				t.Helper()
				keys(t, tab, kb.ArrowDown)
				if got := evalJS[string](t, tab, `document.getElementById('overlay-select').value`); got != want {
					t.Fatalf("the arrow key chose %q, want %q", got, want)
				}
				if err := waitJS(tab, `document.querySelector('[data-testid="canvas-overlays"]').dataset.shown === '`+want+`'`, 5*time.Second); err != nil {
					t.Fatalf("overlay %s not shown: %v", want, err)
				}
				// Let the frame that draws it run.
				evalJSAwait[bool](t, tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
			}

			choose("heatmap")
			if got := at(3, 3); got == placed {
				t.Errorf("heatmap: the twice-placed pixel is still %s", got)
			}
			if got := at(10, 10); got != untouched {
				t.Errorf("heatmap: an untouched pixel turned %s", got)
			}
			shoot(t, tab, "overlay-heatmap-"+v.s.name+"-"+v.scheme+".png")

			choose("virgin")
			if got := at(3, 3); got != placed {
				t.Errorf("never placed: the placed pixel turned %s", got)
			}
			if got := at(10, 10); got == untouched {
				t.Errorf("never placed: the untouched pixel is still %s", got)
			}
			shoot(t, tab, "overlay-virgin-"+v.s.name+"-"+v.scheme+".png")
			axeReport(t, "/ with an overlay ("+v.s.name+", "+v.scheme+")", runAxe(t, tab))

			keys(t, tab, kb.Home)
			if err := waitJS(tab, `document.getElementById('overlay-select').value === '' && document.querySelector('[data-testid="canvas-overlays"]').dataset.shown === ''`, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			evalJSAwait[bool](t, tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
			if p, u := at(3, 3), at(10, 10); p != placed || u != untouched {
				t.Errorf("overlay off: placed %s, untouched %s", p, u)
			}
		})
	}
}

// TestGameTeamPickResyncsANewGuest: a visitor with no session picks a team
// in the More panel; the picker starts a guest session and the game's
// connection starts again, so the socket knows the new player without a
// reload.
func TestGameTeamPickResyncsANewGuest(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 16, 16 })
	team, err := ts.App.Teams.Create(context.Background(), "Red Foxes", 5)
	if err != nil {
		t.Fatal(err)
	}
	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, desktop, "light")
	openGame(t, tab, ts.URL+"/")
	if evalJS[bool](t, tab, `!!window.placeApp.state.user?.userId`) {
		t.Fatal("a first visit already has a player")
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.querySelectorAll('#team-options input').length === 2`, 5*time.Second); err != nil {
		t.Fatal("the picker does not list the team: ", err)
	}
	evalJS[bool](t, tab, fmt.Sprintf(`(document.querySelector('#team-options input[value="%d"]').click(), true)`, team.ID))
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="team-save"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.getElementById('team-status').textContent === 'You play for Red Foxes now.'`, 5*time.Second); err != nil {
		t.Fatalf("status %q", evalJS[string](t, tab, `document.getElementById('team-status').textContent`))
	}
	if err := waitJS(tab, `!!window.placeApp.state.user?.userId && window.placeApp.state.connected`, 5*time.Second); err != nil {
		t.Fatal("the game's connection did not learn the new guest: ", err)
	}
}
