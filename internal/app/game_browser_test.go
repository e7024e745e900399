package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

var desktop = gameScreens[0]
var phone = gameScreens[1]

// renderedColor is the JS that reads the drawn canvas: the device pixels
// around canvas pixel (x, y)'s centre, as "r,g,b" strings.
const renderedColors = `((x, y, radius) => {
	const c = document.getElementById('canvas'), v = window.placeApp.state.view, dpr = c.width / c.clientWidth;
	const cx = Math.floor((v.offsetX + (x + 0.5) * v.scale) * dpr), cy = Math.floor((v.offsetY + (y + 0.5) * v.scale) * dpr);
	const d = c.getContext('2d').getImageData(cx - radius, cy - radius, 2 * radius + 1, 2 * radius + 1).data;
	const out = [];
	for (let i = 0; i < d.length; i += 4) out.push(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
	return out;
})`

// scattered are pixels far apart on a 2000×2000 canvas, in many colors.
func scattered(n int) []wstest.Event {
	var ev []wstest.Event
	for i := 0; i < n; i++ {
		ev = append(ev, wstest.Event{X: 60 + (i%10)*190 + (i*7)%23, Y: 45 + (i/10)*195 + (i*11)%29, Color: 2 + i%14})
	}
	return ev
}

var paletteRGB = map[int]string{}

func init() {
	hex := []string{"FFFFFF", "E4E4E4", "888888", "222222", "FFA7D1", "E50000", "E59500", "A06A42", "E5D900", "94E044", "02BE01", "00D3DD", "0083C7", "0000EA", "CF6EE4", "820080"}
	for i, h := range hex {
		var r, g, b int
		fmt.Sscanf(h, "%02x%02x%02x", &r, &g, &b)
		paletteRGB[i] = fmt.Sprintf("%d,%d,%d", r, g, b)
	}
}

