package app_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserBanClosesTheVictimsTab: a player registered in a real browser
// tab is banned by a moderator; the tab's socket closes within a second and
// the account can no longer place or log in.
func TestBrowserBanClosesTheVictimsTab(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, nil)
	admin := srv.newAdmin(t, "moderator")

	tab, cancel := newTab()
	defer cancel()
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/register"),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "vandal"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), "correct horse battery"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && window.placeApp.state.user && window.placeApp.state.user.username === "vandal")`, 10*time.Second); err != nil {
		t.Fatal("the registered player is not connected: ", err)
	}
	victim := srv.user(t, "vandal")

	start := time.Now()
	resp := admin.postForm("/admin/users/"+victim.ID+"/ban", url.Values{"reason": {"slur across the canvas"}})
	if resp.StatusCode != 303 && resp.StatusCode != 200 {
		t.Fatalf("ban: %d %s", resp.StatusCode, resp.Body)
	}
	gone := fmt.Sprintf(`(() => { const s = window.placeApp.state; return !s.connected || !s.user || s.user.userId !== %q; })()`, victim.ID)
	if err := waitJS(tab, gone, 1500*time.Millisecond); err != nil {
		t.Fatal("the banned player's tab kept its socket: ", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("socket closed %v after the ban, want within a second", d)
	}
	t.Logf("the banned player's socket closed %v after the ban request", time.Since(start))
	// The account cannot log back in.
	v := srv.visitor(t)
	if r := v.postJSON("/api/v1/auth/login", map[string]string{"username": "vandal", "password": "correct horse battery"}); r.StatusCode != 403 {
		t.Errorf("login after ban: %d %s", r.StatusCode, r.Body)
	}
}
