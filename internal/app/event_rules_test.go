package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

// placeWS places through a visitor's socket and returns the answer's type
// and code.
func placeWS(t *testing.T, p *wsPeer, x, y, color int) (string, string) {
	t.Helper()
	m := p.place(t, x, y, color)
	code, _ := m["code"].(string)
	return m["type"].(string), code
}

// placeForm places through the no-JavaScript form and returns the status.
func placeForm(v *visitor, x, y, color string) response {
	v.t.Helper()
	return v.do(http.MethodPost, "/place", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"x": {x}, "y": {y}, "color": {color}}.Encode()), http.Header{"Accept": {"text/html"}})
}

// expectState waits for the next state message and checks its state.
func expectState(t *testing.T, p *wsPeer, want string) map[string]any {
	t.Helper()
	m := p.next(t, "state")
	if m["state"] != want {
		t.Fatalf("state message %v, want state %q", m, want)
	}
	return m
}

// Pause, close and reopen are refused and accepted over the WebSocket and
// the form, and connected clients are told each change.
func TestEventStatesRefuseAndAcceptPlacements(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	admin := srv.newAdmin(t, "mod")
	player := srv.visitor(t)
	player.register("player", "long enough")
	ws := player.mustDialWS()
	expectState(t, ws, "open")
	if typ, _ := placeWS(t, ws, 1, 1, 3); typ != "success" {
		t.Fatalf("open canvas: %s", typ)
	}

	state := func(action, msg string) {
		t.Helper()
		if r := admin.postForm("/admin/settings/state", url.Values{"action": {action}, "message": {msg}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %.300s", action, r.StatusCode, r.Body)
		}
	}
	for _, step := range []struct {
		action, msg, state, code string
		status                   int
	}{
		{"pause", "Back at noon", "paused", "CANVAS_PAUSED", http.StatusConflict},
		{"resume", "", "open", "", http.StatusSeeOther},
		{"close", "", "closed", "CANVAS_CLOSED", http.StatusConflict},
		{"reopen", "", "open", "", http.StatusSeeOther},
	} {
		state(step.action, step.msg)
		m := expectState(t, ws, step.state)
		if step.msg != "" && m["pauseMessage"] != step.msg {
			t.Errorf("%s: the state message lacks the message: %v", step.action, m)
		}
		typ, code := placeWS(t, ws, 2, 2, 4)
		if code != step.code || (step.code == "" && typ != "success") {
			t.Errorf("%s: WebSocket placement: %s %s, want %q", step.action, typ, code, step.code)
		}
		r := placeForm(player, "3", "3", "5")
		if r.StatusCode != step.status || (step.code != "" && !strings.Contains(r.Body, step.code)) {
			t.Errorf("%s: form placement: %d %.300s", step.action, r.StatusCode, r.Body)
		}
		if step.action == "pause" && !strings.Contains(r.Body, "Back at noon") {
			t.Errorf("the form's answer does not give the pause message: %.500s", r.Body)
		}
		page := player.get("/")
		if notice := "The canvas is paused: Back at noon"; (step.state == "paused") != strings.Contains(page.Body, notice) {
			t.Errorf("%s: the canvas page without JavaScript and the notice %q: %v", step.action, notice, strings.Contains(page.Body, notice))
		}
	}

	// A schedule: not open yet.
	opens := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04")
	form := settingsForm("0")
	form.Set("opens_at", opens)
	if r := admin.postForm("/admin/settings", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d %.300s", r.StatusCode, r.Body)
	}
	if m := expectState(t, ws, "scheduled"); m["opensAt"] == nil {
		t.Fatalf("the state message lacks the opening time: %v", m)
	}
	if _, code := placeWS(t, ws, 2, 2, 4); code != "CANVAS_NOT_OPEN" {
		t.Fatalf("scheduled: %s", code)
	}
}

// Protected areas refuse everyone but admins; with guest placement off,
// guests are refused and accounts are not.
func TestEventProtectedAreasAndGuestPlacement(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	admin := srv.newAdmin(t, "mod")
	if r := admin.postForm("/admin/areas/protect", url.Values{"x": {"0"}, "y": {"0"}, "w": {"4"}, "h": {"4"}, "name": {"logo"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("protect: %d", r.StatusCode)
	}
	member := srv.visitor(t)
	member.register("member", "long enough")
	mws := member.mustDialWS()
	if _, code := placeWS(t, mws, 1, 1, 3); code != "AREA_PROTECTED" {
		t.Fatalf("member in a protected area: %q", code)
	}
	if r := placeForm(member, "2", "2", "3"); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "AREA_PROTECTED") {
		t.Fatalf("member in a protected area by form: %d", r.StatusCode)
	}
	if typ, _ := placeWS(t, mws, 5, 5, 3); typ != "success" {
		t.Fatalf("member outside: %s", typ)
	}
	aws := admin.mustDialWS()
	if typ, code := placeWS(t, aws, 1, 1, 3); typ != "success" {
		t.Fatalf("admin in a protected area: %s %s", typ, code)
	}

	guest := srv.visitor(t)
	gws := guest.mustDialWS()
	if typ, _ := placeWS(t, gws, 6, 6, 3); typ != "success" {
		t.Fatalf("guest while guests may place: %s", typ)
	}
	form := settingsForm("0")
	form.Del("guests")
	if r := admin.postForm("/admin/settings", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("guests off: %d", r.StatusCode)
	}
	if m := gws.next(t, "state"); m["guestPlacement"] != false {
		t.Fatalf("state: %v", m)
	}
	if _, code := placeWS(t, gws, 7, 7, 3); code != "ACCOUNT_REQUIRED" {
		t.Fatalf("guest while guests may not place: %q", code)
	}
	if r := placeForm(srv.visitor(t), "7", "7", "3"); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "ACCOUNT_REQUIRED") {
		t.Fatalf("a new visitor by form while guests may not place: %d %.300s", r.StatusCode, r.Body)
	}
	if typ, _ := placeWS(t, mws, 8, 8, 3); typ != "success" {
		t.Fatalf("member while guests may not place: %s", typ)
	}
}

// The guest limit is a live setting: lowering it applies to the next new
// guest, without a restart.
func TestEventGuestLimitIsLive(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.TrustedProxies = mustPrefixes("127.0.0.1/32") })
	admin := srv.newAdmin(t, "mod")
	from := func(ip string) *visitor {
		b := srv.visitor(t)
		b.header.Set("X-Forwarded-For", ip)
		return b
	}
	for i := 0; i < 3; i++ {
		from("203.0.113.7").mustDialWS() // no limit yet
	}
	form := settingsForm("0")
	form.Set("guest_limit", "1")
	if r := admin.postForm("/admin/settings", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	from("203.0.113.8").mustDialWS()
	if _, res, err := from("203.0.113.8").dialWS(); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a second guest from one address with the limit at 1: %v %v", err, res)
	}
}

