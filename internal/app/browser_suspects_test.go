package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserSuspectsPage: a moderator, with the keyboard only, finds a
// group of guests sharing an address on /admin/suspects, previews and
// confirms its bulk action; every page is axe-core clean, and the list
// follows new placements without moving the keyboard focus.
func TestBrowserSuspectsPage(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, suspectsConfig)
	srv.newAdmin(t, "moderator")
	guest := func(x int) {
		t.Helper()
		v := srv.visitor(t)
		v.header.Set("X-Forwarded-For", "203.0.113.60")
		if m := v.mustDialWS().place(t, x, 1, 4); m["type"] != "success" {
			t.Fatalf("guest placement: %v", m)
		}
	}
	for x := range 3 {
		guest(x)
	}

	tab, cancel := newTab()
	defer cancel()
	tab, stop := context.WithTimeout(tab, 120*time.Second) // a stuck browser fails the test rather than the run
	defer stop()
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "moderator"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), "moderator password"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.Navigate(srv.URL+"/admin/suspects"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="suspect-group"][data-size="3"]`)),
	); err != nil {
		t.Fatal(err)
	}
	axeReport(t, "/admin/suspects", runAxe(t, tab))

	// The list follows new placements by itself.
	guest(3)
	if err := waitJS(tab, `!!document.querySelector('[data-testid="suspect-group"][data-size="4"]')`, 15*time.Second); err != nil {
		t.Fatalf("the list was not updated: %v", err)
	}
	// With the keyboard: Tab to the group's link. While the focus is on
	// it, the list is not swapped under it.
	link := `document.querySelector('[data-testid="suspect-group"][data-size="4"] a')`
	for i := 0; i < 40 && !evalJS[bool](t, tab, `document.activeElement === `+link); i++ {
		keys(t, tab, kb.Tab)
	}
	if !evalJS[bool](t, tab, `document.activeElement === `+link) {
		t.Fatal("the group's link cannot be reached with Tab")
	}
	guest(4)
	time.Sleep(7 * time.Second)
	if !evalJS[bool](t, tab, `document.activeElement === `+link) {
		t.Fatal("the list was swapped under the keyboard focus")
	}
	keys(t, tab, kb.Enter)
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`[data-testid="group-action-form"]`))); err != nil {
		t.Fatal(err)
	}
	if n := evalJS[int](t, tab, `document.querySelectorAll('[data-testid="group-member"]').length`); n != 5 {
		t.Fatalf("the group page lists %d identities, want 5", n)
	}
	axeReport(t, "/admin/suspects/group", runAxe(t, tab))

	// The form: type the reason, choose the ban's length, send with Enter.
	if err := chromedp.Do(tab, chromedp.Focus(chromedp.CSS(`#group-reason`))); err != nil {
		t.Fatal(err)
	}
	keys(t, tab, "one script, five guests")
	if err := chromedp.Do(tab, chromedp.SetValue(chromedp.CSS(`#group-duration`), "1h")); err != nil {
		t.Fatal(err)
	}
	keys(t, tab, kb.Enter)
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`[data-testid="group-preview"]`))); err != nil {
		t.Fatal(err)
	}
	preview := evalJS[string](t, tab, `document.querySelector('[data-testid="group-preview"]').textContent`)
	if !strings.Contains(preview, "5 identities will be banned") || !strings.Contains(preview, "203.0.113.60 for 1 hour") || !strings.Contains(preview, "5 pixel(s)") {
		t.Fatalf("the preview reads %q", preview)
	}
	axeReport(t, "/admin/suspects/group (preview)", runAxe(t, tab))
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, "admin-suspects-preview.png", shot)

	// Confirm with the keyboard.
	if err := chromedp.Do(tab, chromedp.Focus(chromedp.CSS(`[data-testid="group-confirm"] button`))); err != nil {
		t.Fatal(err)
	}
	keys(t, tab, kb.Enter)
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`))); err != nil {
		t.Fatal(err)
	}
	flash := evalJS[string](t, tab, `document.querySelector('[data-testid="flash"]').textContent`)
	if !strings.Contains(flash, "Banned 5 identities") || !strings.Contains(flash, "restored 5 pixel(s)") {
		t.Fatalf("after the action the page says %q", flash)
	}
	bans, err := srv.Store.NetworkBans.NetworkBans(context.Background(), time.Now())
	if err != nil || len(bans) != 1 || bans[0].Network.String() != "203.0.113.60/32" {
		t.Fatalf("network bans: %+v %v", bans, err)
	}
}
