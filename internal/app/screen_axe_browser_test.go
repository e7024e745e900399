package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// TestBrowserAxeEventPages checks the screen, the statistics, the account
// and the join pages with axe-core, and keeps screenshots of them.
func TestBrowserAxeEventPages(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 0, Y: 0, Color: 5}, wstest.Event{X: 0, Y: 0, Color: 12}, wstest.Event{X: 3, Y: 4, Color: 8})

	tab, cancel := newTab()
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/join")); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(tab, chromedp.Evaluate[int](`fetch('/api/v1/auth/register', {method: 'POST',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({username: 'organiser', password: 'a long password'})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || status != 200 {
		t.Fatalf("register: %d %v", status, err)
	}
	u, err := ts.App.Store.Users.UserByName(context.Background(), "organiser")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.App.Store.Users.SetAdmin(context.Background(), u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Join.Set(context.Background(), "ROOM-42"); err != nil {
		t.Fatal(err)
	}

	pages := []struct {
		path, shot string
		ready      string
	}{
		{"/screen", "screen-admin-1280x720.png", `!!(window.placeScreen && window.placeScreen.connected && window.htmx) && document.querySelector('[data-testid="screen-join-url"]').textContent.includes('/join/ROOM-42')`},
		{"/stats", "stats.png", ""},
		{"/account", "account.png", ""},
		{"/join", "join.png", ""},
		{"/admin/join", "admin-join.png", ""},
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 720)); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+p.path)); err != nil {
			t.Fatal(err)
		}
		if p.ready != "" {
			if err := waitJS(tab, p.ready, 10*time.Second); err != nil {
				t.Fatal(p.path, ": ", err)
			}
		}
		if title := evalJS[string](t, tab, `document.title`); title == "" || title[:5] == "Error" {
			t.Errorf("%s: title %q", p.path, title)
		}
		axeReport(t, p.path, runAxe(t, tab))
		shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		writeArtifact(t, p.shot, shot)
	}
}
