package app_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// firstViewFacts is what a player sees of the canvas when the page opens.
type firstViewFacts struct {
	Scale      float64 // CSS px per canvas pixel
	CX, CY     float64 // the canvas point in the middle of the stage
	Whole      bool    // every corner of the canvas is on screen
	Pill, Hash string
}

const measureFirstView = `(() => {
	const s = window.placeApp.state, v = s.view;
	const c = document.getElementById('canvas').getBoundingClientRect();
	const bar = document.getElementById('bar').getBoundingClientRect();
	const h = bar.height > 0 && bar.top - c.top > c.height / 2 ? bar.top - c.top : c.height;
	const on = (x, y) => { const px = v.offsetX + x * v.scale, py = v.offsetY + y * v.scale; return px >= -0.5 && py >= -0.5 && px <= c.width + 0.5 && py <= h + 0.5; };
	return {
		scale: v.scale,
		cx: (c.width / 2 - v.offsetX) / v.scale, cy: (h / 2 - v.offsetY) / v.scale,
		whole: on(0, 0) && on(s.width, s.height),
		pill: document.getElementById('pill').textContent, hash: location.hash,
	};
})()`

// TestGameFirstViewIsCloseOnTheLatestPixel: on a desktop and a phone held
// both ways, light and dark, the game opens close on the latest placement
// with pixels large enough to aim at (not the whole 500 × 500 canvas at
// 1–2 screen pixels a pixel); the whole canvas is one button (⤢) or key
// (F) away, and a link ending in #all opens on it.
func TestGameFirstViewIsCloseOnTheLatestPixel(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 500, 500 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 250, Y: 250, Color: 3}, wstest.Event{X: 420, Y: 90, Color: 12})

	for _, scheme := range []string{"light", "dark"} {
		for _, s := range gameScreens {
			t.Run(s.name+"-"+scheme, func(t *testing.T) {
				tab, cancel := newTab()
				defer cancel()
				emulate(t, tab, s, scheme)
				openGame(t, tab, ts.URL+"/")
				time.Sleep(100 * time.Millisecond) // let the frame draw for the screenshot
				f := evalJS[firstViewFacts](t, tab, measureFirstView)
				// The viewport as the player sees it (a full-page capture
				// leaves the canvas black on an emulated phone held sideways).
				shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				writeArtifact(t, fmt.Sprintf("first-view-%s-%s.png", s.name, scheme), shot)
				if f.Scale < 8 {
					t.Errorf("the first view shows pixels %.1f px wide, want at least 8", f.Scale)
				}
				if f.Whole {
					t.Error("the first view shows the whole 500 × 500 canvas")
				}
				// The stage may be clamped at the canvas's edge; 420, 90
				// is far enough from it on every screen here.
				if math.Abs(f.CX-420.5) > 1 || math.Abs(f.CY-90.5) > 1 {
					t.Errorf("the first view is centred on %.1f, %.1f, want the latest pixel 420, 90", f.CX, f.CY)
				}
				if f.Hash != "" {
					t.Errorf("opening the page wrote %q to the address bar", f.Hash)
				}

				// The whole canvas: the button, then (after a zoom back in) F.
				if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#zoom-fit"))); err != nil {
					t.Fatal(err)
				}
				if err := waitJS(tab, measureFirstView+`.whole`, 3*time.Second); err != nil {
					t.Fatal("⤢ did not show the whole canvas: ", err)
				}
				if s.mobile {
					return // no keyboard on a phone
				}
				evalJS[bool](t, tab, `(document.getElementById('zoom-in').click(), document.getElementById('zoom-in').click(), true)`)
				if err := waitJS(tab, `!`+measureFirstView+`.whole`, 3*time.Second); err != nil {
					t.Fatal(err)
				}
				evalJS[bool](t, tab, `(document.getElementById('canvas').focus(), true)`)
				keys(t, tab, "f")
				if err := waitJS(tab, measureFirstView+`.whole`, 3*time.Second); err != nil {
					t.Fatal("F did not show the whole canvas: ", err)
				}
			})
		}
	}

	t.Run("all", func(t *testing.T) {
		tab, cancel := newTab()
		defer cancel()
		emulate(t, tab, desktop, "light")
		openGame(t, tab, ts.URL+"/#all")
		f := evalJS[firstViewFacts](t, tab, measureFirstView)
		if !f.Whole || f.Scale >= 8 {
			t.Errorf("#all opened at %.2f px a pixel, whole canvas %v", f.Scale, f.Whole)
		}
	})
}
