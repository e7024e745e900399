package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/assets"
	"github.com/placecanvas/place/views"
)

func TestCoordinatesLinkToTheCanvas(t *testing.T) {
	d := pageData()
	d.Panels = views.PanelsData{Recent: []place.HistoryEntry{entry(2, 12, 40, 12, "ada")}}
	_, raw := render(t, d)
	if !strings.Contains(raw, `href="/#x=12&amp;y=40&amp;z=16"`) {
		t.Error("the recent panel's coordinates do not link to the canvas")
	}
	var buf bytes.Buffer
	h := views.HistoryData{Title: "Recent", Caption: "c", Entries: []place.HistoryEntry{entry(9, 1, 2, 5, "ada")}}
	if err := views.HistoryPage(h).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="/#x=1&amp;y=2&amp;z=16"`, `href="/history?x=1&amp;y=2"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("/history/recent has no %s", want)
		}
	}
	buf.Reset()
	h = views.HistoryData{Title: "Pixel", Caption: "c", Pixel: &place.Pixel{X: 7, Y: 9}}
	if err := views.HistoryPage(h).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `href="/#x=7&amp;y=9&amp;z=16"`) {
		t.Error("a pixel's history does not link to it on the canvas")
	}
}

func TestNoScriptImageMarksThePlacedPixel(t *testing.T) {
	d := pageData() // 500 × 300
	d.FormX, d.FormY, d.Placed = "100", "150", true
	_, raw := render(t, d)
	for _, want := range []string{`src="/api/v1/canvas.png?scale=2"`, `data-testid="placed-mark"`, `left:20.1000%;top:50.1667%`, `--ratio:1.6667`} {
		if !strings.Contains(raw, want) {
			t.Errorf("the no-JS image has no %s", want)
		}
	}
	d.Placed = false
	if _, raw := render(t, d); strings.Contains(raw, "placed-mark") {
		t.Error("a mark without a placement")
	}
	d.Width, d.Height, d.Placed = 2000, 2000, true
	d.FormX = "2000" // outside: no mark
	_, raw = render(t, d)
	if !strings.Contains(raw, `scale=1"`) || strings.Contains(raw, "placed-mark") {
		t.Error("a 2000-pixel canvas: want scale 1 and no mark outside the canvas")
	}
}

func TestCanvasPageStartsWithoutAColor(t *testing.T) {
	doc, raw := render(t, pageData())
	if got := text(one(t, doc, "id", "selected-color")); got != "none" {
		t.Errorf("selected color %q at start", got)
	}
	if strings.Contains(raw, `aria-pressed="true"`) {
		t.Error("a swatch is pressed at start")
	}
	one(t, doc, "data-testid", "place-button")
	one(t, doc, "data-testid", "eyedropper")
	if one(t, doc, "id", "online-panel") != nil && !strings.Contains(raw, `class="online js-only"`) {
		t.Error("the players-online count shows without JavaScript")
	}
}

func TestLayoutHasIconAndManifest(t *testing.T) {
	doc, _ := render(t, pageData())
	for _, name := range []string{"icons/favicon.svg", "icons/icon-192.png", "icons/manifest.json"} {
		if len(find(doc, byAttr("href", assets.URL(name)))) == 0 {
			t.Errorf("no link to %s", name)
		}
		if !assets.Exists(assets.URL(name)) {
			t.Errorf("%s is linked but not embedded", name)
		}
	}
}
