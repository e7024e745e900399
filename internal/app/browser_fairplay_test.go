package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
)

// countSockets makes the page count the WebSockets it opens
// (window.__sockets), from before its own scripts run.
func countSockets(tab context.Context) error {
	const src = `(() => {
  const W = window.WebSocket;
  window.__sockets = 0;
  window.WebSocket = function (...args) { window.__sockets++; return new W(...args); };
  window.WebSocket.prototype = W.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})()`
	if err := chromedp.Do(tab); err != nil {
		return err
	}
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
	return err
}

// placeWithForm places through the canvas page's form (which the script
// sends over the WebSocket, starting to play first when needed).
func placeWithForm(x, y int) chromedp.Action[chromedp.Void] {
	// The form sits in the game's "More" sheet, closed; a player who opens
	// it submits the same form.
	submit := chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
	  document.getElementById('place-x').value = '%d';
	  document.getElementById('place-y').value = '%d';
	  document.getElementById('place-form').requestSubmit();
	  return true;
	})()`, x, y))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := submit(ctx, t)
		return chromedp.Void{}, err
	}
}

// screenshot keeps a screenshot of the tab under artifacts/.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	writeArtifact(t, name, png)
}

const toastText = `document.getElementById('toast').textContent`

// A banned player's open tab shows the ban and its reason within a second
// and makes no further connection attempt; a new guest from that browser is
// refused placing; the ban is in the audit log.
func TestBrowserBanSticks(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, nil)
	admin := srv.newAdmin(t, "moderator")
	tab, cancel := newTab()
	defer cancel()
	tab, stop := context.WithTimeout(tab, 90*time.Second) // a stuck browser fails the test rather than the run
	defer stop()
	if err := countSockets(tab); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/register"),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "vandal"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), "correct horse battery"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && window.placeApp.state.user.username === "vandal")`, 10*time.Second); err != nil {
		t.Fatal("the registered player is not connected: ", err)
	}
	victim := srv.user(t, "vandal")

	start := time.Now()
	if r := admin.postForm("/admin/users/"+victim.ID+"/ban", url.Values{"reason": {"slur across the canvas"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("ban: %d %s", r.StatusCode, r.Body)
	}
	shown := `(() => { const s = document.getElementById('canvas-status');
	  return window.placeApp.state.connection === 'banned' && !s.hidden
	    && s.textContent.includes('You are banned') && s.textContent.includes('slur across the canvas'); })()`
	if err := waitJS(tab, shown, time.Second); err != nil {
		t.Fatal("the tab does not show the ban within a second: ", err)
	}
	t.Logf("the tab showed the ban %v after the ban request", time.Since(start))
	before := evalJS[int](t, tab, `window.__sockets`)
	time.Sleep(4 * time.Second) // longer than the first reconnect delay with its jitter
	after := evalJS[int](t, tab, `window.__sockets`)
	state := evalJS[string](t, tab, `window.placeApp.state.connection`)
	if after != before || state != "banned" {
		t.Fatalf("after the ban the tab opened %d more sockets and is %q; want none and banned", after-before, state)
	}
	screenshot(t, tab, "browser-ban-tab.png")

	// The same browser comes back as a new guest and tries to place.
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && window.placeApp.state.lastSeq !== null)`, 10*time.Second); err != nil {
		t.Fatal("the banned browser cannot even watch: ", err)
	}
	if err := chromedp.Do(tab, placeWithForm(3, 4)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, toastText+`.includes('banned') && window.placeApp.state.user.isGuest === true`, 10*time.Second); err != nil {
		toast, _ := chromedp.Run(tab, chromedp.Evaluate[string](toastText))
		t.Fatalf("a new guest from the banned browser: toast %q: %v", toast, err)
	}
	if err := waitJS(tab, `window.placeApp.confirmedAt(3, 4) === 0 && window.placeApp.state.pending === 0`, 5*time.Second); err != nil {
		t.Fatal("the refused pixel stayed: ", err)
	}
	screenshot(t, tab, "browser-ban-new-guest.png")
	if !strings.Contains(admin.get("/admin/audit").Body, `data-action="ban"`) {
		t.Error("the ban is not in the audit log")
	}
}

// With the identity limit of its address used up, a fresh browser watches
// the canvas and live pixels, is told why it cannot place and what to do,
// and a registered user logs in from it and places.
func TestBrowserFullNetworkWatches(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, func(c *app.Config) { c.GuestLimit = 2 })
	local := srv.visitor(t)
	local.register("regular", "correct horse battery") // one identity from 127.0.0.1
	player := srv.visitor(t)
	ws := player.mustDialWS() // the second: the address is full
	tab, cancel := newTab()
	defer cancel()
	tab, stop := context.WithTimeout(tab, 90*time.Second) // a stuck browser fails the test rather than the run
	defer stop()
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && window.placeApp.state.lastSeq !== null)`, 10*time.Second); err != nil {
		t.Fatal("a fresh browser from a full address does not get the canvas: ", err)
	}
	if m := ws.place(t, 5, 6, 9); m["type"] != "success" {
		t.Fatalf("placement: %v", m)
	}
	if err := waitJS(tab, `window.placeApp.confirmedAt(5, 6) === 9`, 5*time.Second); err != nil {
		t.Fatal("the watching browser did not get the live pixel: ", err)
	}
	if err := chromedp.Do(tab, placeWithForm(1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, toastText+`.includes('Too many new players') && `+toastText+`.includes('log in')`, 5*time.Second); err != nil {
		toast, _ := chromedp.Run(tab, chromedp.Evaluate[string](toastText))
		t.Fatalf("the browser is not told why it cannot place (toast %q): %v", toast, err)
	}
	screenshot(t, tab, "browser-full-network.png")

	// A registered user logs in from that browser and places.
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "regular"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), "correct horse battery"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && window.placeApp.state.user.username === "regular" && window.placeApp.state.lastSeq !== null)`, 10*time.Second); err != nil {
		t.Fatal("the registered user is not connected: ", err)
	}
	if err := chromedp.Do(tab, placeWithForm(2, 2)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `window.placeApp.confirmedAt(2, 2) === window.placeApp.state.selectedColor && window.placeApp.state.pending === 0`, 5*time.Second); err != nil {
		t.Fatal("the registered user could not place: ", err)
	}
}
