package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// openScreen opens /screen in a tab of the given size and waits until it
// follows the feed at the server's seq.
func openScreen(t *testing.T, ts *testServer, tab context.Context, w, h int64, query string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/screen"+query)); err != nil {
		t.Fatal(err)
	}
	want := ts.App.Hub.Seq()
	if err := waitJS(tab, fmt.Sprintf(`!!(window.placeScreen && window.placeScreen.connected && window.placeScreen.seq >= %d && window.htmx)`, want), 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserScreen(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	player, _, _ := ts.dialReady(t, wstest.Options{})
	// A few pixels before the screen opens, one of them in a corner.
	placeAll(t, ts, player, wstest.Event{X: 0, Y: 0, Color: 5}, wstest.Event{X: 499, Y: 499, Color: 13}, wstest.Event{X: 10, Y: 20, Color: 3})

	for i, size := range [][2]int64{{1920, 1080}, {1280, 720}} {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			tab, cancel := newTab()
			defer cancel()
			openScreen(t, ts, tab, size[0], size[1], "")

			// The canvas fills the screen's height (a square canvas on a
			// wide screen) and every pixel is at least one screen pixel.
			fit := evalJS[[]float64](t, tab, `(() => { const r = document.getElementById('screen-stage').getBoundingClientRect();
				const s = Math.min(r.width / 500, r.height / 500); return [r.width, r.height, s * 500, window.innerHeight, s]; })()`)
			if fit[2] < 0.95*fit[3] || fit[4] < 1 {
				t.Errorf("canvas shown %.0f px tall in a %.0f px window (stage %.0fx%.0f, scale %.2f)", fit[2], fit[3], fit[0], fit[1], fit[4])
			}

			before := evalJS[string](t, tab, `document.querySelector('[data-testid="counter-placed"]').textContent`)
			// Five placements, each timed from the moment it is sent to
			// the first frame that drew it highlighted (the screen notes
			// that time); the median must be within 100 ms (single ones
			// are logged: a loaded machine delays some).
			var latencies []time.Duration
			var x, y, color int
			for k := range 5 {
				x, y, color = 100+50*i+10*k, 200, 5+i // apart, so that rings do not overlap
				sent := time.Now()
				if err := player.Place(x, y, color, fmt.Sprint("screen", i, k)); err != nil {
					t.Fatal(err)
				}
				player.Expect(t, "success", 2*time.Second)
				if err := waitJS(tab, fmt.Sprintf(`window.placeScreen.drawnAt(%d, %d) !== null`, x, y), 3*time.Second); err != nil {
					t.Fatal(err)
				}
				drawn := evalJS[float64](t, tab, fmt.Sprintf(`window.placeScreen.drawnAt(%d, %d)`, x, y))
				latencies = append(latencies, time.UnixMilli(int64(drawn)).Sub(sent))
				time.Sleep(150 * time.Millisecond)
			}
			slices.Sort(latencies)
			t.Logf("%s: placement sent to drawn highlighted on the screen: median %v (all, sorted: %v)", name, latencies[2], latencies)
			if latencies[2] > 100*time.Millisecond {
				t.Errorf("placements took a median %v to appear on the screen, want ≤ 100 ms (%v)", latencies[2], latencies)
			}
			if got := evalJS[int](t, tab, fmt.Sprintf(`window.placeScreen.pixelAt(%d, %d)`, x, y)); got != color {
				t.Errorf("screen has color %d at (%d,%d), want %d", got, x, y, color)
			}
			if !evalJS[bool](t, tab, fmt.Sprintf(`window.placeScreen.highlighted(%d, %d)`, x, y)) {
				t.Error("the new pixel is not highlighted")
			}
			// The counters follow within their one-second tick.
			if err := waitJS(tab, fmt.Sprintf(`document.querySelector('[data-testid="counter-placed"]').textContent !== %q`, before), 3*time.Second); err != nil {
				t.Error("the pixels-placed counter did not change: ", err)
			}
			shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			writeArtifact(t, "screen-"+name+".png", shot)
			checkScreenPixels(t, tab, shot, map[[2]int]string{{x, y}: paletteHex(color), {0, 0}: "#E50000", {499, 499}: "#0000EA", {10, 20}: "#222222"})
			if online := evalJS[string](t, tab, `document.querySelector('[data-testid="counter-online"]').textContent`); strings.TrimSpace(online) != "1" {
				t.Errorf("players online = %q, want 1 (the screen itself is not a player)", online)
			}
		})
	}
}

var screenPalette = map[int]string{3: "#222222", 5: "#E50000", 6: "#E59500", 13: "#0000EA"}

func paletteHex(c int) string { return screenPalette[c] }

// checkScreenPixels looks at the screenshot where each canvas pixel is
// shown and wants its color there.
func checkScreenPixels(t *testing.T, tab context.Context, shot []byte, want map[[2]int]string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	for p, hex := range want {
		at := evalJS[[]float64](t, tab, fmt.Sprintf(`(() => { const r = document.getElementById('screen-stage').getBoundingClientRect();
			const s = Math.min(r.width / 500, r.height / 500); const ox = r.left + (r.width - 500 * s) / 2, oy = r.top + (r.height - 500 * s) / 2;
			return [ox + (%d + 0.5) * s, oy + (%d + 0.5) * s]; })()`, p[0], p[1]))
		if got := hexAt(img, int(at[0]), int(at[1])); got != hex {
			t.Errorf("canvas pixel %v shown at (%d,%d) is %s on the screenshot, want %s", p, int(at[0]), int(at[1]), got, hex)
		}
	}
}

func hexAt(img image.Image, x, y int) string {
	r, g, b, _ := img.At(x, y).RGBA()
	return fmt.Sprintf("#%02X%02X%02X", r>>8, g>>8, b>>8)
}
