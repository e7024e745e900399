package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// asAuthServer wraps a started instance for the visitor helpers.
func asAuthServer(ts *testServer, cfg app.Config) *authServer {
	return &authServer{App: ts.App, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "http://"), Cfg: cfg}
}

func TestClusterEventChangesReachEveryInstanceWithinASecond(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Width, c.Height = 16, 16 })
	one := asAuthServer(startWith(t, cfg), cfg)
	two := asAuthServer(startWith(t, cfg), cfg)
	admin := one.newAdmin(t, "mod")
	within := func(what string, ok func() bool) {
		t.Helper()
		start := time.Now()
		waitFor(t, what, time.Second, ok)
		t.Logf("%s: seen on the other instance after %v", what, time.Since(start).Round(time.Millisecond))
	}

	if r := admin.postForm("/admin/settings", settingsForm("9")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %.300s", r.StatusCode, r.Body)
	}
	within("the new cooldown", func() bool { return two.Event.Settings().Cooldown == 9*time.Second })

	if r := admin.postForm("/admin/areas/protect", url.Values{"x": {"0"}, "y": {"0"}, "w": {"4"}, "h": {"4"}, "name": {"logo"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("protect: %d %.300s", r.StatusCode, r.Body)
	}
	within("the protected area", func() bool { return len(two.Event.Event().Areas) == 1 })
	// The overlap check sees areas made through any instance.
	admin2 := two.visitor(t)
	admin2.login("mod", "moderator password")
	if r := admin2.postForm("/admin/areas/protect", url.Values{"x": {"3"}, "y": {"3"}, "w": {"4"}, "h": {"4"}, "name": {"other"}}); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "overlaps") {
		t.Fatalf("overlapping area through the other instance: %d %.300s", r.StatusCode, r.Body)
	}

	admin.postForm("/admin/settings/state", url.Values{"action": {"pause"}, "message": {"lunch"}})
	within("the pause", func() bool { return two.Event.State() == place.StatePaused })
	admin.postForm("/admin/settings/state", url.Values{"action": {"close"}})
	within("the closing", func() bool { return two.Event.State() == place.StateClosed })
	waitFor(t, "the final image", 5*time.Second, func() bool {
		return two.visitor(t).getJSON("/api/v1/canvas/final.png").StatusCode == http.StatusOK
	})

	// Stored in PostgreSQL: a restarted instance with other flags keeps it.
	cfg.Cooldown = time.Second
	three := startWith(t, cfg)
	if st := three.App.Event.Settings(); st.Cooldown != 9*time.Second || st.State(time.Now()) != place.StateClosed {
		t.Fatalf("a new instance loaded %+v", st)
	}

	red := pngOf(t, 2, 2, func(x, y int) color.Color { return paletteColor(5) })
	if r := admin.upload("flag", "1", "1", red); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %.300s", r.StatusCode, r.Body)
	}
	list := two.visitor(t).getJSON("/api/v1/templates").JSON(t)["templates"].([]any)
	if len(list) != 1 {
		t.Fatalf("templates on the other instance: %v", list)
	}
	entries, err := two.Store.Users.AuditLog(context.Background(), 0, 10)
	if err != nil || len(entries) != 5 {
		t.Fatalf("audit log: %v %+v", err, entries)
	}
}

