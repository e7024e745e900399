package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// stripes is a w × h template whose columns are colors 5 (red) and 12
// (blue) in turn.
func stripes(t *testing.T, w, h int) []byte {
	img := image.NewPaletted(image.Rect(0, 0, w, h), place.ImagePalette)
	for i := range img.Pix {
		img.Pix[i] = []uint8{5, 12}[(i%w)%2]
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// paintTemplate stores a 8 × 8 striped template at 10, 10 and paints it
// right, as a guest, straight through the store.
func paintTemplate(t *testing.T, ts *testServer) place.Template {
	t.Helper()
	ctx := context.Background()
	tpl, err := ts.App.Store.Events.AddTemplate(ctx, place.Template{Name: "Stripes", X: 10, Y: 10, Width: 8, Height: 8, PNG: stripes(t, 8, 8), CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ts.App.Health.Changed() // as an upload through /admin/templates does
	painter, err := ts.App.Store.Users.CreateGuest(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for y := range 8 {
		for x := range 8 {
			if _, _, err := ts.App.Store.Placer.Place(ctx, place.Player{UserID: painter.ID}, 10+x, 10+y, []uint8{5, 12}[x%2], time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tpl
}

// TestBrowserTemplateHealthAlert follows a template in the More panel and
// checks that an attack on it is told within 5 s, with a link to the spot;
// "Next wrong pixel" moves the view to a wrong pixel.
func TestBrowserTemplateHealthAlert(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 64, 64 })
	tpl := paintTemplate(t, ts)
	for _, scheme := range []string{"light", "dark"} {
		for _, s := range []screen{{"desktop", 1440, 900, false}, {"phone", 390, 844, true}} {
			tab, cancel := newTab()
			emulate(t, tab, s, scheme)
			openGame(t, tab, ts.URL+"/")
			if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
				t.Fatal(err)
			}
			if err := waitJS(tab, `/Stripes: 100% right/.test(document.querySelector('[data-testid="health-words"]')?.textContent)`, 5*time.Second); err != nil {
				t.Fatalf("health row: %q", evalJS[string](t, tab, `document.querySelector('[data-testid="template-health"]')?.innerText ?? ''`))
			}
			evalJS[bool](t, tab, `(document.querySelector('[data-testid="template-health"]').scrollIntoView({block: 'center'}), true)`)
			axeReport(t, "/ with template health ("+s.name+", "+scheme+")", runAxe(t, tab))
			shoot(t, tab, fmt.Sprintf("template-health-%s-%s.png", s.name, scheme))
			cancel()
		}
	}

	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, screen{"desktop", 1440, 900, false}, "light")
	openGame(t, tab, ts.URL+"/")
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!document.querySelector('[data-testid="health-follow"]')`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// Follow it with the keyboard, then close the panel: followed
	// templates are watched with the panel closed.
	evalJS[bool](t, tab, `(document.querySelector('[data-testid="health-follow"]').focus(), true)`)
	keys(t, tab, " ")
	if !evalJS[bool](t, tab, `document.querySelector('[data-testid="health-follow"]').checked`) {
		t.Fatal("Space did not check Alert me")
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-close="more-sheet"]`))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // one reading of the intact template
	ctx := context.Background()
	vandal, err := ts.App.Store.Users.CreateGuest(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	attack := time.Now()
	for i := range 6 {
		if _, _, err := ts.App.Store.Placer.Place(ctx, place.Player{UserID: vandal.ID}, 10+i, 12, 3, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := waitJS(tab, `!!document.getElementById('health-alert') && !document.getElementById('health-alert').hidden`, 5*time.Second); err != nil {
		t.Fatalf("no alert within 5 s of the attack: %v", err)
	}
	took := time.Since(attack)
	text := evalJS[string](t, tab, `document.getElementById('health-alert').innerText`)
	if !strings.Contains(text, "Stripes is under attack: 6 pixels") || !strings.Contains(text, "Latest at 15, 12") {
		t.Fatalf("alert: %q", text)
	}
	t.Logf("the follower was alerted %v after the attack began", took.Round(time.Millisecond))
	shoot(t, tab, "template-alert-desktop-light.png")
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#health-alert a`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `JSON.stringify(window.placeApp.state.selected) === '{"x":15,"y":12}'`, 3*time.Second); err != nil {
		t.Fatalf("the alert's link selects %s", evalJS[string](t, tab, `JSON.stringify(window.placeApp.state.selected)`))
	}
	// Next wrong pixel walks the wrong pixels, most recent first.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more")), chromedp.Click(chromedp.CSS(`[data-testid="health-jump"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `JSON.stringify(window.placeApp.state.selected) === '{"x":15,"y":12}'`, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="health-jump"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `JSON.stringify(window.placeApp.state.selected) === '{"x":14,"y":12}'`, 3*time.Second); err != nil {
		t.Fatalf("second jump: %s", evalJS[string](t, tab, `JSON.stringify(window.placeApp.state.selected)`))
	}
	_ = tpl
}

// TestBrowserPaintByNumber shows a template through its share link and
// picks the color it wants under the keyboard cursor with T.
func TestBrowserPaintByNumber(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 64, 64 })
	ctx := context.Background()
	tpl, err := ts.App.Store.Events.AddTemplate(ctx, place.Template{Name: "Stripes", X: 10, Y: 10, Width: 8, Height: 8, PNG: stripes(t, 8, 8), CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, screen{"desktop", 1440, 900, false}, "light")
	openGame(t, tab, fmt.Sprintf("%s/?template=%d#x=11&y=10&z=16", ts.URL, tpl.ID))
	if err := waitJS(tab, `(() => { const it = document.querySelector('[data-template]'); return !!it && it.checked; })()`, 5*time.Second); err != nil {
		t.Fatal("the shared template is not on: ", err)
	}
	// The cursor is at 11, 10 (blue); focus the canvas and ask with T.
	evalJS[bool](t, tab, `(document.getElementById('canvas').focus(), true)`)
	keys(t, tab, "0") // white
	keys(t, tab, "t")
	if err := waitJS(tab, `window.placeApp.state.selectedColor === 12`, 3*time.Second); err != nil {
		t.Fatalf("T chose %d, want 12 (blue)", evalJS[int](t, tab, `window.placeApp.state.selectedColor`))
	}
	// One pixel to the left the template wants red; the card and the
	// announcement say so.
	keys(t, tab, kb.ArrowLeft)
	announced(t, tab, "The template wants red here. Press T to choose it.", 3*time.Second)
	if got := evalJS[string](t, tab, `document.querySelector('[data-testid="pixel-want"]').innerText`); !strings.Contains(got, "Template wants red") {
		t.Fatalf("pixel card: %q", got)
	}
	keys(t, tab, "T")
	keys(t, tab, "\r") // Enter places
	if err := waitJS(tab, `window.placeApp.confirmedAt(10, 10) === 5`, 5*time.Second); err != nil {
		t.Fatal("the wanted color was not placed: ", err)
	}
	axeReport(t, "/ with paint by number", runAxe(t, tab))
	shoot(t, tab, "paint-by-number-desktop-light.png")
}

// TestBrowserChargesBar places with charges on and shoots the bar, which
// counts them, on a desktop and a phone in both themes.
func TestBrowserChargesBar(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown, c.Charges = 30*time.Second, 3; c.Width, c.Height = 64, 64 })
	for _, scheme := range []string{"light", "dark"} {
		for _, s := range []screen{{"desktop", 1440, 900, false}, {"phone", 390, 844, true}} {
			tab, cancel := newTab()
			emulate(t, tab, s, scheme)
			openGame(t, tab, ts.URL+"/#x=5&y=5&z=16")
			evalJS[bool](t, tab, `(document.getElementById('canvas').focus(), true)`)
			keys(t, tab, "5")
			keys(t, tab, "\r")
			if err := waitJS(tab, `/ · 0\/3$/.test(document.getElementById('cooldown').textContent) && /^0 of 3 charges; the next in \d+ s$/.test(document.getElementById('cooldown').title)`, 5*time.Second); err != nil {
				t.Fatalf("bar: %q (%q)", evalJS[string](t, tab, `document.getElementById('cooldown').textContent`), evalJS[string](t, tab, `document.getElementById('cooldown').title`))
			}
			time.Sleep(500 * time.Millisecond) // the bar's transition to its waiting look
			axeReport(t, fmt.Sprintf("/ with charges (%s, %s)", s.name, scheme), runAxe(t, tab))
			shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			writeArtifact(t, fmt.Sprintf("bar-charges-%s-%s.png", s.name, scheme), shot)
			cancel()
		}
	}
}
