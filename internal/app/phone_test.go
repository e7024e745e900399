package app_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/placecanvas/place/internal/app"
)

// TestPhoneTapPlaces plays on an emulated phone: the page fits the screen,
// a tap on the canvas selects a pixel and the bar's Place button places
// it; the server stores it.
func TestPhoneTapPlaces(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 5 * time.Second })
	tab, cancel := newTab()
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Emulate(device.IPhone13), chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && window.placeApp.state.lastSeq !== null)`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	overflow, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || overflow {
		t.Errorf("the page is wider than the phone's screen (err %v)", err)
	}
	if err := chromedp.Do(tab, chromedp.Tap(chromedp.CSS(`[data-testid="palette-12"]`)), chromedp.Tap(chromedp.CSS(`#canvas`)),
		chromedp.Tap(chromedp.CSS(`#place-button`))); err != nil {
		t.Fatal(err)
	}
	find := `(() => { const p = window.placeApp; for (let y = 0; y < 500; y++) for (let x = 0; x < 500; x++) if (p.pixelAt(x, y) === 12) return [x, y]; return []; })()`
	if err := waitJS(tab, find+`.length === 2 && window.placeApp.state.cooldownUntil > Date.now()`, 5*time.Second); err != nil {
		t.Fatal("tap did not place: ", err)
	}
	xy, _ := chromedp.Run(tab, chromedp.Evaluate[[]int](find))
	if len(xy) != 2 {
		t.Fatalf("tapped pixel %v", xy)
	}
	// The HTTP canvas is the broadcast state: give it a batch interval or two.
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, body := get(t, ts.URL+"/api/v1/canvas", nil)
		if body[xy[1]*500+xy[0]] == 12 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server does not have the tapped pixel %v", xy)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100)); err == nil {
		writeArtifact(t, "browser-phone.png", shot)
	}
}
