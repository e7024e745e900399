package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/assets"
	"github.com/placecanvas/place/views"
)

func entry(seq uint64, x, y int, color uint8, name string) place.HistoryEntry {
	return place.HistoryEntry{
		Placement: place.Placement{Seq: seq, X: x, Y: y, Color: color, At: time.Date(2026, 5, 1, 12, 3, 4, 0, time.UTC)},
		Username:  name,
	}
}

func TestCanvasPageLivePanels(t *testing.T) {
	d := pageData()
	d.Panels = views.PanelsData{Online: 3, Recent: []place.HistoryEntry{entry(2, 12, 40, 12, "<ada>")}}
	doc, raw := render(t, d)
	live := one(t, doc, "data-testid", "live-panels")
	wantAttrs(t, live, map[string]string{"hx-ext": "sse", "sse-connect": "/panels/events"})
	wantAttrs(t, one(t, doc, "id", "online-panel"), map[string]string{"sse-swap": "online"})
	wantAttrs(t, one(t, doc, "id", "recent-panel"), map[string]string{"sse-swap": "recent"})
	if got := text(one(t, doc, "data-testid", "online-count")); got != "3 players online" {
		t.Errorf("online = %q", got)
	}
	if got := text(one(t, doc, "data-testid", "recent-list")); got != "<ada> placed blue at 12, 40 12:03:04 UTC" {
		t.Errorf("recent = %q", got)
	}
	if strings.Contains(raw, "<ada>") {
		t.Error("a username was not escaped")
	}
	for _, src := range []string{"vendor/htmx/htmx.min.js", "vendor/htmx-ext-sse/sse.min.js"} {
		s := one(t, doc, "src", assets.URL(src))
		wantAttrs(t, s, map[string]string{"defer": ""})
	}
	toggle := one(t, doc, "id", "notify-ready")
	wantAttrs(t, toggle, map[string]string{"type": "checkbox", "aria-describedby": "notify-status"})
}

func TestOnlineCountWords(t *testing.T) {
	for n, want := range map[int]string{0: "0 players online", 1: "1 player online", 2: "2 players online"} {
		var buf bytes.Buffer
		if err := views.OnlineCount(n).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		doc, _ := html.Parse(&buf)
		if got := text(doc); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func TestHistoryPageTable(t *testing.T) {
	var buf bytes.Buffer
	d := views.HistoryData{
		Title: "Recent placements", Caption: "Placements on the canvas, newest first",
		Entries: []place.HistoryEntry{entry(9, 1, 2, 5, "ada"), entry(8, 3, 4, 0, "")},
		Older:   "/history/recent?before=8",
	}
	if err := views.HistoryPage(d).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, _ := html.Parse(&buf)
	table := one(t, doc, "data-testid", "history-table")
	captions := find(table, func(n *html.Node) bool { return n.Data == "caption" })
	if len(captions) != 1 || text(captions[0]) != d.Caption {
		t.Errorf("caption %v", captions)
	}
	cols := find(table, byAttr("scope", "col"))
	rows := find(table, byAttr("scope", "row"))
	if len(cols) != 5 || len(rows) != 2 {
		t.Errorf("%d column headers, %d row headers", len(cols), len(rows))
	}
	var cells []string
	for c := rows[0].Parent.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			cells = append(cells, text(c))
		}
	}
	if got := strings.Join(cells, " | "); got != "2026-05-01 12:03:04 UTC | 1, 2 history | red | ada | 9" {
		t.Errorf("first row %q", got)
	}
	if !strings.Contains(text(table), "a deleted user") {
		t.Error("a placement without a user name has no placer")
	}
	wantAttrs(t, one(t, doc, "data-testid", "older-page"), map[string]string{"href": "/history/recent?before=8", "rel": "next"})
	if len(find(doc, byAttr("data-testid", "newest-page"))) != 0 {
		t.Error("the first page links to itself as the newest")
	}
	if mains := find(doc, func(n *html.Node) bool { return n.Data == "main" }); len(mains) != 1 {
		t.Errorf("%d main landmarks", len(mains))
	}
}

func TestPlaceFailedPage(t *testing.T) {
	var buf bytes.Buffer
	page := pageData()
	page.FormX, page.FormY, page.FormColor = "7", "8", 12
	d := views.PlaceFailedData{Page: page, Status: 429, Code: "RATE_LIMITED", Message: "Wait 3 seconds before placing again.", RemainingSeconds: 3}
	if err := views.PlaceFailedPage(d).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, _ := html.Parse(&buf)
	wantAttrs(t, one(t, doc, "data-testid", "error-message"), map[string]string{"role": "alert"})
	if got := text(one(t, doc, "data-testid", "remaining-seconds")); !strings.Contains(got, "3 seconds") {
		t.Errorf("remaining = %q", got)
	}
	wantAttrs(t, one(t, doc, "id", "place-x"), map[string]string{"value": "7"})
	wantAttrs(t, one(t, doc, "id", "place-y"), map[string]string{"value": "8"})
	blue := find(one(t, doc, "id", "place-color"), byAttr("value", "12"))
	if _, sel := attr(blue[0], "selected"); !sel {
		t.Error("the color sent is not selected again")
	}
}
