package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

// TestLivePanelsQuietWhenServerDown: with the server gone, the live
// panels' stream fails and retries, and nothing "[object Event]" reaches
// the console; the bar does not say "Ready" and Place looks disabled.
func TestLivePanelsQuietWhenServerDown(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 16, 16 })
	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, desktop, "light")
	openGame(t, tab, ts.URL+"/")
	evalJS[bool](t, tab, `(() => {
		window.__errors = []; window.__sseErrors = 0;
		const original = console.error;
		console.error = (...a) => { window.__errors.push(a.map(String).join(' ')); original.apply(console, a); };
		document.body.addEventListener('htmx:sseError', () => { window.__sseErrors++; });
		return true;
	})()`)
	if err := waitJS(tab, `!!document.querySelector('[sse-connect]') && !!window.htmx`, 5*time.Second); err != nil {
		t.Fatal("no live panels stream on the page: ", err)
	}
	ts.Stop(t)
	if err := waitJS(tab, `window.__sseErrors >= 1`, 15*time.Second); err != nil {
		t.Fatal("the live panels never noticed the server was gone: ", err)
	}
	time.Sleep(500 * time.Millisecond) // let the handlers that follow the error run
	// Meanwhile the bar does not say "Ready" and Place looks disabled.
	if err := waitJS(tab, `['reconnecting', 'offline'].includes(document.getElementById('bar').dataset.state)`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := evalJS[string](t, tab, `document.getElementById('cooldown').textContent`); got == "Ready" {
		t.Error("the bar says Ready while reconnecting")
	}
	if got := evalJS[string](t, tab, `document.getElementById('place-button').getAttribute('aria-disabled')`); got != "true" {
		t.Errorf("Place is not disabled while reconnecting (aria-disabled %q)", got)
	}
	for _, e := range evalJS[[]string](t, tab, `window.__errors`) {
		if strings.Contains(e, "[object Event]") {
			t.Errorf("console.error %q", e)
		}
	}
}
