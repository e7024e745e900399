package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/testenv"
)

// chromium returns the path of Chromium, or skips (fails when services are
// required).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return testenv.LookPath(t, "chromium", "apt-get install chromium")
}

// newBrowser starts a headless Chromium; each returned tab context has its
// own cookie jar (a separate browser context), like two people.
func newBrowser(t *testing.T) func() (context.Context, context.CancelFunc) {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1000, 800),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return func() (context.Context, context.CancelFunc) {
		return chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	}
}

// artifactDir is where screenshots are kept (PLACE_ARTIFACTS or ./artifacts
// at the repository root).
func artifactDir(t *testing.T) string {
	dir := os.Getenv("PLACE_ARTIFACTS")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func waitJS(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", expr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBrowserTwoPlayers(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 5 * time.Second })

	a, cancelA := newTab()
	defer cancelA()
	b, cancelB := newTab()
	defer cancelB()
	for _, tab := range []context.Context{a, b} {
		if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/")); err != nil {
			t.Fatal(err)
		}
		if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && window.placeApp.state.lastSeq !== null)`, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}

	// Player A picks red and clicks the middle of the canvas.
	if err := chromedp.Do(a, chromedp.Click(chromedp.CSS(`[data-testid="palette-5"]`))); err != nil {
		t.Fatal(err)
	}
	box, err := chromedp.Run(a, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector('#canvas').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	cx, cy := box[0]+box[2]/2, box[1]+box[3]/2
	if err := chromedp.Do(a, chromedp.MouseClickXY(cx, cy)); err != nil {
		t.Fatal(err)
	}
	// Find the pixel that turned red locally (optimistic update).
	findRed := `(() => { const p = window.placeApp; for (let y = 0; y < 500; y++) for (let x = 0; x < 500; x++) if (p.pixelAt(x, y) === 5) return [x, y]; return []; })()`
	if err := waitJS(a, findRed+`.length === 2`, 3*time.Second); err != nil {
		t.Fatal("the clicked pixel did not change locally: ", err)
	}
	xy, err := chromedp.Run(a, chromedp.Evaluate[[]int](findRed))
	if err != nil || len(xy) != 2 {
		t.Fatal(xy, err)
	}
	start := time.Now()
	// Player B sees it.
	if err := waitJS(b, fmt.Sprintf(`window.placeApp.pixelAt(%d, %d) === 5`, xy[0], xy[1]), 2*time.Second); err != nil {
		t.Fatal("the other player never saw the pixel: ", err)
	}
	t.Logf("pixel (%d,%d) seen by the other player (polled %v after the click was found locally)", xy[0], xy[1], time.Since(start))
	// The server has it.
	_, body := get(t, ts.URL+"/api/v1/canvas", nil)
	if body[xy[1]*500+xy[0]] != 5 {
		t.Errorf("server canvas at (%d,%d) = %d", xy[0], xy[1], body[xy[1]*500+xy[0]])
	}

	// A second click within the cooldown: a toast says to wait, and nothing stays.
	if err := chromedp.Do(a, chromedp.MouseClickXY(cx+40, cy+40)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(a, `/Wait \d+/.test(document.querySelector('[data-testid="toast"]').textContent)`, 3*time.Second); err != nil {
		t.Fatal("no cooldown toast: ", err)
	}
	reds, _ := chromedp.Run(a, chromedp.Evaluate[int](`(() => { let n = 0; const p = window.placeApp; for (let y = 0; y < 500; y++) for (let x = 0; x < 500; x++) if (p.pixelAt(x, y) === 5) n++; return n; })()`))
	if reds != 1 {
		t.Errorf("%d red pixels after the refused click, want 1 (the refused one rolled back)", reds)
	}
	toast, err := chromedp.Run(a, chromedp.Text(chromedp.CSS(`[data-testid="toast"]`)))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(a, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toast, "Wait") {
		t.Errorf("toast = %q", toast)
	}
	writeArtifact(t, "browser-two-players.png", shot)
}

// writeArtifact keeps a file (a screenshot) in the artifact directory.
func writeArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifact: %s", path)
}