// The batch interval is a live setting: it bounds the wait between two
// broadcasts, which a large audience (here MinBatchInterval, as when each
// flush is dear) makes the whole interval. With 1 s, three placements made
// within 200 ms reach a viewer in at most two batches (with the first 5 ms,
// in three).
func TestEventBatchIntervalIsLive(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown, c.MinBatchInterval = 0, 10*time.Second })
	admin := srv.newAdmin(t, "mod")
	form := settingsForm("0")
	form.Set("batch_ms", "1000")
	if r := admin.postForm("/admin/settings", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	time.Sleep(50 * time.Millisecond) // the broadcaster reads the interval before each wait
	viewer := srv.visitor(t).mustDialWS()
	viewer.next(t, "canvas")
	player := srv.visitor(t).mustDialWS()
	for i := 0; i < 3; i++ {
		if typ, _ := placeWS(t, player, i, 0, 3); typ != "success" {
			t.Fatal(typ)
		}
		time.Sleep(100 * time.Millisecond)
	}
	batches := 0
	for seq := 0.0; seq < 3; batches++ {
		seq = viewer.next(t, "pixels")["seq"].(float64)
	}
	if batches > 2 {
		t.Fatalf("%d batches for three placements within 200 ms at a 1 s interval", batches)
	}
}
