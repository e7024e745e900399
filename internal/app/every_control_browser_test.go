package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// pageProblems collects what must never happen on a page: an uncaught
// error, a console error, a request that failed or was answered 4xx/5xx.
type pageProblems struct {
	mu   sync.Mutex
	urls map[network.RequestID]string
	list []string
}

func watchProblems(t *testing.T, tab context.Context) *pageProblems {
	t.Helper()
	p := &pageProblems{urls: map[network.RequestID]string{}}
	err := chromedp.Listen(tab, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			p.urls[e.RequestID] = e.Request.URL
		case *network.EventLoadingFailed:
			if !e.Canceled {
				p.list = append(p.list, fmt.Sprintf("request failed: %s (%s)", p.urls[e.RequestID], e.ErrorText))
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				p.list = append(p.list, fmt.Sprintf("%d for %s", e.Response.Status, e.Response.URL))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			p.list = append(p.list, "uncaught: "+msg)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p.list = append(p.list, "console.error: "+strings.Join(args, " "))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *pageProblems) check(t *testing.T, where string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.list {
		t.Errorf("%s: %s", where, s)
	}
	p.list = nil
}

// TestGameEveryControl uses every control of the game page, on a desktop
// and a phone: each HUD button, each panel and its close button, each
// swatch, the eyedropper, Place, the coordinates form, every select and
// switch of the More panel, pixel info and its links' buttons, and every
// keyboard shortcut; it fails on any uncaught error, console error or
// failed request, so a control that stops working is caught the day it
// breaks.
func TestGameEveryControl(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 48, 40 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 10, Y: 10, Color: 12}, wstest.Event{X: 11, Y: 10, Color: 5})

	for _, s := range []screen{desktop, phone} {
		t.Run(s.name, func(t *testing.T) {
			tab, cancel := newTab()
			defer cancel()
			problems := watchProblems(t, tab)
			emulate(t, tab, s, "light")
			openGame(t, tab, ts.URL+"/")
			click := func(sel string) {
				t.Helper()
				evalJS[bool](t, tab, `(document.querySelector('`+sel+`').scrollIntoView({block: 'center'}), true)`)
				if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
					t.Fatalf("click %s: %v", sel, err)
				}
			}
			js := func(expr string) { evalJS[bool](t, tab, "("+expr+", true)") }
			canvasPoint := func(x, y int) (float64, float64) {
				p := evalJS[[]float64](t, tab, fmt.Sprintf(`(() => { const r = document.getElementById('canvas').getBoundingClientRect(), v = window.placeApp.state.view;
					return [r.left + v.offsetX + (%d + 0.5) * v.scale, r.top + v.offsetY + (%d + 0.5) * v.scale]; })()`, x, y))
				return p[0], p[1]
			}
			tapCanvas := func(x, y int) {
				t.Helper()
				px, py := canvasPoint(x, y)
				if err := chromedp.Do(tab, chromedp.MouseClickXY(px, py)); err != nil {
					t.Fatal(err)
				}
			}

			// The HUD: zoom in, out, fit.
			for _, b := range []string{"#zoom-in", "#zoom-out", "#zoom-fit"} {
				click(b)
			}
			// Every swatch, then back to blue.
			for i := range 16 {
				click(fmt.Sprintf(`[data-testid="palette-%d"]`, i))
				if got := evalJS[int](t, tab, `window.placeApp.state.selectedColor`); got != i {
					t.Fatalf("swatch %d selected color %d", i, got)
				}
			}
			// A pixel placed with the pointer (desktop) or selected then
			// placed with Place (phone).
			tapCanvas(20, 20)
			if s.mobile {
				click("#place-button")
			}
			if err := waitJS(tab, `window.placeApp.confirmedAt(20, 20) === 15`, 5*time.Second); err != nil {
				t.Fatal("no placement from the canvas: ", err)
			}
			// Pixel info: copy the link, close it.
			tapCanvas(10, 10)
			if err := waitJS(tab, `!document.getElementById('pixel-info').hidden`, 3*time.Second); err != nil {
				t.Fatal("no pixel info: ", err)
			}
			click("#copy-link")
			click("#pixel-info-close")
			// The eyedropper picks red from (11, 10) (a click on a desktop
			// placed at (10, 10) just now).
			click("#eyedropper")
			tapCanvas(11, 10)
			if err := waitJS(tab, `window.placeApp.state.selectedColor === 5 && !window.placeApp.state.eyedropper`, 3*time.Second); err != nil {
				t.Fatal("the eyedropper did not pick red: ", err)
			}

			// The live panel opens and closes.
			click("#open-live")
			if err := waitJS(tab, `!document.getElementById('live-sheet').hidden`, 3*time.Second); err != nil {
				t.Fatal(err)
			}
			click("#open-live")

			// The More panel: the form, every select and switch.
			click("#open-more")
			js(`document.getElementById('place-x').value = '30', document.getElementById('place-y').value = '30'`)
			if err := chromedp.Do(tab, chromedp.SetValue(chromedp.CSS("#place-color"), "8")); err != nil {
				t.Fatal(err)
			}
			click(`[data-testid="place-submit"]`)
			if err := waitJS(tab, `window.placeApp.confirmedAt(30, 30) === 8`, 5*time.Second); err != nil {
				t.Fatal("the coordinates form did not place: ", err)
			}
			for _, v := range []string{"heatmap", "virgin", ""} {
				js(`(() => { const s = document.getElementById('overlay-select'); s.value = '` + v + `'; s.dispatchEvent(new Event('change')); })()`)
				if err := waitJS(tab, `(document.querySelector('[data-testid="canvas-overlays"]').dataset.shown || '') === '`+v+`'`, 5*time.Second); err != nil {
					t.Fatalf("overlay %q: %v", v, err)
				}
			}
			for _, v := range []string{"dotted", "translucent"} {
				js(`(() => { const s = document.getElementById('template-mode'); s.value = '` + v + `'; s.dispatchEvent(new Event('change')); })()`)
			}
			for _, box := range []string{"#outline-toggle", "#symbols-toggle", "#sound-ready", "#notify-ready"} {
				click(box)
				click(box)
			}
			click(`[data-close="more-sheet"]`)
			if !evalJS[bool](t, tab, `document.getElementById('more-sheet').hidden`) {
				t.Error("the More panel's close button did not close it")
			}

			// Every shortcut, on the focused canvas.
			js(`document.getElementById('canvas').focus()`)
			for _, k := range []string{kb.ArrowRight, kb.ArrowDown, kb.ArrowLeft, kb.ArrowUp} {
				keys(t, tab, k)
				keys(t, tab, k, chromedp.KeyModifiers(chromedp.ModifierShift))
			}
			for i := range 10 {
				keys(t, tab, fmt.Sprint(i))
				if got := evalJS[int](t, tab, `window.placeApp.state.selectedColor`); got != i {
					t.Errorf("key %d chose color %d", i, got)
				}
			}
			for i := range 6 {
				keys(t, tab, fmt.Sprint(i), chromedp.KeyModifiers(chromedp.ModifierShift))
				if got := evalJS[int](t, tab, `window.placeApp.state.selectedColor`); got != 10+i {
					t.Errorf("Shift+%d chose color %d", i, got)
				}
			}
			keys(t, tab, "[")
			keys(t, tab, "]")
			keys(t, tab, "+")
			keys(t, tab, "-")
			keys(t, tab, "+")
			zoomed := evalJS[float64](t, tab, `window.placeApp.state.view.scale`)
			keys(t, tab, "f")
			if got := evalJS[float64](t, tab, `window.placeApp.state.view.scale`); got >= zoomed {
				t.Errorf("F left the view at %.2f px a pixel, want the whole canvas (below %.2f)", got, zoomed)
			}
			before := evalJS[int](t, tab, `window.placeApp.state.lastSeq`)
			keys(t, tab, kb.Enter)
			if err := waitJS(tab, fmt.Sprintf(`window.placeApp.state.lastSeq > %d && window.placeApp.state.pending === 0`, before), 5*time.Second); err != nil {
				t.Fatal("Enter did not place: ", err)
			}
			keys(t, tab, " ")
			keys(t, tab, "i")
			keys(t, tab, kb.Escape)
			if err := waitJS(tab, `window.placeApp.state.pending === 0`, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			problems.check(t, s.name)
		})
	}
}