// TestGameBigCanvasKeepsEveryPixel: on a 2000×2000 canvas the whole-canvas
// view (#all) fits it at a fractional scale, and each of 100 scattered
// pixels is drawn (read back from the rendered canvas), as is one placed
// in that view; zoomed in deeply, the grid appears between pixels.
func TestGameBigCanvasKeepsEveryPixel(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = time.Second; c.Width, c.Height = 2000, 2000 })
	pixels := scattered(100)
	drawPicture(t, ts, time.Second, pixels)

	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, desktop, "light")
	openGame(t, tab, ts.URL+"/#all")
	scale := evalJS[float64](t, tab, `window.placeApp.state.view.scale`)
	if scale >= 1 || scale < 0.3 {
		t.Fatalf("start view at scale %v, want the whole 2000×2000 canvas fitted (about 0.4)", scale)
	}
	if whole := evalJS[bool](t, tab, `(() => { const v = window.placeApp.state.view, c = document.getElementById('canvas');
		return v.offsetX >= 0 && v.offsetY >= 0 && v.offsetX + 2000 * v.scale <= c.clientWidth + 0.5 && v.offsetY + 2000 * v.scale <= c.clientHeight + 0.5; })()`); !whole {
		t.Error("the start view does not show the whole canvas")
	}
	time.Sleep(100 * time.Millisecond)
	seen := func(p wstest.Event) bool {
		for _, c := range evalJS[[]string](t, tab, fmt.Sprintf(`%s(%d, %d, 1)`, renderedColors, p.X, p.Y)) {
			if c == paletteRGB[p.Color] {
				return true
			}
		}
		return false
	}
	visible := 0
	for _, p := range pixels {
		if seen(p) {
			visible++
		} else {
			t.Logf("pixel %d,%d (color %d) is not drawn", p.X, p.Y, p.Color)
		}
	}
	t.Logf("%d of %d scattered pixels drawn in the fitted view at scale %.3f", visible, len(pixels), scale)
	if visible != len(pixels) {
		t.Errorf("%d of %d scattered pixels drawn in the fitted view", visible, len(pixels))
	}

	// The player places one pixel in the fitted view: it shows at once.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="palette-13"]`))); err != nil {
		t.Fatal(err)
	}
	px, py := screenPoint(t, tab, 1001, 1501)
	if err := chromedp.Do(tab, chromedp.MouseClickXY(px, py)); err != nil {
		t.Fatal(err)
	}
	placed := evalJS[map[string]int](t, tab, `window.placeApp.state.selected`)
	if err := waitJS(tab, fmt.Sprintf(`window.placeApp.confirmedAt(%d, %d) === 13`, placed["x"], placed["y"]), 3*time.Second); err != nil {
		t.Fatal("the placement was not confirmed: ", err)
	}
	if err := chromedp.Do(tab, chromedp.MouseClickXY(5, 5)); err != nil { // the reticle away from it
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if !seen(wstest.Event{X: placed["x"], Y: placed["y"], Color: 13}) {
		t.Errorf("the pixel placed at %v is not drawn in the fitted view", placed)
	}
	shot, _ := chromedp.Run(tab, chromedp.CaptureScreenshot())
	writeArtifact(t, "game-big-canvas-fitted.png", shot)

	// Deep zoom: the grid shows between two white pixels.
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/#x=500&y=500&z=32")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `window.placeApp.state.view.scale === 32`, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	grid := evalJS[map[string]string](t, tab, `(() => {
		const c = document.getElementById('canvas'), v = window.placeApp.state.view, ctx = c.getContext('2d');
		const at = (sx, sy) => Array.from(ctx.getImageData(Math.round(sx), Math.round(sy), 1, 1).data.slice(0, 3)).join(',');
		const x = 497, y = 497; // white pixels, away from the reticle
		return {inside: at(v.offsetX + (x + 0.5) * v.scale, v.offsetY + (y + 0.5) * v.scale),
			edge: at(v.offsetX + x * v.scale, v.offsetY + (y + 0.5) * v.scale)};
	})()`)
	if grid["inside"] != "255,255,255" || grid["edge"] == "255,255,255" {
		t.Errorf("at 32× the grid is not drawn: inside a pixel %s, on its edge %s", grid["inside"], grid["edge"])
	}
	shot, _ = chromedp.Run(tab, chromedp.CaptureScreenshot())
	writeArtifact(t, "game-big-canvas-zoomed.png", shot)
}

// centredOn checks that the view shows pixel (x, y) in the middle of the
// part of the stage above the play bar, at zoom z, and selected.
const centredOn = `((x, y, z) => {
	const s = window.placeApp.state, v = s.view, c = document.getElementById('canvas').getBoundingClientRect();
	const barTop = document.getElementById('bar').getBoundingClientRect().top;
	const h = barTop - c.top > c.height / 2 ? barTop - c.top : c.height;
	const px = Math.floor((c.width / 2 - v.offsetX) / v.scale), py = Math.floor((h / 2 - v.offsetY) / v.scale);
	return v.scale === z && px === x && py === y && !!s.selected && s.selected.x === x && s.selected.y === y;
})`

// TestGameLinksOpenTheSpot: a #x=&y=&z= link centres the view there, the
// hash follows the view, and a coordinate on /history/recent leads back
// to the canvas at that pixel.
func TestGameLinksOpenTheSpot(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 123, Y: 77, Color: 5}, wstest.Event{X: 321, Y: 222, Color: 12})

	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, desktop, "light")
	openGame(t, tab, ts.URL+"/#x=123&y=77&z=16")
	if !evalJS[bool](t, tab, centredOn+`(123, 77, 16)`) {
		t.Fatalf("/#x=123&y=77&z=16 opened at %v, selected %v", evalJS[map[string]float64](t, tab, `window.placeApp.state.view`), evalJS[any](t, tab, `window.placeApp.state.selected`))
	}
	if err := waitJS(tab, `/x 123, y 77/.test(document.getElementById('pixel-coords').textContent) && /Placed by/.test(document.getElementById('pixel-owner').textContent)`, 3*time.Second); err != nil {
		t.Error("the linked pixel's info is not shown: ", err)
	}

	// The eyedropper picks the linked pixel's color (red) and places nothing.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#eyedropper`))); err != nil {
		t.Fatal(err)
	}
	px, py := screenPoint(t, tab, 123, 77)
	if err := chromedp.Do(tab, chromedp.MouseClickXY(px, py)); err != nil {
		t.Fatal(err)
	}
	if got := evalJS[int](t, tab, `window.placeApp.state.selectedColor`); got != 5 || evalJS[int](t, tab, `window.placeApp.state.pending`) != 0 || evalJS[bool](t, tab, `window.placeApp.state.eyedropper`) {
		t.Errorf("after the eyedropper: color %d, pending %d", got, evalJS[int](t, tab, `window.placeApp.state.pending`))
	}
	// Copy link gives the spot's address (or shows it where the clipboard is refused).
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#copy-link`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `/Link copied|#x=123&y=77&z=16/.test(document.getElementById('toast').textContent)`, 2*time.Second); err != nil {
		t.Errorf("copy link: toast %q", evalJS[string](t, tab, `document.getElementById('toast').textContent`))
	}

	// Panning by keyboard zoom writes the view to the hash.
	if err := chromedp.Do(tab, chromedp.Focus(chromedp.CSS(`#canvas`))); err != nil {
		t.Fatal(err)
	}
	keys(t, tab, "+")
	if err := waitJS(tab, `/^#x=\d+&y=\d+&z=24$/.test(location.hash)`, 2*time.Second); err != nil {
		t.Errorf("the hash does not follow the view: %q", evalJS[string](t, tab, `location.hash`))
	}

	// The recent placements page links each coordinate to the canvas.
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/history/recent")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`a[data-testid="canvas-link"][href="/#x=321&y=222&z=16"]`))); err != nil {
		t.Fatal("no canvas link for 321, 222 on /history/recent: ", err)
	}
	if err := waitJS(tab, `location.pathname === '/' && !!(window.placeApp && window.placeApp.state.connected)`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, centredOn+`(321, 222, 16)`, 2*time.Second); err != nil {
		t.Errorf("the link from /history/recent did not centre on 321, 222: view %v", evalJS[map[string]float64](t, tab, `window.placeApp.state.view`))
	}
	// The pixel's own history page links to the canvas too.
	_, body := get(t, ts.URL+"/history?x=321&y=222", nil)
	if !strings.Contains(string(body), `href="/#x=321&amp;y=222&amp;z=16"`) {
		t.Error("/history?x=321&y=222 does not link to the pixel on the canvas")
	}
}

