package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// TestBrowserTeamPicker creates a team on /admin/teams, picks it in the
// game's More panel with the keyboard on a desktop and a phone (the second
// change is refused, and the panel says why), and checks /admin/teams, the
// game with the picker and /stats with teams against axe-core.
func TestBrowserTeamPicker(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 64, 64 })
	tab, cancel := newTab()
	defer cancel()
	adminTab(t, tab, ts, "organiser")
	emulate(t, tab, screen{"desktop", 1440, 900, false}, "light")
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/admin/teams"),
		chromedp.SendKeys(chromedp.CSS("#new-team-name"), "Red Foxes"),
		chromedp.SetValue(chromedp.CSS("#new-team-color"), "5"),
		chromedp.Click(chromedp.CSS(`[data-testid="team-create"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.querySelectorAll('[data-testid="team-row"]').length === 1`, 5*time.Second); err != nil {
		t.Fatal("the created team is not listed: ", err)
	}
	for _, n := range []struct {
		name  string
		color int
	}{{"Blue Whales", 12}, {"Green Geckos", 10}} {
		if _, err := ts.App.Teams.Create(context.Background(), n.name, n.color); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/admin/teams")); err != nil {
		t.Fatal(err)
	}
	axeReport(t, "/admin/teams", runAxe(t, tab))
	shoot(t, tab, "admin-teams.png")
	teams, err := ts.App.Teams.Teams(context.Background())
	if err != nil || len(teams) != 3 {
		t.Fatalf("teams: %+v %v", teams, err)
	}

	for i, s := range []screen{{"desktop", 1440, 900, false}, {"phone", 390, 844, true}} {
		pickInGame(t, newTab, ts.URL, s, teams[i], i)
	}

	waitFor(t, "the per-team placements", 5*time.Second, func() bool {
		ts2, err := ts.App.Teams.Teams(context.Background())
		return err == nil && ts2[0].Placements == 1 && ts2[1].Placements == 1 && ts2[0].Players == 1
	})
	// The account page has the picker too (the organiser is in no team).
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/account")); err != nil {
		t.Fatal(err)
	}
	if n := evalJS[int](t, tab, `document.querySelectorAll('#team-picker:not([hidden]) input[name="team"]').length`); n != 4 {
		t.Fatalf("the account page's picker has %d choices, want 4", n)
	}
	axeReport(t, "/account with teams", runAxe(t, tab))
	shoot(t, tab, "account-teams.png")
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/stats")); err != nil {
		t.Fatal(err)
	}
	body := evalJS[string](t, tab, `document.querySelector('[data-testid="stats-teams"]')?.innerText ?? ''`)
	if !strings.Contains(body, "Red Foxes") || !strings.Contains(body, "Green Geckos") {
		t.Fatalf("stats teams table: %q", body)
	}
	axeReport(t, "/stats with teams", runAxe(t, tab))
	shoot(t, tab, "stats-teams.png")
}

// pickInGame picks team (the i-th, i+1 arrow presses below "No team") in
// the More panel with the keyboard, checks and shoots the outcome, checks
// that a second change is refused, and places a pixel at i, 0.
func pickInGame(t *testing.T, newTab func() (context.Context, context.CancelFunc), url string, s screen, team place.Team, i int) {
	t.Helper()
	player, cancel := newTab()
	defer cancel()
	emulate(t, player, s, "light")
	openGame(t, player, url+"/")
	if err := chromedp.Do(player, chromedp.Click(chromedp.CSS("#open-more"))); err != nil {
		t.Fatal(err)
	}
	// The panel reads the teams when it opens; pick with the keyboard.
	if err := waitJS(player, `document.getElementById('team-picker').dataset.refreshed >= 1 && !document.getElementById('team-picker').hidden && document.querySelectorAll('#team-options input').length === 4`, 5*time.Second); err != nil {
		t.Fatal("the picker does not list the teams: ", err)
	}
	pick := team.ID
	evalJS[bool](t, player, `(document.querySelector('#team-options input[value="0"]').focus(), document.getElementById('team-picker').scrollIntoView({block: 'center'}), true)`)
	for range i + 1 {
		keys(t, player, kb.ArrowDown) // the next team
	}
	if got := evalJS[string](t, player, `document.querySelector('#team-options input:checked').value`); got != fmt.Sprint(pick) {
		t.Fatalf("the arrow keys checked %s, want %d", got, pick)
	}
	keys(t, player, kb.Enter) // Enter submits the form
	want := "You play for " + team.Name + " now."
	if err := waitJS(player, `document.getElementById('team-status').textContent === `+fmt.Sprintf("%q", want), 5*time.Second); err != nil {
		t.Fatalf("status %q, want %q", evalJS[string](t, player, `document.getElementById('team-status').textContent`), want)
	}
	axeReport(t, "/ with the team picker ("+s.name+")", runAxe(t, player))
	shot, err := chromedp.Run(player, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, "team-picker-"+s.name+".png", shot)
	// A second change within the minute is refused and said so; the
	// picker shows the team the player is still in.
	evalJS[bool](t, player, `(document.querySelector('#team-options input[value="0"]').click(), true)`)
	if err := chromedp.Do(player, chromedp.Click(chromedp.CSS(`[data-testid="team-save"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(player, `/once a minute/.test(document.getElementById('team-status').textContent) && document.querySelector('#team-options input:checked').value === '`+fmt.Sprint(pick)+`'`, 5*time.Second); err != nil {
		t.Fatalf("refusal: status %q", evalJS[string](t, player, `document.getElementById('team-status').textContent`))
	}
	// A pixel placed now counts for the team.
	evalJS[bool](t, player, `(document.getElementById('place-x').value = '`+fmt.Sprint(i)+`', document.getElementById('place-y').value = '0', true)`)
	if err := chromedp.Do(player, chromedp.Click(chromedp.CSS(`[data-testid="place-submit"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(player, `/Placed/.test(document.getElementById('announcer').textContent + document.getElementById('toast').textContent)`, 5*time.Second); err != nil {
		t.Fatal("the placement was not confirmed: ", err)
	}
}
