package app_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// axeSource is axe-core from the npm registry (make vendor-js); it is
// injected by the tests only and never served.
//
//go:embed testdata/axe.min.js
var axeSource string

// evalJS evaluates expr in the tab and decodes its value.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func keys(t *testing.T, ctx context.Context, k string, opts ...chromedp.KeyOption) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(k, opts...)); err != nil {
		t.Fatalf("keys %q: %v", k, err)
	}
}

// announced waits until the live region (#announcer) says want.
func announced(t *testing.T, ctx context.Context, want string, timeout time.Duration) {
	t.Helper()
	js, _ := json.Marshal(want)
	if err := waitJS(ctx, `document.getElementById('announcer').textContent.includes(`+string(js)+`)`, timeout); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('announcer').textContent`))
		t.Fatalf("the live region never said %q (it says %q)", want, got)
	}
}

// expectPixel waits for a pixels message with the given event.
func expectPixel(t *testing.T, c *wstest.Client, want wstest.Event, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m, err := c.Next(time.Until(deadline))
		if err != nil {
			break
		}
		if m.Type != "pixels" {
			continue
		}
		for _, e := range m.Events {
			if e == want {
				return
			}
		}
	}
	t.Fatalf("the second client never saw %+v", want)
}

// A player who uses only the keyboard: from the first Tab to a placed
// pixel, hearing each step in the live region, and seen by another client.
func TestBrowserKeyboardOnlyPlay(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 3 * time.Second })
	other, _, _ := ts.dialReady(t, wstest.Options{})

	tab, cancel := newTab()
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected && document.getElementById('canvas-status').hidden)`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	attrs := evalJS[map[string]string](t, tab, `(() => { const c = document.getElementById('canvas');
		return {role: c.getAttribute('role'), describedby: c.getAttribute('aria-describedby'), tabindex: c.getAttribute('tabindex'),
			help: document.getElementById(c.getAttribute('aria-describedby')).textContent}; })()`)
	if attrs["role"] != "application" || attrs["tabindex"] != "0" || !strings.Contains(attrs["help"], "arrow keys move the cursor") {
		t.Errorf("canvas attributes %v", attrs)
	}

	// Tab from the top of the page until the canvas has focus.
	presses := 0
	for ; presses < 20; presses++ {
		if evalJS[string](t, tab, `document.activeElement ? document.activeElement.id : ''`) == "canvas" {
			break
		}
		keys(t, tab, kb.Tab)
	}
	if presses == 20 {
		t.Fatal("Tab never reached the canvas")
	}
	t.Logf("the canvas has focus after %d Tab presses", presses)
	if outline := evalJS[string](t, tab, `getComputedStyle(document.getElementById('canvas')).outlineStyle`); outline == "none" {
		t.Error("the focused canvas shows no focus outline")
	}
	announced(t, tab, "x 250, y 250, currently white", 2*time.Second)

	// Arrows move the cursor, Shift moves ten.
	keys(t, tab, kb.ArrowRight+kb.ArrowRight)
	keys(t, tab, kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierShift))
	keys(t, tab, kb.ArrowUp)
	if c := evalJS[map[string]int](t, tab, `window.placeApp.state.cursor`); c["x"] != 252 || c["y"] != 259 {
		t.Fatalf("cursor at %v, want 252, 259", c)
	}
	announced(t, tab, "x 252, y 259, currently white", 2*time.Second)

	// Shift+2 picks color 12, blue.
	keys(t, tab, "2", chromedp.KeyModifiers(chromedp.ModifierShift))
	if got := evalJS[int](t, tab, `window.placeApp.state.selectedColor`); got != 12 {
		t.Fatalf("selected color %d, want 12 (blue)", got)
	}
	announced(t, tab, "Selected blue", 2*time.Second)
	if p := evalJS[string](t, tab, `document.querySelector('[data-testid="palette-12"]').getAttribute('aria-pressed')`); p != "true" {
		t.Errorf("the blue swatch has aria-pressed=%q", p)
	}

	// + zooms in around the cursor, which stays in view.
	before := evalJS[float64](t, tab, `window.placeApp.state.view.scale`)
	keys(t, tab, "+++")
	after := evalJS[float64](t, tab, `window.placeApp.state.view.scale`)
	if after <= before {
		t.Errorf("zoom %v → %v after +", before, after)
	}
	inView := evalJS[bool](t, tab, `(() => { const v = window.placeApp.state.view, c = window.placeApp.state.cursor, el = document.getElementById('canvas');
		const x = v.offsetX + (c.x + 0.5) * v.scale, y = v.offsetY + (c.y + 0.5) * v.scale;
		return x >= 0 && y >= 0 && x <= el.clientWidth && y <= el.clientHeight; })()`)
	if !inView {
		t.Error("the cursor left the view after zooming")
	}
	time.Sleep(100 * time.Millisecond) // one frame, so the cursor is drawn
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifactDir(t), "keyboard-cursor.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the keyboard cursor: %s", path)

	// Enter places; the player hears the outcome and, later, that they can
	// place again; the other client sees the pixel.
	keys(t, tab, kb.Enter)
	announced(t, tab, "Placed blue at 252, 259. Next pixel in 3 seconds.", 3*time.Second)
	expectPixel(t, other, wstest.Event{X: 252, Y: 259, Color: 12}, 3*time.Second)
	// The live panel, swapped in by htmx from the panels' SSE stream, lists it.
	if err := waitJS(tab, `/placed blue at 252, 259/.test(document.getElementById('recent-panel').textContent)`, 4*time.Second); err != nil {
		t.Error("the recent-placements panel did not update: ", err)
	}
	// Space within the cooldown is refused, and the player is told to wait.
	keys(t, tab, kb.ArrowLeft)
	keys(t, tab, " ")
	if err := waitJS(tab, `/Wait \d+ seconds?/.test(document.getElementById('toast').textContent)`, 2*time.Second); err != nil {
		t.Error("no wait message for a placement within the cooldown")
	}
	announced(t, tab, "Ready to place.", 6*time.Second)
}