// TestGameTouchSelectsThenPlaces: on a phone a tap selects a pixel (and
// places nothing), a pan never places, and the bar's Place button places
// the selected pixel.
func TestGameTouchSelectsThenPlaces(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 5 * time.Second })
	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, phone, "light")
	openGame(t, tab, ts.URL+"/#all") // pixels far apart in view
	canvasHas := func(x, y int) byte {
		_, body := get(t, ts.URL+"/api/v1/canvas", nil)
		return body[y*500+x]
	}

	// A first visit: no color, and the pill says how to play.
	if got := evalJS[string](t, tab, `document.getElementById('pill').textContent`); got != "Pick a color, tap a pixel, then Place" {
		t.Errorf("first-visit pill %q", got)
	}
	// No color is chosen yet: Place asks for one and places nothing.
	selectPixel(t, tab, 200, 210, true)
	if err := chromedp.Do(tab, chromedp.Tap(chromedp.CSS(`#place-button`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `/Pick a color/.test(document.getElementById('toast').textContent)`, 2*time.Second); err != nil {
		t.Error("Place without a color did not ask for one: ", err)
	}

	if err := chromedp.Do(tab, chromedp.Tap(chromedp.CSS(`[data-testid="palette-5"]`))); err != nil {
		t.Fatal(err)
	}
	selectPixel(t, tab, 150, 160, true)
	time.Sleep(300 * time.Millisecond)
	if n := evalJS[int](t, tab, `window.placeApp.state.pending`); n != 0 || evalJS[bool](t, tab, `window.placeApp.state.cooldownUntil > Date.now()`) || evalJS[int](t, tab, `window.placeApp.pixelAt(150, 160)`) != 0 {
		t.Fatal("a tap placed a pixel; it should only select it")
	}
	if got := evalJS[string](t, tab, `document.getElementById('pixel-coords').textContent`); !strings.Contains(got, "x 150, y 160") {
		t.Errorf("pixel info after the tap: %q", got)
	}

	// A pan (one finger dragged across the canvas) moves the view and places nothing.
	before := evalJS[map[string]float64](t, tab, `window.placeApp.state.view`)
	x0, y0 := screenPoint(t, tab, 250, 250)
	if err := swipe(tab, x0, y0, x0-80, y0-60, 8); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	after := evalJS[map[string]float64](t, tab, `window.placeApp.state.view`)
	if after["offsetX"] == before["offsetX"] && after["offsetY"] == before["offsetY"] {
		t.Error("the pan did not move the view")
	}
	if evalJS[int](t, tab, `window.placeApp.state.pending`) != 0 || evalJS[bool](t, tab, `window.placeApp.state.cooldownUntil > Date.now()`) {
		t.Fatal("a pan placed a pixel")
	}
	if sel := evalJS[map[string]int](t, tab, `window.placeApp.state.selected`); sel["x"] != 150 || sel["y"] != 160 {
		t.Fatalf("the pan changed the selection to %v", sel)
	}

	// The bar's Place button places the selected pixel.
	if err := chromedp.Do(tab, chromedp.Tap(chromedp.CSS(`#place-button`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `window.placeApp.confirmedAt(150, 160) === 5`, 3*time.Second); err != nil {
		t.Fatal("Place did not place the selected pixel: ", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for canvasHas(150, 160) != 5 {
		if time.Now().After(deadline) {
			t.Fatal("the server does not have the placed pixel")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The palette keeps its order while playing (the swatch under the
	// finger stays); recent colors come first on the next visit.
	if order := evalJS[string](t, tab, `document.querySelector('[data-testid="palette-5"]').style.order`); order != "5" {
		t.Errorf("the color just used moved in the palette (order %q)", order)
	}
	if err := waitJS(tab, `/^\(\d\) place$/.test(document.title) && document.getElementById('bar').dataset.state === 'cooldown'`, 2*time.Second); err != nil {
		t.Errorf("during the cooldown the title is %q and the bar %q", evalJS[string](t, tab, `document.title`), evalJS[string](t, tab, `document.getElementById('bar').dataset.state`))
	}
	shot, _ := chromedp.Run(tab, chromedp.CaptureScreenshot())
	writeArtifact(t, "game-phone-placed.png", shot)
}

// TestGamePixelInfoNamesTheRollback: after a moderator's rollback, the
// pixel info of a restored pixel says it was restored by a rollback and
// does not credit the moderator; an admin gets a link to the author of an
// ordinary pixel.
func TestGamePixelInfoNamesTheRollback(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 64, 64 })
	ctx := context.Background()
	mod := srv.newAdmin(t, "modmaria")
	artist, err := srv.Store.Users.CreateAccount(ctx, "artist", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	vandal, err := srv.Store.Users.CreateAccount(ctx, "vandal", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, p := range []struct {
		id      string
		ago     time.Duration
		x, y, c int
	}{{artist.ID, 2 * time.Hour, 10, 10, 5}, {artist.ID, 2 * time.Hour, 20, 20, 8}, {vandal.ID, 10 * time.Minute, 10, 10, 3}} {
		if _, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: p.id}, p.x, p.y, uint8(p.c), now.Add(-p.ago)); err != nil {
			t.Fatal(err)
		}
	}
	since := now.Add(-time.Hour).UTC().Format(time.RFC3339)
	if r := mod.postForm("/admin/users/"+vandal.ID+"/rollback", url.Values{"since": {since}, "confirm": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rollback: %d %s", r.StatusCode, r.Body)
	}
	waitCanvas(t, srv, 4)

	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, desktop, "light")
	// The watcher is an admin too, to see the author links.
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	status := evalJSAwait[int](t, tab, `fetch('/api/v1/auth/register', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({username: 'watcher', password: 'a long password'})}).then(r => r.status)`)
	if status != 200 {
		t.Fatalf("register: %d", status)
	}
	if err := srv.Store.Users.SetAdmin(ctx, srv.user(t, "watcher").ID, true); err != nil {
		t.Fatal(err)
	}

	openGame(t, tab, srv.URL+"/#x=10&y=10&z=8")
	if err := waitJS(tab, `/rollback/.test(document.getElementById('pixel-owner').textContent)`, 3*time.Second); err != nil {
		t.Fatalf("pixel info of the restored pixel: %q", evalJS[string](t, tab, `document.getElementById('pixel-info').textContent`))
	}
	info := evalJS[string](t, tab, `document.getElementById('pixel-info').innerText`)
	t.Logf("pixel info of the restored pixel: %q", info)
	if !strings.Contains(info, "Restored to red by a moderator's rollback") || strings.Contains(info, "modmaria") || strings.Contains(info, "Placed by") {
		t.Errorf("the restored pixel's info credits the wrong author: %q", info)
	}
	if evalJS[bool](t, tab, `!document.getElementById('pixel-admin-link').hidden`) {
		t.Error("a restored pixel links to an author")
	}
	if title := evalJS[string](t, tab, `document.getElementById('pixel-when').title`); !strings.HasSuffix(title, " UTC") {
		t.Errorf("the time has no exact time on hover: title %q", title)
	}

	// An ordinary pixel: its author, and for an admin the author's admin page.
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/#x=20&y=20&z=8")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `/Placed by artist/.test(document.getElementById('pixel-owner').textContent)`, 3*time.Second); err != nil {
		t.Fatalf("pixel info of 20, 20: %q", evalJS[string](t, tab, `document.getElementById('pixel-info').textContent`))
	}
	href := evalJS[string](t, tab, `(() => { const a = document.getElementById('pixel-admin-link'); return a.hidden ? '' : a.getAttribute('href'); })()`)
	if href != "/admin/users/"+artist.ID {
		t.Errorf("admin link %q, want the artist's admin page", href)
	}
}

// evalJSAwait evaluates a promise and decodes its value.
func evalJSAwait[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
