package app_test

import (
	"context"
	"image/color"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// adminTab registers name in the tab's browser context and makes it an admin.
func adminTab(t *testing.T, tab context.Context, ts *testServer, name string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(tab, chromedp.Evaluate[int](`fetch('/api/v1/auth/register', {method: 'POST',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({username: '`+name+`', password: 'a long password'})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || status != 200 {
		t.Fatalf("register: %d %v", status, err)
	}
	u, err := ts.App.Store.Users.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.App.Store.Users.SetAdmin(context.Background(), u.ID, true); err != nil {
		t.Fatal(err)
	}
}

func shoot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, name, shot)
}

// The event pages pass axe-core, the areas page's drawing helper fills in
// the form, a wipe previews before/after, and a template shows on the
// canvas page through its share link.
func TestBrowserEventPages(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 64, 64 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 10, Y: 10, Color: 5}, wstest.Event{X: 11, Y: 10, Color: 12}, wstest.Event{X: 12, Y: 11, Color: 8})
	tab, cancel := newTab()
	defer cancel()
	adminTab(t, tab, ts, "organiser")

	for _, p := range []string{"/admin/settings", "/admin/templates"} {
		if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+p)); err != nil {
			t.Fatal(err)
		}
		axeReport(t, p, runAxe(t, tab))
	}
	shoot(t, tab, "admin-templates.png")
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/admin/settings")); err != nil {
		t.Fatal(err)
	}
	shoot(t, tab, "admin-settings.png")

	// Draw a rectangle on the areas page with the mouse.
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/admin/areas")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.querySelector('#area-canvas img').complete`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	box := evalJS[map[string]float64](t, tab, `(() => { const r = document.getElementById('area-canvas').getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; })()`)
	at := func(px, py float64) (float64, float64) { return box["x"] + px*box["w"]/64, box["y"] + py*box["h"]/64 }
	x0, y0 := at(8.5, 8.5)
	x1, y1 := at(14.5, 12.5)
	err := chromedp.Do(tab,
		chromedp.MouseEvent(chromedp.MouseMoved, x0, y0),
		chromedp.MouseEvent(chromedp.MousePressed, x0, y0, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, (x0+x1)/2, (y0+y1)/2, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, x1, y1, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.ButtonLeft),
	)
	if err != nil {
		t.Fatal(err)
	}
	got := evalJS[string](t, tab, `['x','y','w','h'].map(k => document.getElementById('area-'+k).value).join(',')`)
	if got != "8,8,7,5" {
		t.Fatalf("the drawn rectangle filled in %q, want 8,8,7,5", got)
	}
	axeReport(t, "/admin/areas", runAxe(t, tab))
	shoot(t, tab, "admin-areas.png")

	// Preview a wipe of that rectangle in blue.
	if err := chromedp.Do(tab, chromedp.SetValue(chromedp.CSS("#area-color"), "12"),
		chromedp.Click(chromedp.CSS(`button[formaction="/admin/areas/wipe"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!document.querySelector('[data-testid="preview-count"]')`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := evalJS[string](t, tab, `document.querySelector('[data-testid="preview-count"]').dataset.count`); n != "34" {
		t.Fatalf("the wipe preview counts %s pixels, want 34 (35 minus one already blue)", n)
	}
	axeReport(t, "wipe preview", runAxe(t, tab))
	shoot(t, tab, "admin-wipe-preview.png")
}

// A template shared by link is drawn over the canvas, translucent, and the
// canvas page with its templates section passes axe-core.
func TestBrowserTemplateOverlay(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Width, c.Height = 32, 32 })
	red := pngOf(t, 4, 3, func(x, y int) color.Color { return paletteColor(5) })
	tpl, err := ts.App.Store.Events.AddTemplate(context.Background(), place.Template{
		Name: "red block", X: 2, Y: 3, Width: 4, Height: 3, PNG: red, CreatedAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	tab, cancel := newTab()
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/?template="+strconv.FormatInt(tpl.ID, 10))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected) && !!document.querySelector('[data-template="`+strconv.FormatInt(tpl.ID, 10)+`"]:checked')`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// The middle of template pixel (3, 4) and a pixel outside it.
	sample := func(x, y float64) []int {
		return evalJS[[]int](t, tab, `(() => { const v = window.placeApp.state.view, d = window.devicePixelRatio || 1;
			const c = document.getElementById('canvas');
			const p = c.getContext('2d').getImageData(Math.floor((v.offsetX + `+ftoa(x)+` * v.scale) * d), Math.floor((v.offsetY + `+ftoa(y)+` * v.scale) * d), 1, 1).data;
			return [p[0], p[1], p[2]]; })()`)
	}
	// Drawn once the canvas has come (the welcome comes first, and the
	// template over the page's background would look drawn too): a white
	// pixel outside it, a tinted one inside.
	if err := waitJS(tab, `(() => { const v = window.placeApp.state.view, d = window.devicePixelRatio || 1;
			const at = (x, y) => document.getElementById('canvas').getContext('2d').getImageData(Math.floor((v.offsetX + x * v.scale) * d), Math.floor((v.offsetY + y * v.scale) * d), 1, 1).data;
			return window.placeApp.state.lastSeq !== null && at(3.5, 4.5)[1] < 200 && at(10.5, 10.5)[1] === 255; })()`, 5*time.Second); err != nil {
		t.Fatalf("the template is not drawn over the canvas: %v (pixel inside %v, outside %v)", err, sample(3.5, 4.5), sample(10.5, 10.5))
	}
	in, out := sample(3.5, 4.5), sample(10.5, 10.5)
	if in[0] < 200 || in[1] > 180 || in[1] < 60 || out[0] != 255 || out[1] != 255 {
		t.Fatalf("translucent red over white should be pink: inside %v, outside %v", in, out)
	}
	shoot(t, tab, "template-overlay.png")
	axeReport(t, "/ with templates", runAxe(t, tab))
	// Switching it off clears it.
	// The list is in the More sheet; open it and switch the template off.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-open="more-sheet"], [aria-controls="more-sheet"]`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-template="`+strconv.FormatInt(tpl.ID, 10)+`"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `(() => { const v = window.placeApp.state.view, d = window.devicePixelRatio || 1;
			const p = document.getElementById('canvas').getContext('2d').getImageData(Math.floor((v.offsetX + 3.5 * v.scale) * d), Math.floor((v.offsetY + 4.5 * v.scale) * d), 1, 1).data;
			return p[1] === 255; })()`, 5*time.Second); err != nil {
		t.Fatalf("the template is still drawn after switching it off: %v", err)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// A connected browser learns each change of the event without a reload: a
// countdown while scheduled, the pause message, the open canvas, and the
// new cooldown in its display.
func TestBrowserEventStateIsLive(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 32, 32 })
	tab, cancel := newTab()
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected)`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	banner := func() string {
		return evalJS[string](t, tab, `(() => { const b = document.getElementById('event-banner'); return b.hidden ? '' : b.textContent; })()`)
	}
	if b := banner(); b != "" {
		t.Fatalf("a banner on an open canvas: %q", b)
	}
	update := func(fn func(*place.Settings)) {
		t.Helper()
		if _, _, err := ts.App.Event.UpdateSettings(context.Background(), func(s place.Settings) (place.Settings, error) {
			fn(&s)
			return s, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	update(func(s *place.Settings) { s.OpensAt = time.Now().Add(95 * time.Second) })
	if err := waitJS(tab, `document.getElementById('event-banner').textContent.startsWith('The canvas opens in 1 min 3')`, 3*time.Second); err != nil {
		t.Fatalf("no countdown: %v (banner %q)", err, banner())
	}
	if !evalJS[bool](t, tab, `(() => { const r = document.getElementById('event-banner').getBoundingClientRect(); return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight; })()`) {
		t.Fatal("the banner is not on screen")
	}
	first := banner()
	time.Sleep(1200 * time.Millisecond)
	if second := banner(); second == first {
		t.Fatalf("the countdown does not move: %q", second)
	}
	shoot(t, tab, "event-countdown.png")
	axeReport(t, "/ while scheduled", runAxe(t, tab))

	update(func(s *place.Settings) { s.OpensAt, s.Paused, s.PauseMessage = time.Time{}, true, "Back at noon." })
	if err := waitJS(tab, `document.getElementById('event-banner').textContent === 'The canvas is paused: Back at noon.'`, 3*time.Second); err != nil {
		t.Fatalf("no pause message: %v (banner %q)", err, banner())
	}
	update(func(s *place.Settings) { s.Paused, s.PauseMessage, s.Cooldown = false, "", 42*time.Second })
	if err := waitJS(tab, `document.getElementById('event-banner').hidden`, 3*time.Second); err != nil {
		t.Fatalf("the banner stays on an open canvas: %q", banner())
	}
	// The next placement runs the new cooldown in the display.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="palette-5"]`))); err != nil {
		t.Fatal(err)
	}
	box := evalJS[[]float64](t, tab, `(() => { const r = document.querySelector('#canvas').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	if err := chromedp.Do(tab, chromedp.MouseClickXY(box[0]+box[2]/2, box[1]+box[3]/2)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `/Wait 4[12]s/.test(document.getElementById('cooldown').textContent)`, 3*time.Second); err != nil {
		t.Fatalf("the cooldown display does not show the new cooldown: %v (%q)", err, evalJS[string](t, tab, `document.getElementById('cooldown').textContent`))
	}
}
