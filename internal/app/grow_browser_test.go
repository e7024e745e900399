package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// An admin grows the canvas through the no-JavaScript form on /admin/canvas
// (axe-clean before, with a refused size, and after); a game page that was
// open all along grows its canvas without reloading, keeps its view, and
// shows a pixel placed in the new area; so does a projector screen.
func TestBrowserGrowTheCanvasLive(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 16, 16 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 15, Y: 15, Color: 5}, wstest.Event{X: 2, Y: 3, Color: 13})

	game, cancelGame := newTab()
	defer cancelGame()
	emulate(t, game, desktop, "light")
	openGame(t, game, ts.URL+"/")
	evalJS[bool](t, game, `(window.__beforeGrowth = {origin: performance.timeOrigin, view: JSON.stringify(window.placeApp.state.view)}, true)`)
	// A projector screen open all along follows too, without fetching the
	// canvas again.
	screen, cancelScreen := newTab()
	defer cancelScreen()
	openScreen(t, ts, screen, 1280, 720, "")
	loads := evalJS[int](t, screen, `window.placeScreen.loads`)

	admin, cancelAdmin := newTab()
	defer cancelAdmin()
	adminTab(t, admin, ts, "organiser")
	if err := chromedp.Do(admin, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(admin, chromedp.Navigate(ts.URL+"/admin/canvas")); err != nil {
		t.Fatal(err)
	}
	axeReport(t, "/admin/canvas", runAxe(t, admin))
	submit := func(w, h string) {
		t.Helper()
		// Submitted as the form is (the browser's own range checks aside:
		// the server's are under test).
		evalJS[bool](t, admin, `(document.querySelector('[data-testid="grow-form"]').noValidate = true, true)`)
		err := chromedp.Do(admin,
			chromedp.SetValue(chromedp.CSS(`#grow-width`), w),
			chromedp.SetValue(chromedp.CSS(`#grow-height`), h),
			chromedp.Click(chromedp.CSS(`[data-testid="grow-form"] button[type="submit"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
	}
	submit("12", "20")
	if err := waitJS(admin, `!!document.querySelector('[data-testid="form-error"]')`, 5*time.Second); err != nil {
		t.Fatal("a shrinking size showed no error: ", err)
	}
	axeReport(t, "/admin/canvas (refused)", runAxe(t, admin))
	shoot(t, admin, "admin-canvas-refused.png")
	if w := evalJS[int](t, game, `window.placeApp.state.width`); w != 16 {
		t.Fatalf("a refused growth changed the game's canvas to width %d", w)
	}

	submit("40", "30")
	if err := waitJS(admin, `(document.querySelector('[data-testid="flash"]')?.textContent || '').includes('40 × 30')`, 5*time.Second); err != nil {
		t.Fatal("no confirmation of the growth: ", err)
	}
	axeReport(t, "/admin/canvas (grown)", runAxe(t, admin))
	shoot(t, admin, "admin-canvas-grown.png")

	if err := waitJS(game, `window.placeApp.state.width === 40 && window.placeApp.state.height === 30`, 5*time.Second); err != nil {
		t.Fatal("the open game page did not grow: ", err)
	}
	if same := evalJS[bool](t, game, `window.__beforeGrowth.origin === performance.timeOrigin`); !same {
		t.Fatal("the game page reloaded")
	}
	if v := evalJS[string](t, game, `JSON.stringify(window.placeApp.state.view)`); v != evalJS[string](t, game, `window.__beforeGrowth.view`) {
		t.Errorf("the view moved when the canvas grew: %s", v)
	}
	if err := waitJS(screen, `JSON.stringify(window.placeScreen.size) === '[40,30]'`, 5*time.Second); err != nil {
		t.Fatalf("the screen did not grow: size %v: %v", evalJS[[]int](t, screen, `window.placeScreen.size`), err)
	}
	if n := evalJS[int](t, screen, `window.placeScreen.loads`); n != loads {
		t.Errorf("the screen fetched the whole canvas %d more times to grow, want none", n-loads)
	}
	if c := evalJS[int](t, screen, `window.placeScreen.pixelAt(15, 15)`); c != 5 {
		t.Errorf("the screen's pixel 15,15 is %d after the growth, want 5", c)
	}
	if c := evalJS[int](t, game, `window.placeApp.confirmedAt(15, 15)`); c != 5 {
		t.Errorf("pixel 15,15 is %d after the growth, want 5", c)
	}
	// A pixel in the new area, just right of the old canvas (in view on a
	// wide screen), shows.
	placeAll(t, ts, ws, wstest.Event{X: 17, Y: 8, Color: 12})
	if err := waitJS(game, `window.placeApp.confirmedAt(17, 8) === 12`, 5*time.Second); err != nil {
		t.Fatal("the pixel in the new area did not arrive: ", err)
	}
	time.Sleep(100 * time.Millisecond) // the next animation frame draws it
	drawn := false
	for _, c := range evalJS[[]string](t, game, fmt.Sprintf(`%s(%d, %d, 1)`, renderedColors, 17, 8)) {
		drawn = drawn || c == paletteRGB[12]
	}
	if !drawn {
		t.Error("the pixel in the new area is not drawn")
	}
	if err := waitJS(screen, `window.placeScreen.drawnAt(17, 8) !== null && window.placeScreen.pixelAt(17, 8) === 12`, 5*time.Second); err != nil {
		t.Error("the screen did not draw the pixel in the new area: ", err)
	}
	if n := evalJS[int](t, screen, `window.placeScreen.loads`); n != loads {
		t.Errorf("the screen fetched the whole canvas %d more times, want none", n-loads)
	}
	shoot(t, screen, "screen-after-growth.png")
	shoot(t, game, "game-after-growth.png")
}
