package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// TestBrowserWipeAndGrowthViews: on every screen, light and dark, the game's
// pixel info names a wiped pixel's wipe and neither a rollback nor the
// moderator, the history page and the recent panel say "wipe", and the
// moderator's views of a wipe's rollback and of a growth's undo render;
// each view is kept as a screenshot.
func TestBrowserWipeAndGrowthViews(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 48, 32 })
	ctx := context.Background()
	artist, _ := srv.Store.Users.CreateAccount(ctx, "artist", nil, time.Now())
	now := time.Now()
	for x := range 8 {
		if _, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: artist.ID}, 10+x, 10+x%3, uint8(2+x), now.Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.Store.Sizes.Grow(ctx, place.Size{Width: 64, Height: 40}, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, gameScreens[0], "light")
	browserAdmin(t, tab, srv, "moderator")
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/admin/areas")); err != nil {
		t.Fatal(err)
	}
	submitForm(t, tab, "/admin/areas/wipe", `{x: '9', y: '9', w: '10', h: '4', color: '13', confirm: '1'}`)
	waitCanvas(t, srv, 8+40) // the 40 pixels of the rectangle
	since := now.Add(-time.Hour).UTC().Format(time.RFC3339)

	views := []struct {
		name, path, form, ready string
	}{
		{"game-wiped-pixel", "/#x=12&y=10&z=16", "", `/Wiped to/.test(document.getElementById('pixel-owner').textContent)`},
		{"history-wiped-pixel", "/history?x=12&y=10", "", ""},
		{"recent", "/history/recent", "", ""},
		{"admin-areas", "/admin/areas", "", ""},
		{"admin-rollback-preview", "/admin/areas", `{x: '9', y: '9', w: '10', h: '4', since: '` + since + `'}`, ""},
		{"admin-canvas-undo", "/admin/canvas", "", ""},
	}
	for _, s := range gameScreens {
		for _, scheme := range []string{"light", "dark"} {
			emulate(t, tab, s, scheme)
			for _, v := range views {
				name := v.name + "-" + s.name + "-" + scheme
				if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+v.path)); err != nil {
					t.Fatal(err)
				}
				if v.form != "" {
					submitForm(t, tab, "/admin/areas/rollback", v.form)
				}
				if v.ready != "" {
					if err := waitJS(tab, v.ready, 5*time.Second); err != nil {
						t.Fatalf("%s: %v (pixel info %q)", name, err, evalJS[string](t, tab, `document.getElementById('pixel-info')?.innerText ?? ''`))
					}
				}
				checkWipeView(t, tab, v.name, name)
				shoot := chromedp.FullScreenshot(100) // the whole page
				if v.ready != "" {
					shoot = chromedp.CaptureScreenshot() // the game fills the screen
				}
				shot, err := chromedp.Run(tab, shoot)
				if err != nil {
					t.Fatal(err)
				}
				writeArtifact(t, name+".png", shot)
			}
		}
	}
}

// checkWipeView checks what a view says about the wipe.
func checkWipeView(t *testing.T, tab context.Context, view, name string) {
	t.Helper()
	text := evalJS[string](t, tab, `document.body.innerText`)
	want := map[string]string{
		"game-wiped-pixel":       "Wiped to ",
		"history-wiped-pixel":    "(moderator's wipe)",
		"recent":                 "(moderator's wipe)",
		"admin-areas":            "a mistaken wipe comes back this way",
		"admin-rollback-preview": "Roll back",
		"admin-canvas-undo":      "Undo the growth, back to 48 × 32",
	}[view]
	if !strings.Contains(text, want) {
		t.Errorf("%s does not say %q:\n%s", name, want, text)
	}
	if view == "game-wiped-pixel" {
		info := evalJS[string](t, tab, `document.getElementById('pixel-info').innerText`)
		if strings.Contains(info, "rollback") || strings.Contains(info, "moderator ") && !strings.Contains(info, "by a moderator") {
			t.Errorf("%s: pixel info %q", name, info)
		}
	}
}