// An area rollback through one instance right after placements through
// the other undoes all of them (history is waited for) and gives exactly
// the previewed canvas; so does a wipe.
func TestClusterAreaRollbackAndWipeGiveThePreview(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Width, c.Height, c.Cooldown = 16, 16, 0 })
	oneTS := startWith(t, cfg)
	two := asAuthServer(startWith(t, cfg), cfg)
	admin := two.newAdmin(t, "mod")
	since := time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)
	ws, _, _ := oneTS.dialReady(t, wstest.Options{})
	placeAll(t, oneTS, ws, wstest.Event{X: 2, Y: 2, Color: 3}, wstest.Event{X: 3, Y: 2, Color: 3}, wstest.Event{X: 3, Y: 3, Color: 4}, wstest.Event{X: 9, Y: 9, Color: 3})
	rect := func(extra ...string) url.Values {
		v := url.Values{"x": {"1"}, "y": {"1"}, "w": {"4"}, "h": {"4"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	r := admin.postForm("/admin/areas/rollback", rect("since", since))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-count="3"`) {
		t.Fatalf("preview: %d %.400s", r.StatusCode, r.Body)
	}
	_, after := previewImages(t, r.Body)
	if r := admin.postForm("/admin/areas/rollback", rect("since", since, "confirm", "1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rollback: %d %.300s", r.StatusCode, r.Body)
	}
	canvas := waitCanvas(t, two, 7)
	if got, _ := event.RegionPNG(canvas, 16, place.Rect{X: 1, Y: 1, W: 4, H: 4}); !bytes.Equal(got, after) || canvas[9*16+9] != 3 {
		t.Fatal("the canvas after the area rollback is not the previewed one")
	}
	r = admin.postForm("/admin/areas/wipe", rect("color", "7"))
	_, after = previewImages(t, r.Body)
	admin.postForm("/admin/areas/wipe", rect("color", "7", "confirm", "1"))
	canvas = waitCanvas(t, two, 23)
	if got, _ := event.RegionPNG(canvas, 16, place.Rect{X: 1, Y: 1, W: 4, H: 4}); !bytes.Equal(got, after) {
		t.Fatal("the canvas after the wipe is not the previewed one")
	}
}

// The scaled cooldown counts the players online on every instance.
func TestClusterPlayersOnlineAreCountedOverInstances(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Width, c.Height = 16, 16 })
	one, two := startWith(t, cfg), startWith(t, cfg)
	one.dialReady(t, wstest.Options{})
	two.dialReady(t, wstest.Options{})
	two.dialReady(t, wstest.Options{})
	waitFor(t, "3 players online on both instances", 8*time.Second, func() bool {
		return one.App.Event.Online() == 3 && two.App.Event.Online() == 3
	})
	_, _, err := one.App.Event.UpdateSettings(context.Background(), func(s place.Settings) (place.Settings, error) {
		s.Cooldown, s.ScaleCooldown = 10*time.Second, true
		return s, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := (place.Settings{Cooldown: 10 * time.Second, ScaleCooldown: true}).EffectiveCooldown(3)
	waitFor(t, "the scaled cooldown on the other instance", time.Second, func() bool { return two.App.Event.Cooldown() == want })
}

// A cooldown changed through one instance applies to placements through
// the other within a second.
func TestClusterCooldownChangeAppliesOnTheOtherInstanceWithinASecond(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Width, c.Height, c.Cooldown = 16, 16, 0 })
	one := asAuthServer(startWith(t, cfg), cfg)
	twoTS := startWith(t, cfg)
	admin := one.newAdmin(t, "mod")
	c, _, _ := twoTS.dialReady(t, wstest.Options{})
	c.Place(1, 1, 1, "before")
	if m := c.Expect(t, "success", 3*time.Second); m.NextPlacement > time.Now().Add(time.Second).UnixMilli() {
		t.Fatalf("a cooldown before the change: %v", m)
	}
	if r := admin.postForm("/admin/settings", settingsForm("60")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	changed := time.Now()
	for i := 0; ; i++ {
		c.Place(2, 2, i%16, fmt.Sprint("p", i))
		m, err := c.Next(3 * time.Second)
		for err == nil && m.Type != "success" && m.Type != "error" {
			m, err = c.Next(3 * time.Second)
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == "error" && m.Code == "RATE_LIMITED" && m.RemainingSeconds > 55 {
			t.Logf("the new cooldown held on the other instance %v after the change", time.Since(changed).Round(time.Millisecond))
			break
		}
		if m.Type == "success" && m.NextPlacement > time.Now().Add(55*time.Second).UnixMilli() {
			t.Logf("the new cooldown applied on the other instance %v after the change", time.Since(changed).Round(time.Millisecond))
			break
		}
		if time.Since(changed) > time.Second {
			t.Fatalf("the old cooldown still applies %v after the change: %v", time.Since(changed), m)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A pause through one instance reaches the clients of the other within a
// second, and their placements are refused; so is a protected area.
func TestClusterPauseAndAreasReachTheOtherInstancesClients(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Width, c.Height, c.Cooldown = 16, 16, 0 })
	one := asAuthServer(startWith(t, cfg), cfg)
	two := asAuthServer(startWith(t, cfg), cfg)
	admin := one.newAdmin(t, "mod")
	player := two.visitor(t)
	player.register("player", "long enough")
	ws := player.mustDialWS()
	expectState(t, ws, "open")

	admin.postForm("/admin/settings/state", url.Values{"action": {"pause"}, "message": {"Incident"}})
	sent := time.Now()
	m := expectState(t, ws, "paused")
	if lat := time.Since(sent); lat > time.Second || m["pauseMessage"] != "Incident" {
		t.Fatalf("the pause reached the other instance's client after %v: %v", lat, m)
	}
	if _, code := placeWS(t, ws, 8, 8, 3); code != "CANVAS_PAUSED" {
		t.Fatalf("placement while paused: %q", code)
	}
	admin.postForm("/admin/settings/state", url.Values{"action": {"resume"}})
	expectState(t, ws, "open")
	if r := admin.postForm("/admin/areas/protect", url.Values{"x": {"0"}, "y": {"0"}, "w": {"4"}, "h": {"4"}, "name": {"logo"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("protect: %d", r.StatusCode)
	}
	waitFor(t, "the area on the other instance", time.Second, func() bool { return len(two.Event.Event().Areas) == 1 })
	if _, code := placeWS(t, ws, 1, 1, 3); code != "AREA_PROTECTED" {
		t.Fatalf("placement in the protected area: %q", code)
	}
	if typ, _ := placeWS(t, ws, 8, 8, 3); typ != "success" {
		t.Fatalf("placement outside: %s", typ)
	}
}
