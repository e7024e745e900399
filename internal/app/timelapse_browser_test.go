package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// framePixels reads the timelapse player's canvas back as palette indexes
// (-1 for a color outside the palette).
func framePixels(t *testing.T, tab context.Context) []int {
	t.Helper()
	rgba := evalJS[[]int](t, tab, `(() => { const c = document.getElementById('tl-frame');
		return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); })()`)
	out := make([]int, 0, len(rgba)/4)
	for i := 0; i+3 < len(rgba); i += 4 {
		idx := -1
		for j, c := range place.ImagePalette {
			r, g, b, _ := c.RGBA()
			if int(r>>8) == rgba[i] && int(g>>8) == rgba[i+1] && int(b>>8) == rgba[i+2] {
				idx = j
				break
			}
		}
		out = append(out, idx)
	}
	return out
}

// TestBrowserTimelapseKeyboard moves the timelapse slider with the keyboard
// only and checks that the frame drawn is the canvas at that moment, that
// the slider announces its value, and that axe-core finds nothing on the
// page with and without JavaScript.
func TestBrowserTimelapseKeyboard(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var all []place.Placement
	for i := range 30 {
		p, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: "player-" + strconv.Itoa(i%4)}, i%16, (i*3)%16, uint8(1+i%15), base.Add(time.Duration(i)*10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	canvasAt := func(seq uint64) []int {
		c := make([]int, 16*16)
		for _, p := range all {
			if p.Seq <= seq {
				c[p.Y*16+p.X] = int(p.Color)
			}
		}
		return c
	}
	tab, cancel := newTab()
	defer cancel()
	sameFrame := func(seq uint64) bool {
		got, want := framePixels(t, tab), canvasAt(seq)
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/timelapse?at=1")); err != nil {
		t.Fatal(err)
	}
	waitSeqFrame := func(seq uint64) {
		t.Helper()
		if err := waitJS(tab, `document.getElementById('tl-frame').dataset.seq === '`+strconv.FormatUint(seq, 10)+`'`, 10*time.Second); err != nil {
			t.Fatalf("frame %d never drawn (at %q): %v", seq, evalJS[string](t, tab, `document.getElementById('tl-frame').dataset.seq || ''`), err)
		}
		if !sameFrame(seq) {
			t.Fatalf("the frame drawn is not the canvas at seq %d", seq)
		}
	}
	waitSeqFrame(1)
	if err := chromedp.Do(tab, chromedp.Focus(chromedp.CSS(`#tl-slider`))); err != nil {
		t.Fatal(err)
	}
	keys(t, tab, kb.End)
	waitSeqFrame(30)
	keys(t, tab, kb.ArrowLeft) // one second back: before the last placement (10 s apart)
	waitSeqFrame(29)
	valueText := evalJS[string](t, tab, `document.getElementById('tl-slider').getAttribute('aria-valuetext')`)
	want := all[28].At.Add(9 * time.Second).UTC().Format("2006-01-02 15:04:05 UTC")
	if valueText != want {
		t.Errorf("the slider announces %q, want %q", valueText, want)
	}
	if role := evalJS[string](t, tab, `document.activeElement.id`); role != "tl-slider" {
		t.Errorf("focus moved to %q", role)
	}
	keys(t, tab, kb.Home)
	waitSeqFrame(1)
	keys(t, tab, kb.End)
	waitSeqFrame(30)
	if href := evalJS[string](t, tab, `document.getElementById('tl-share').getAttribute('href')`); href != "/timelapse?at=30" {
		t.Errorf("share link %q", href)
	}
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err == nil {
		_ = os.WriteFile(filepath.Join(artifactDir(t), "timelapse.png"), shot, 0o644)
	}
	axeReport(t, "/timelapse (desktop)", runAxe(t, tab))

	noJS, cancel2 := newTab()
	defer cancel2()
	if _, err := chromedp.Call(noJS, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(noJS, chromedp.Navigate(srv.URL+"/timelapse?at=15")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(noJS, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}
	if !evalJS[bool](t, noJS, `!document.getElementById('tl-image').hidden && document.getElementById('tl-player').hidden && !!document.querySelector('[data-testid=next-placement]')`) {
		t.Error("without JavaScript the frame image and the previous/next links should show")
	}
	axeReport(t, "/timelapse (no JavaScript)", runAxe(t, noJS))
}