// A player without JavaScript: the canvas as an image and the form,
// operated with the keyboard, then the outcome on the next page.
func TestBrowserPlaceWithoutJavaScript(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 5 * time.Second })
	other, _, _ := ts.dialReady(t, wstest.Options{})

	tab, cancel := newTab()
	defer cancel()
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`img.board-image`))); err != nil {
		t.Fatal("no canvas image without JavaScript: ", err)
	}
	if evalJS[bool](t, tab, `!!window.placeApp`) {
		t.Fatal("the canvas module ran although scripts are disabled")
	}
	if visible := evalJS[bool](t, tab, `document.getElementById('canvas').offsetParent !== null`); visible {
		t.Error("the live canvas is shown without JavaScript")
	}

	if err := chromedp.Do(tab, chromedp.Focus(chromedp.CSS(`#place-x`))); err != nil {
		t.Fatal(err)
	}
	keys(t, tab, "7"+kb.Tab+"8"+kb.Tab+"blue")
	if got := evalJS[string](t, tab, `document.getElementById('place-color').value`); got != "12" {
		t.Fatalf("typing 'blue' on the color select chose %q", got)
	}
	keys(t, tab, kb.Tab)
	if id := evalJS[string](t, tab, `document.activeElement.dataset.testid || ''`); id != "place-submit" {
		t.Fatalf("focus on %q, want the submit button", id)
	}
	keys(t, tab, kb.Enter)
	if err := waitJS(tab, `location.search === '?placed=7,8' && !!document.querySelector('[data-testid="flash"]')`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	flash := evalJS[string](t, tab, `document.querySelector('[data-testid="flash"]').textContent`)
	if flash != "Placed blue at 7, 8. Next pixel in 5 seconds." {
		t.Errorf("flash %q", flash)
	}
	expectPixel(t, other, wstest.Event{X: 7, Y: 8, Color: 12}, 3*time.Second)

	// Again at once: the refusal page says how long to wait.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="place-submit"]`))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `!!document.querySelector('[data-testid="remaining-seconds"]')`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	msg := evalJS[string](t, tab, `document.querySelector('[data-testid="error-message"]').textContent`)
	if !strings.HasPrefix(msg, "Wait ") {
		t.Errorf("refusal message %q", msg)
	}
	// The refusal page is checked by axe-core too (scripts back on for axe
	// only; the page was built without them).
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}
	res := runAxe(t, tab)
	t.Logf("axe-core POST /place refusal page: %d violations, %d rules passed", len(res.Violations), res.Passes)
	for _, v := range res.Violations {
		t.Errorf("refusal page: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
}

// axePages are the pages axe-core checks as a visitor. A page this build
// does not serve (404) is reported and skipped, so that a page listed
// before it exists is checked as soon as it does.
var axePages = []string{
	"/",
	"/login",
	"/register",
	"/history?x=0&y=0",
	"/history/recent",
	"/history?x=abc&y=0", // an error page
}

// axeAdminPages are checked signed in as an admin; {id} is the admin's
// own user id.
var axeAdminPages = []string{
	"/admin",
	"/admin/users?q=mod",
	"/admin/users/{id}",
	"/admin/networks",
	"/admin/suspects",
	"/admin/audit",
}

type axeResult struct {
	Violations []struct {
		ID, Impact, Help string
		Nodes            []struct {
			Target []any
			HTML   string
		}
	}
	Passes int
}

// runAxe injects axe-core into the tab and runs the WCAG 2.2 A/AA rules and
// best practices.
func runAxe(t *testing.T, ctx context.Context) axeResult {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	const run = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})
		.then(r => JSON.stringify({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => ({target: n.target, html: n.html}))})), passes: r.passes.length}))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	var r axeResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// axeReport logs a page's result, fails the test on each violation, and
