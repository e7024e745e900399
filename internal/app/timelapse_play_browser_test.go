package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// TestBrowserTimelapseEndsAndSteps: with placements at times finer than a
// second (as real ones are), the slider at its far left shows the first
// frame (not "before the first placement"), Play runs to the last
// placement, and Previous/Next move the slider to their placement's time.
func TestBrowserTimelapseEndsAndSteps(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).Truncate(time.Second).Add(437 * time.Millisecond)
	var all []place.Placement
	for i := range 12 {
		p, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: "player-" + strconv.Itoa(i%3)}, i, i, uint8(1+i), base.Add(time.Duration(i)*7*time.Second+time.Duration(i*61)*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	first, last := all[0], all[len(all)-1]
	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, desktop, "light")
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/timelapse?at="+strconv.FormatUint(all[5].Seq, 10))); err != nil {
		t.Fatal(err)
	}
	frame := func(seq uint64) {
		t.Helper()
		if err := waitJS(tab, `document.getElementById('tl-frame').dataset.seq === '`+strconv.FormatUint(seq, 10)+`'`, 10*time.Second); err != nil {
			t.Fatalf("frame %d never drawn (at %q, status %q)", seq, evalJS[string](t, tab, `document.getElementById('tl-frame').dataset.seq || ''`),
				evalJS[string](t, tab, `document.getElementById('tl-status').textContent`))
		}
	}
	// The slider moves in whole seconds: it rests on the one nearest the placement.
	sliderNear := func(what string, at time.Time) {
		t.Helper()
		got := int64(evalJS[float64](t, tab, `Number(document.getElementById('tl-slider').value)`))
		if d := got - at.UnixMilli(); d < -500 || d > 500 {
			t.Errorf("%s: the slider is at %d, want the second nearest %d", what, got, at.UnixMilli())
		}
	}
	frame(all[5].Seq)
	if !evalJS[bool](t, tab, `getComputedStyle(document.querySelector('.timelapse-nav')).display === 'none'`) {
		t.Error("the player's buttons replace the previous/next links, yet the links still show")
	}
	if got := evalJS[string](t, tab, `document.querySelector('[data-testid=sum-most-painted]').textContent.replace(/\s+/g, ' ').trim()`); got != "x 0, y 0, placed once" {
		t.Errorf("most-painted pixel: %q", got)
	}
	sliderNear("a link to a placement", all[5].At)

	if err := chromedp.Do(tab, chromedp.Focus(chromedp.CSS(`#tl-slider`))); err != nil {
		t.Fatal(err)
	}
	keys(t, tab, kb.Home)
	frame(first.Seq)
	if status := evalJS[string](t, tab, `document.getElementById('tl-status').textContent`); status == "" || !strings.Contains(status, "Placement "+strconv.FormatUint(first.Seq, 10)+" of") {
		t.Errorf("far left: status %q", status)
	}

	// Next and Previous move the slider with the frame.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#tl-next`))); err != nil {
		t.Fatal(err)
	}
	frame(all[1].Seq)
	sliderNear("Next", all[1].At)
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#tl-next`)), chromedp.Click(chromedp.CSS(`#tl-next`))); err != nil {
		t.Fatal(err)
	}
	frame(all[3].Seq)
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#tl-prev`))); err != nil {
		t.Fatal(err)
	}
	frame(all[2].Seq)
	sliderNear("Previous", all[2].At)
	if want := "around " + all[2].At.UTC().Format("2006-01-02 15:04:05 UTC"); !strings.Contains(evalJS[string](t, tab, `document.getElementById('tl-status').textContent`), want) {
		t.Errorf("Previous: the status does not say %q", want)
	}

	// Play (1 s = 1 minute: the 77 s history in about two seconds) ends on the last placement.
	if err := chromedp.Do(tab, chromedp.SetValue(chromedp.CSS(`#tl-speed`), "60"), chromedp.Click(chromedp.CSS(`#tl-play`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.getElementById('tl-play').textContent === 'Play'`, 15*time.Second); err != nil {
		t.Fatal("Play never stopped: ", err)
	}
	frame(last.Seq)
	shoot(t, tab, "timelapse-played.png")
}
