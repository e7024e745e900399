package app_test

import (
	"context"
	"fmt"
	"image/color"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// TestGameOutlinesAreasAndTemplates: a player asks for outlines in the More
// panel; a protected area and a template added by the organisers while the
// page is open are outlined (and the template is listed) the next time the
// panel opens, without a reload; a deleted area's outline goes.
func TestGameOutlinesAreasAndTemplates(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 32, 32 })
	admin := srv.newAdmin(t, "organiser")

	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, desktop, "light")
	openGame(t, tab, srv.URL+"/")
	// The middle of the bottom edge of a rectangle, where its outline runs.
	edge := func(x, y, w, h int) string {
		return evalJS[string](t, tab, fmt.Sprintf(`(() => {
			const c = document.getElementById('canvas'), v = window.placeApp.state.view, dpr = c.width / c.clientWidth;
			const px = Math.round((v.offsetX + (%d + %d / 2) * v.scale) * dpr), py = Math.round((v.offsetY + %d * v.scale) * dpr);
			const d = c.getContext('2d').getImageData(px, py, 1, 1).data;
			return d[0] + ',' + d[1] + ',' + d[2];
		})()`, x, w, y+h))
	}
	frame := func() {
		evalJSAwait[bool](t, tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	}
	reopen := func() {
		t.Helper()
		reads := evalJS[string](t, tab, `document.querySelector('[data-testid="canvas-overlays"]').dataset.outlineReads || '0'`)
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
			t.Fatal(err)
		}
		if evalJS[bool](t, tab, `document.getElementById('more-sheet').hidden`) {
			if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
				t.Fatal(err)
			}
		}
		if err := waitJS(tab, `(document.querySelector('[data-testid="canvas-overlays"]').dataset.outlineReads || '0') !== '`+reads+`'`, 5*time.Second); err != nil {
			t.Fatal("the outlines were not read again when the panel opened: ", err)
		}
		frame()
	}
	// reopenUntil reopens the panel until check holds, up to three times:
	// a read may fail under load (the last outlines then stay, as they
	// should) or be one that started before the change, so one more
	// opening, which reads again, is allowed before the test fails.
	reopenUntil := func(check func() bool) bool {
		t.Helper()
		for attempt := 1; ; attempt++ {
			reopen()
			if check() {
				return true
			}
			if attempt == 3 {
				return false
			}
			t.Logf("the outlines were not as expected after opening the panel (attempt %d); opening it again", attempt)
			if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(".sheet-close"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The edges as drawn without outlines (on a grid line at this zoom).
	areaEdge, tplEdge := edge(4, 4, 8, 6), edge(18, 16, 10, 8)
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="outline-toggle"]`))); err != nil {
		t.Fatal("no outline switch: ", err)
	}
	if err := waitJS(tab, `document.querySelector('[data-testid="canvas-overlays"]').dataset.outlineReads >= '1'`, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	// Added while the page is open: outlined once the panel opens again.
	if r := admin.postForm("/admin/areas/protect", url.Values{"x": {"4"}, "y": {"4"}, "w": {"8"}, "h": {"6"}, "name": {"logo"}}); r.StatusCode != 303 {
		t.Fatalf("protect: %d %.300s", r.StatusCode, r.Body)
	}
	tpl, err := srv.Store.Events.AddTemplate(context.Background(), place.Template{
		Name: "heart", X: 18, Y: 16, Width: 10, Height: 8, PNG: pngOf(t, 10, 8, func(x, y int) color.Color { return paletteColor(5) }), CreatedAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(".sheet-close"))); err != nil {
		t.Fatal(err)
	}
	if !reopenUntil(func() bool { return edge(4, 4, 8, 6) != areaEdge && edge(18, 16, 10, 8) != tplEdge }) {
		t.Errorf("the protected area (%s against %s) or the template (%s against %s) is not outlined", edge(4, 4, 8, 6), areaEdge, edge(18, 16, 10, 8), tplEdge)
	}
	if !evalJS[bool](t, tab, `!!document.querySelector('[data-template="`+strconv.FormatInt(tpl.ID, 10)+`"]')`) {
		t.Error("the new template is not listed in the panel")
	}
	axeReport(t, "/ with outlines", runAxe(t, tab))
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(".sheet-close"))); err != nil {
		t.Fatal(err)
	}
	frame()
	shoot(t, tab, "game-outlines.png")

	// Deleted: the outline goes.
	areas := srv.Store.Events
	ev, err := areas.LoadEvent(context.Background())
	if err != nil || len(ev.Areas) != 1 {
		t.Fatalf("areas: %+v %v", ev, err)
	}
	if r := admin.postForm("/admin/areas/"+strconv.FormatInt(ev.Areas[0].ID, 10)+"/delete", nil); r.StatusCode != 303 {
		t.Fatalf("delete area: %d", r.StatusCode)
	}
	if !reopenUntil(func() bool { return edge(4, 4, 8, 6) == areaEdge }) {
		t.Errorf("a deleted area is still outlined (%s)", edge(4, 4, 8, 6))
	}
}