// returns the counts for the summary file.
func axeReport(t *testing.T, name string, res axeResult) map[string]int {
	t.Helper()
	t.Logf("axe-core %s: %d violations, %d rules passed", name, len(res.Violations), res.Passes)
	for _, v := range res.Violations {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		t.Errorf("%s: %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n  "))
	}
	return map[string]int{"violations": len(res.Violations), "passes": res.Passes}
}

func TestBrowserAxeNoViolations(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	// Some history, so that the tables and the recent panel have rows.
	ws, _, _ := ts.dialReady(t, wstest.Options{})
	placeAll(t, ts, ws, wstest.Event{X: 0, Y: 0, Color: 5}, wstest.Event{X: 0, Y: 0, Color: 12}, wstest.Event{X: 3, Y: 4, Color: 8})

	type run struct {
		page, viewport string
		noJS           bool
	}
	runs := []run{}
	for _, p := range axePages {
		runs = append(runs, run{page: p, viewport: "desktop"})
	}
	runs = append(runs, run{page: "/", viewport: "phone"}, run{page: "/", viewport: "desktop", noJS: true})

	summary := map[string]any{}
	for _, r := range runs {
		name := r.page + " (" + r.viewport
		if r.noJS {
			name += ", no JavaScript"
		}
		name += ")"
		if resp, _ := get(t, ts.URL+r.page, nil); resp.StatusCode == http.StatusNotFound {
			t.Logf("%s: not served by this build, skipped", name)
			summary[name] = "not served"
			continue
		}
		tab, cancel := newTab()
		if r.viewport == "phone" {
			if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile)); err != nil {
				t.Fatal(err)
			}
		}
		if r.noJS {
			if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+r.page)); err != nil {
			t.Fatal(err)
		}
		if r.page == "/" && !r.noJS {
			// The live parts settled: canvas loaded, panels connected.
			if err := waitJS(tab, `!!(window.placeApp && window.placeApp.state.connected) && document.getElementById('canvas-status').hidden && !!window.htmx`, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
		}
		if r.noJS {
			// axe-core needs timers, which do not run while scripts are
			// disabled. The page's own scripts stay unrun: it was parsed
			// and laid out without JavaScript, and that is what is checked.
			if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
				t.Fatal(err)
			}
			if evalJS[bool](t, tab, `!!window.placeApp || !document.documentElement.classList.contains('no-js')`) {
				t.Fatal("the page ran its scripts")
			}
		}
		summary[name] = axeReport(t, name, runAxe(t, tab))
		cancel()
	}

	// The moderation pages, signed in as an admin.
	tab, cancel := newTab()
	defer cancel()
	if resp, _ := get(t, ts.URL+"/login", nil); resp.StatusCode == http.StatusNotFound {
		t.Log("no accounts in this build: the admin pages are not checked")
	} else {
		if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/login")); err != nil {
			t.Fatal(err)
		}
		status, err := chromedp.Run(tab, chromedp.Evaluate[int](`fetch('/api/v1/auth/register', {method: 'POST',
			headers: {'Content-Type': 'application/json'}, body: JSON.stringify({username: 'moderator', password: 'a long password'})}).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		if err != nil || status != 200 {
			t.Fatalf("register: %d %v", status, err)
		}
		admin, err := ts.App.Store.Users.UserByName(context.Background(), "moderator")
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.App.Store.Users.SetAdmin(context.Background(), admin.ID, true); err != nil {
			t.Fatal(err)
		}
		for _, p := range axeAdminPages {
			page := strings.ReplaceAll(p, "{id}", admin.ID)
			name := p + " (admin)"
			if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+page)); err != nil {
				t.Fatal(err)
			}
			if title := evalJS[string](t, tab, `document.title`); strings.Contains(title, "Error") {
				t.Errorf("%s: an error page (%q) instead of the page", name, title)
			}
			summary[name] = axeReport(t, name, runAxe(t, tab))
		}
	}
	b, _ := json.MarshalIndent(summary, "", "  ")
	path := filepath.Join(artifactDir(t), "axe-results.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("axe-core results: %s", path)
}
