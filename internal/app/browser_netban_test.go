package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserNetworkBanForm: a moderator bans a network from the admin
// page in a real browser; the ban is listed with its reason and end.
func TestBrowserNetworkBanForm(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, nil)
	srv.newAdmin(t, "moderator")

	tab, cancel := newTab()
	defer cancel()
	tab, stop := context.WithTimeout(tab, 90*time.Second) // a stuck browser fails the test rather than the run
	defer stop()
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "moderator"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), "moderator password"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.Navigate(srv.URL+"/admin/networks"),
		chromedp.SetValue(chromedp.CSS(`#ban-network`), "203.0.113.0/24"),
		chromedp.SetValue(chromedp.CSS(`#ban-duration`), "168h"),
		chromedp.SetValue(chromedp.CSS(`#network-reason`), "vandalism from the lab"),
		chromedp.Submit(chromedp.CSS(`#network-reason`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="network-ban-row"]`)),
	); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(`[data-testid="network-bans"] tbody`)))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, "admin-network-bans.png", shot)
	if !strings.Contains(rows, "203.0.113.0/24") || !strings.Contains(rows, "vandalism from the lab") || !strings.Contains(rows, "moderator") {
		t.Fatalf("the ban row reads %q", rows)
	}
}
