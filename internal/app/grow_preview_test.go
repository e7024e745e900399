package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
)

// TestGrowPreviewChangesNothing: "Preview first" on /admin/canvas shows the
// new size and what it adds, and changes nothing (size, audit log); a size
// that cannot be grown to is refused as the growth itself would be.
func TestGrowPreviewChangesNothing(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Width, c.Height = 16, 16 })
	admin := srv.newAdmin(t, "organiser")
	r := admin.postForm("/admin/canvas/grow", url.Values{"width": {"24"}, "height": {"17"}, "preview": {"1"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d %.300s", r.StatusCode, r.Body)
	}
	for _, want := range []string{`data-testid="grow-preview"`, "from 16 × 16 to 24 × 17: 8 new columns on the right and 1 new row at the bottom", "Nothing has changed yet", `value="24"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if sz := srv.Hub.Size(); sz.Width != 16 || sz.Height != 16 {
		t.Errorf("a preview grew the canvas to %v", sz)
	}
	if a := auditActions(t, srv); len(a) != 0 {
		t.Errorf("a preview reached the audit log: %+v", a)
	}
	r = admin.postForm("/admin/canvas/grow", url.Values{"width": {"12"}, "height": {"20"}, "preview": {"1"}})
	if r.StatusCode != http.StatusBadRequest || strings.Contains(r.Body, `data-testid="grow-preview"`) {
		t.Errorf("a shrinking preview: %d", r.StatusCode)
	}
	// Without preview the same form grows the canvas, as before.
	if r := admin.postForm("/admin/canvas/grow", url.Values{"width": {"24"}, "height": {"17"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("grow: %d", r.StatusCode)
	}
}

// TestBrowserGrowPreview: the preview as an organiser sees it passes
// axe-core and shows the canvas inside the new size.
func TestBrowserGrowPreview(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 16, 16 })
	tab, cancel := newTab()
	defer cancel()
	adminTab(t, tab, ts, "organiser")
	emulate(t, tab, desktop, "dark")
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/admin/canvas"),
		chromedp.SetValue(chromedp.CSS(`#grow-width`), "40"),
		chromedp.SetValue(chromedp.CSS(`#grow-height`), "24"),
		chromedp.Click(chromedp.CSS(`[data-testid="grow-preview-button"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!document.querySelector('[data-testid="grow-preview"] img') && document.querySelector('[data-testid="grow-preview"] img').complete`, 5*time.Second); err != nil {
		t.Fatal("no preview: ", err)
	}
	// The canvas now takes 16/40 of the frame's width and 16/24 of its height.
	ratio := evalJS[[]float64](t, tab, `(() => { const f = document.querySelector('.grow-preview-frame').getBoundingClientRect(), i = document.querySelector('.grow-preview-frame img').getBoundingClientRect(); return [i.width / f.width, i.height / f.height]; })()`)
	if ratio[0] < 0.38 || ratio[0] > 0.42 || ratio[1] < 0.64 || ratio[1] > 0.69 {
		t.Errorf("the canvas fills %v of the preview, want about [0.4 0.667]", ratio)
	}
	if sz := ts.App.Hub.Size(); sz.Width != 16 {
		t.Errorf("the preview grew the canvas to %v", sz)
	}
	axeReport(t, "/admin/canvas (preview)", runAxe(t, tab))
	shoot(t, tab, "admin-canvas-preview.png")
}
