package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// TestBrowserLeaderboards plays named players, a guest and two teams, and
// checks the live leaderboards of /stats and /screen (and the template
// health of /screen and /admin/templates), with axe-core and screenshots
// in both themes on a desktop and a phone.
func TestBrowserLeaderboards(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 64, 64 })
	ctx := context.Background()
	paintTemplate(t, ts)
	red, err := ts.App.Teams.Create(ctx, "Red Foxes", 5)
	if err != nil {
		t.Fatal(err)
	}
	blue, err := ts.App.Teams.Create(ctx, "Blue Whales", 12)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"ada", "grace", "linus", "margaret"} {
		u, err := ts.App.Store.Users.CreateAccount(ctx, name, []byte("unused"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		team := []int64{red.ID, blue.ID}[i%2]
		for n := range 8 - 2*i {
			if _, _, err := ts.App.Store.Placer.Place(ctx, place.Player{UserID: u.ID, TeamID: team}, n, 30+i, uint8(i+2), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}

	screens := []screen{{"desktop", 1440, 900, false}, {"phone", 390, 844, true}}
	for _, scheme := range []string{"light", "dark"} {
		for _, s := range screens {
			tab, cancel := newTab()
			emulate(t, tab, s, scheme)
			if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/stats")); err != nil {
				t.Fatal(err)
			}
			if err := waitJS(tab, `document.querySelector('[data-testid="stats-leaderboard"]').dataset.loaded >= 1`, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			players := evalJS[string](t, tab, `document.querySelector('[data-testid="leaderboard-players"]').innerText`)
			teams := evalJS[string](t, tab, `document.querySelector('[data-testid="leaderboard-teams"]').innerText`)
			// ada 8, grace 6, the guest who painted the template 64 first.
			if !strings.Contains(players, "Guest or unnamed player\t64") || !strings.Contains(players, "ada\t8") || !strings.Contains(players, "margaret\t2") {
				t.Fatalf("players:\n%s", players)
			}
			if !strings.Contains(teams, "Red Foxes\t12") || !strings.Contains(teams, "Blue Whales\t8") {
				t.Fatalf("teams:\n%s", teams)
			}
			evalJS[bool](t, tab, `(document.querySelector('[data-testid="stats-leaderboard"]').scrollIntoView(), true)`)
			axeReport(t, fmt.Sprintf("/stats leaderboard (%s, %s)", s.name, scheme), runAxe(t, tab))
			shoot(t, tab, fmt.Sprintf("stats-leaderboard-%s-%s.png", s.name, scheme))

			if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/screen")); err != nil {
				t.Fatal(err)
			}
			if err := waitJS(tab, `document.querySelector('[data-testid="screen-leaderboard"]').dataset.loaded >= 1 && !document.querySelector('[data-testid="screen-health"]').hidden`, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			health := evalJS[string](t, tab, `document.querySelector('[data-testid="screen-health"]').innerText`)
			if !strings.Contains(health, "Stripes") || !strings.Contains(health, "100%") {
				t.Fatalf("screen health: %q", health)
			}
			axeReport(t, fmt.Sprintf("/screen leaderboard (%s, %s)", s.name, scheme), runAxe(t, tab))
			shoot(t, tab, fmt.Sprintf("screen-leaderboard-%s-%s.png", s.name, scheme))
			cancel()
		}
	}

	// The leaderboard follows new placements without a reload, and the
	// period switch works from the keyboard.
	tab, cancel := newTab()
	defer cancel()
	adminTab(t, tab, ts, "organiser")
	emulate(t, tab, screens[0], "light")
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/stats")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.querySelector('[data-testid="stats-leaderboard"]').dataset.loaded >= 1`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	margaret, err := ts.App.Store.Users.UserByName(ctx, "margaret")
	if err != nil {
		t.Fatal(err)
	}
	for n := range 20 {
		if _, _, err := ts.App.Store.Placer.Place(ctx, place.Player{UserID: margaret.ID}, n, 40, 7, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	evalJS[bool](t, tab, `(document.querySelector('[data-period="all"]').focus(), true)`)
	keys(t, tab, "\r")
	if err := waitJS(tab, `document.querySelector('[data-period="all"]').getAttribute('aria-pressed') === 'true' && /margaret\t22/.test(document.querySelector('[data-testid="leaderboard-players"]').innerText)`, 8*time.Second); err != nil {
		t.Fatalf("after 20 more placements: %s", evalJS[string](t, tab, `document.querySelector('[data-testid="leaderboard-players"]').innerText`))
	}
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/admin/templates")); err != nil {
		t.Fatal(err)
	}
	cell := evalJS[string](t, tab, `document.querySelector('[data-testid="template-health"]').innerText`)
	if !strings.Contains(cell, "100% (64 of 64 pixels right)") {
		t.Fatalf("admin health cell: %q", cell)
	}
	axeReport(t, "/admin/templates with health", runAxe(t, tab))
	shoot(t, tab, "admin-templates-health.png")
}
