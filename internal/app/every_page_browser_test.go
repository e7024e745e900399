package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// everyPage is every HTML page a visitor can open; adminEveryPage every
// one an admin can, {id} the admin's own id.
var (
	everyPage = []string{
		"/", "/login", "/register", "/history?x=2&y=2", "/history/recent", "/history?x=abc&y=0",
		"/timelapse", "/stats", "/account", "/join", "/screen", "/no-such-page",
	}
	adminEveryPage = []string{
		"/admin", "/admin/users?q=mod", "/admin/users/{id}", "/admin/audit", "/admin/canvas", "/admin/join",
		"/admin/networks", "/admin/suspects", "/admin/settings", "/admin/areas", "/admin/templates", "/admin/teams",
	}
)

// TestBrowserEveryPageAxeAndIconBothThemes opens every page, as a visitor
// and as an admin, in the light and the dark scheme: axe-core (WCAG 2.2
// A/AA and best practices, target size included) finds nothing, and each
// page names an icon that is served. So do the pages a moderator reaches
// by a form: the area rollback preview of a wipe, the growth preview and
// the refused undo of a growth.
func TestBrowserEveryPageAxeAndIconBothThemes(t *testing.T) {
	newTab := newBrowser(t)
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0; c.Width, c.Height = 32, 24 })
	ctx := context.Background()
	artist, _ := srv.Store.Users.CreateAccount(ctx, "artist", nil, time.Now())
	now := time.Now()
	for _, p := range [][3]int{{2, 2, 5}, {3, 2, 6}, {4, 3, 9}} {
		if _, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: artist.ID}, p[0], p[1], uint8(p[2]), now.Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.Store.Sizes.Grow(ctx, place.Size{Width: 40, Height: 30}, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: artist.ID}, 39, 29, 3, now); err != nil { // the undo is refused
		t.Fatal(err)
	}
	if resp, err := http.Get(srv.URL + "/favicon.ico"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/favicon.ico: %v %v", resp, err)
	}

	tab, cancel := newTab()
	defer cancel()
	emulate(t, tab, gameScreens[0], "light")
	mod := browserAdmin(t, tab, srv, "moderator")
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/admin/areas")); err != nil {
		t.Fatal(err)
	}
	submitForm(t, tab, "/admin/areas/wipe", `{x: '2', y: '2', w: '2', h: '1', color: '12', confirm: '1'}`)
	waitCanvas(t, srv, 6)
	since := now.Add(-time.Hour).UTC().Format(time.RFC3339)
	forms := []struct{ name, action, fields, shows string }{
		{"area rollback preview of a wipe", "/admin/areas/rollback", `{x: '1', y: '1', w: '5', h: '3', since: '` + since + `'}`, `data-count="2"`},
		{"growth preview", "/admin/canvas/grow", `{width: '48', height: '30', preview: '1'}`, `data-testid="grow-preview"`},
		{"refused undo of a growth", "/admin/canvas/undo", `{}`, "cannot be undone"},
	}
	for _, scheme := range []string{"light", "dark"} {
		emulate(t, tab, gameScreens[0], scheme)
		var pages []string
		pages = append(pages, everyPage...)
		for _, p := range adminEveryPage {
			pages = append(pages, strings.ReplaceAll(p, "{id}", mod.ID))
		}
		for _, p := range pages {
			if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+p)); err != nil {
				t.Fatal(err)
			}
			if at := evalJS[string](t, tab, `location.pathname + location.search`); at != p {
				t.Errorf("%s: sent to %s", p, at)
			}
			checkPage(t, tab, p+" ("+scheme+")", p == "/")
		}
		for _, f := range forms {
			submitForm(t, tab, f.action, f.fields)
			if !strings.Contains(evalJS[string](t, tab, `document.documentElement.outerHTML`), f.shows) {
				t.Errorf("%s: the page does not show %s", f.name, f.shows)
			}
			checkPage(t, tab, f.name+" ("+scheme+")", false)
		}
	}
}

// checkPage waits for a loaded page (and the live game on the canvas
// page), then checks its icon and runs axe-core on it.
func checkPage(t *testing.T, tab context.Context, name string, game bool) {
	t.Helper()
	ready := `document.readyState === 'complete'`
	if game {
		ready += ` && !!(window.placeApp && window.placeApp.state.connected) && document.getElementById('canvas-status').hidden`
	}
	if err := waitJS(tab, ready, 10*time.Second); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	time.Sleep(150 * time.Millisecond) // live panels settle
	icon := evalJSAwait[int](t, tab, `(() => { const l = document.querySelector('link[rel~="icon"]');
		return l ? fetch(l.href).then(r => r.ok && /^image\//.test(r.headers.get('Content-Type')) ? 200 : r.status) : 0; })()`)
	if icon != 200 {
		t.Errorf("%s: no icon served (%d)", name, icon)
	}
	axeReport(t, name, runAxe(t, tab))
}

// submitForm posts the fields (a JavaScript object literal) to action from
// the current page, as its form would, and waits for the answer's page.
func submitForm(t *testing.T, tab context.Context, action, fields string) {
	t.Helper()
	evalJS[bool](t, tab, `(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '`+action+`';
		for (const [k, v] of Object.entries(`+fields+`)) { const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.append(i); }
		document.body.append(f); window.__submitted = true; f.submit(); return true; })()`)
	if err := waitJS(tab, `!window.__submitted && document.readyState === 'complete'`, 10*time.Second); err != nil {
		t.Fatalf("submitting to %s: %v", action, err)
	}
}

// browserAdmin registers name in the tab's browser (so that the tab holds
// its session) and makes it an admin.
func browserAdmin(t *testing.T, tab context.Context, srv *authServer, name string) place.User {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	if status := evalJSAwait[int](t, tab, `fetch('/api/v1/auth/register', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({username: '`+name+`', password: 'a long password'})}).then(r => r.status)`); status != 200 {
		t.Fatalf("register: %d", status)
	}
	u := srv.user(t, name)
	if err := srv.Store.Users.SetAdmin(context.Background(), u.ID, true); err != nil {
		t.Fatal(err)
	}
	return u
}
