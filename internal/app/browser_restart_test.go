package app_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/wstest"
)

// TestBrowserSeesUpdateNotOffline restarts the single binary (embedded
// mode) under an open page: the page says it is updating, not offline,
// while the server is away, then reconnects by itself and shows a pixel
// placed after the restart.
func TestBrowserSeesUpdateNotOffline(t *testing.T) {
	newTab := newBrowser(t)
	addr, dataDir := freeAddr(t), t.TempDir()
	args := []string{"--addr", addr, "--data-dir", dataDir, "--cooldown", "0s", "--guest-limit", "0", "--width", "64", "--height", "64"}
	proc, _ := startProcess(t, args...)
	tab, cancel := newTab()
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate("http://"+addr+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected)`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	label := `document.querySelector('[data-testid="connection"]')`

	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, label+`.dataset.state === 'updating'`, 3*time.Second); err != nil {
		t.Fatal("the page does not say it is updating: ", err)
	}
	text := evalJS[string](t, tab, label+`.textContent`)
	if text != "Updating, back in a moment…" {
		t.Errorf("connection label %q", text)
	}
	_ = proc.Wait()
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, "browser-server-updating.png", shot)
	// Away for longer than the backoff would allow before calling it offline.
	time.Sleep(2 * time.Second)
	if s := evalJS[string](t, tab, label+`.dataset.state`); s != "updating" {
		t.Errorf("state %q while the server is away, want updating", s)
	}

	startProcess(t, args...)
	if err := waitJS(tab, `window.placeApp.state.connected`, 10*time.Second); err != nil {
		t.Fatal("the page did not reconnect by itself: ", err)
	}
	c := wstest.MustDial(t, "ws://"+addr+"/ws", wstest.Options{Player: true})
	c.Expect(t, "welcome", 3*time.Second)
	c.Expect(t, "canvas", 3*time.Second)
	c.Place(9, 9, 5, "r1")
	c.Expect(t, "success", 3*time.Second)
	if err := waitJS(tab, `window.placeApp.pixelAt(9, 9) === 5`, 3*time.Second); err != nil {
		t.Fatal("the reconnected page does not show a pixel placed after the restart: ", err)
	}
	if text := evalJS[string](t, tab, label+`.textContent`); text != "Connected" {
		t.Errorf("connection label after the restart %q", text)
	}
}
