package app_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
)

// TestGameWordsFollowTheGame: what the bar and the toast say changes with
// the game. A "Pick a color first." toast goes once a pixel is placed; the
// bar says "Paused" and then "Closed" (never "Ready") and Place looks
// disabled while an organiser pauses or closes the canvas; the More panel's
// coordinate range follows a growth and its undoing; a banned tab that clicks the canvas
// is told it is banned.
func TestGameWordsFollowTheGame(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 16, 16 })
	admin := srv.newAdmin(t, "organiser")

	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, desktop, "light")
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/register"),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "painter"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), "correct horse battery"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && window.placeApp.state.user?.username === 'painter') && document.getElementById('canvas-status').hidden`, 10*time.Second); err != nil {
		t.Fatal("the player is not connected: ", err)
	}
	text := func(id string) string {
		return evalJS[string](t, tab, `document.getElementById('`+id+`').textContent`)
	}
	clickCanvas := func() {
		t.Helper()
		box := evalJS[[]float64](t, tab, `(() => { const r = document.querySelector('#canvas').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
		if err := chromedp.Do(tab, chromedp.MouseClickXY(box[0]+box[2]/2, box[1]+box[3]/3)); err != nil {
			t.Fatal(err)
		}
	}

	// A refusal's toast goes with the placement that follows it.
	clickCanvas()
	if err := waitJS(tab, `document.getElementById('toast').textContent === 'Pick a color first.'`, 2*time.Second); err != nil {
		t.Fatalf("no color, toast %q", text("toast"))
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="palette-5"]`))); err != nil {
		t.Fatal(err)
	}
	clickCanvas()
	if got := text("toast"); got != "" {
		t.Errorf("after a placement the toast still says %q", got)
	}
	if err := waitJS(tab, `window.placeApp.state.pending === 0 && document.getElementById('cooldown').textContent === 'Ready'`, 3*time.Second); err != nil {
		t.Fatalf("placement not confirmed: bar %q", text("cooldown"))
	}

	// Paused, then closed: the bar says so and Place looks disabled.
	state := func(action string) {
		t.Helper()
		if r := admin.postForm("/admin/settings/state", url.Values{"action": {action}, "message": {"Back at noon"}}); r.StatusCode != 303 {
			t.Fatalf("%s: %d %.300s", action, r.StatusCode, r.Body)
		}
	}
	held := func(word string) {
		t.Helper()
		if err := waitJS(tab, `document.getElementById('cooldown').textContent === '`+word+`' && document.getElementById('place-button').getAttribute('aria-disabled') === 'true'`, 3*time.Second); err != nil {
			t.Fatalf("bar %q, Place aria-disabled %q; want %q and disabled", text("cooldown"),
				evalJS[string](t, tab, `document.getElementById('place-button').getAttribute('aria-disabled') ?? ''`), word)
		}
	}
	state("pause")
	held("Paused")
	shoot(t, tab, "game-paused.png")
	state("close")
	held("Closed")
	if b := text("event-banner"); b != "The canvas is closed; it can no longer be changed." {
		t.Errorf("closed: banner %q", b)
	}
	shoot(t, tab, "game-closed.png")
	state("reopen")
	if r := admin.postForm("/admin/settings/state", url.Values{"action": {"resume"}}); r.StatusCode != 303 && r.StatusCode != 400 {
		t.Fatalf("resume: %d", r.StatusCode)
	}
	if err := waitJS(tab, `document.getElementById('cooldown').textContent === 'Ready' && document.getElementById('place-button').getAttribute('aria-disabled') === 'false'`, 3*time.Second); err != nil {
		t.Fatalf("reopened: bar %q", text("cooldown"))
	}

	// The coordinate range follows a growth.
	if r := admin.postForm("/admin/canvas/grow", url.Values{"width": {"24"}, "height": {"20"}}); r.StatusCode != 303 {
		t.Fatalf("grow: %d %.300s", r.StatusCode, r.Body)
	}
	if err := waitJS(tab, `document.getElementById('place-x-last').textContent === '23' && document.getElementById('place-y-last').textContent === '19' && document.getElementById('place-x').max === '23'`, 5*time.Second); err != nil {
		t.Fatalf("after growing to 24 × 20 the More panel says x to %q, y to %q", text("place-x-last"), text("place-y-last"))
	}
	// And the undoing of it: the open page shrinks in place.
	if r := admin.postForm("/admin/canvas/undo", nil); r.StatusCode != 303 {
		t.Fatalf("undo the growth: %d %.300s", r.StatusCode, r.Body)
	}
	if err := waitJS(tab, `document.getElementById('place-x-last').textContent === '15' && document.getElementById('place-x').max === '15' && placeApp.state.width === 16 && placeApp.state.height === 16 && placeApp.pixelAt(20, 0) === -1`, 5*time.Second); err != nil {
		t.Fatalf("after undoing the growth the More panel says x to %q, y to %q", text("place-x-last"), text("place-y-last"))
	}

	// Banned: a click on the canvas says so.
	victim := srv.user(t, "painter")
	if r := admin.postForm("/admin/users/"+victim.ID+"/ban", url.Values{"reason": {"test"}}); r.StatusCode != 303 && r.StatusCode != 200 {
		t.Fatalf("ban: %d", r.StatusCode)
	}
	// Within a second on a quiet machine; the bound leaves room for a
	// loaded one (a full race-detector run with Chromium beside it).
	if err := waitJS(tab, `window.placeApp.state.connection === 'banned'`, 10*time.Second); err != nil {
		t.Fatal("the tab was not told of the ban: ", err)
	}
	clickCanvas()
	if err := waitJS(tab, `document.getElementById('toast').textContent === 'You are banned from placing pixels.'`, 2*time.Second); err != nil {
		t.Fatalf("banned click: toast %q", text("toast"))
	}
	if got := text("cooldown"); got != "Banned" {
		t.Errorf("banned: bar %q", got)
	}
}
