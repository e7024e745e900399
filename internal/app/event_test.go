package app_test

import (
	"context"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// settingsForm is a complete settings form as the page sends it.
func settingsForm(cooldown string) url.Values {
	return url.Values{"cooldown": {cooldown}, "guest_limit": {"30"}, "batch_ms": {"5"}, "guests": {"1"}}
}

func auditActions(t *testing.T, srv *authServer) []place.AuditEntry {
	t.Helper()
	entries, err := srv.Store.Users.AuditLog(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestEventSettingsAreLiveAuditedAndSurviveRestarts(t *testing.T) {
	cfg := app.Defaults()
	cfg.DataDir, cfg.Width, cfg.Height, cfg.BcryptCost, cfg.GuestLimit = t.TempDir(), 16, 16, bcrypt.MinCost, 0
	ts := startWith(t, cfg)
	srv := &authServer{App: ts.App, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "http://"), Cfg: cfg}
	admin := srv.newAdmin(t, "mod")
	if r := admin.get("/admin/settings"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-state="open"`) {
		t.Fatalf("settings page: %d %.300s", r.StatusCode, r.Body)
	}
	if r := srv.visitor(t).get("/admin/settings"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("settings page for a visitor: %d", r.StatusCode)
	}
	form := settingsForm("7.5")
	form.Set("scale", "1")
	form.Set("guest_limit", "12")
	if r := admin.postForm("/admin/settings", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %.300s", r.StatusCode, r.Body)
	}
	st := srv.Event.Settings()
	if st.Cooldown != 7500*time.Millisecond || !st.ScaleCooldown || st.GuestLimit != 12 || st.BatchInterval != 5*time.Millisecond {
		t.Fatalf("settings after save: %+v", st)
	}
	audit := auditActions(t, srv)
	if len(audit) != 1 || audit[0].Action != "settings" || !strings.Contains(audit[0].Detail, "cooldown: 5s → 7.5s") ||
		!strings.Contains(audit[0].Detail, "identity limit: 0 → 12") || !strings.Contains(audit[0].Detail, "scale cooldown: false → true") {
		t.Fatalf("audit: %+v", audit)
	}
	ev := srv.visitor(t).getJSON("/api/v1/event").JSON(t)
	if ev["state"] != "open" || ev["cooldownSeconds"] != 7.5 {
		t.Fatalf("event: %v", ev)
	}
	if info := srv.visitor(t).getJSON("/api/v1/canvas/info").JSON(t); info["cooldownSeconds"] != 7.5 {
		t.Fatalf("canvas info: %v", info)
	}
	p, _, err := srv.visitor(t).dialWS()
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := p.next(t, "welcome")["canvasInfo"].(map[string]any); info["cooldownSeconds"] != 7.5 {
		t.Fatalf("welcome: %v", info)
	}

	// Flags give first values only: a restart with other flags keeps what
	// the admin stored.
	ts.Stop(t)
	cfg.Cooldown, cfg.GuestLimit = time.Second, 99
	srv2 := startWith(t, cfg)
	if st := srv2.App.Event.Settings(); st.Cooldown != 7500*time.Millisecond || st.GuestLimit != 12 {
		t.Fatalf("settings after restart: %+v", st)
	}
}

func TestEventSettingsRefuseBadInput(t *testing.T) {
	srv := startServer(t, nil)
	admin := srv.newAdmin(t, "mod")
	before := srv.Event.Settings()
	past := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04")
	soon := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04")
	later := time.Now().Add(2 * time.Hour).UTC().Format("2006-01-02T15:04")
	for _, tc := range []struct {
		name, key, value, want string
		extra                  url.Values
	}{
		{"negative cooldown", "cooldown", "-1", "cooldown must be a number", nil},
		{"cooldown not a number", "cooldown", "soon", "cooldown must be a number", nil},
		{"cooldown too long", "cooldown", "3601", "cooldown must be a number", nil},
		{"batch 0", "batch_ms", "0", "batch interval must be between", nil},
		{"guest limit negative", "guest_limit", "-3", "identity limit must be between", nil},
		{"opening in the past", "opens_at", past, "opening time must be in the future", nil},
		{"end in the past", "closes_at", past, "end time must be in the future", nil},
		{"end before opening", "opens_at", later, "end time must be after the opening", url.Values{"closes_at": {soon}}},
		{"not a time", "opens_at", "tomorrow", "opening time must be a time", nil},
	} {
		form := settingsForm("5")
		form.Set(tc.key, tc.value)
		for k, v := range tc.extra {
			form[k] = v
		}
		r := admin.postForm("/admin/settings", form)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, tc.want) || !strings.Contains(r.Body, `data-testid="form-error"`) {
			t.Errorf("%s: %d, want 400 with %q:\n%.400s", tc.name, r.StatusCode, tc.want, r.Body)
		}
	}
	if r := admin.postForm("/admin/settings/state", url.Values{"action": {"resume"}}); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "cannot resume") {
		t.Errorf("resume an open canvas: %d %.300s", r.StatusCode, r.Body)
	}
	if r := admin.postForm("/admin/settings/state", url.Values{"action": {"explode"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown action: %d", r.StatusCode)
	}
	if after := srv.Event.Settings(); after != before {
		t.Fatalf("refused input changed the settings:\n%+v\n%+v", before, after)
	}
	if a := auditActions(t, srv); len(a) != 0 {
		t.Fatalf("refused input reached the audit log: %+v", a)
	}
}

func TestEventPauseCloseReopenKeepsTheFinalImage(t *testing.T) {
	srv := startServer(t, nil)
	admin := srv.newAdmin(t, "mod")
	state := func() map[string]any { return srv.visitor(t).getJSON("/api/v1/event").JSON(t) }

	if r := admin.postForm("/admin/settings/state", url.Values{"action": {"pause"}, "message": {"Back at noon"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("pause: %d %.300s", r.StatusCode, r.Body)
	}
	if s := state(); s["state"] != "paused" || s["pauseMessage"] != "Back at noon" {
		t.Fatalf("after pause: %v", s)
	}
	admin.postForm("/admin/settings/state", url.Values{"action": {"resume"}})
	if s := state(); s["state"] != "open" {
		t.Fatalf("after resume: %v", s)
	}
	if r := srv.visitor(t).getJSON("/api/v1/canvas/final.png"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("final image before closing: %d", r.StatusCode)
	}
	admin.postForm("/admin/settings/state", url.Values{"action": {"close"}})
	if s := state(); s["state"] != "closed" || s["closedAt"] == nil {
		t.Fatalf("after close: %v", s)
	}
	waitFor(t, "the final image", 5*time.Second, func() bool {
		return srv.visitor(t).getJSON("/api/v1/canvas/final.png").StatusCode == http.StatusOK
	})
	r := srv.visitor(t).getJSON("/api/v1/canvas/final.png")
	img, err := png.Decode(strings.NewReader(r.Body))
	if err != nil || img.Bounds().Dx() != 16 {
		t.Fatalf("final image: %v %v", err, img)
	}
	if s := state(); s["finalImage"] != "/api/v1/canvas/final.png" {
		t.Fatalf("the state does not link the final image: %v", s)
	}
	if r := admin.get("/admin/settings"); !strings.Contains(r.Body, `data-testid="final-image"`) {
		t.Fatal("the settings page does not link the final image")
	}
	admin.postForm("/admin/settings/state", url.Values{"action": {"reopen"}})
	if s := state(); s["state"] != "open" {
		t.Fatalf("after reopen: %v", s)
	}
	var actions []string
	for _, e := range auditActions(t, srv) {
		actions = append(actions, e.Action+" "+e.Detail)
	}
	want := []string{"reopen state: closed → open", "close state: open → closed", "resume state: paused → open", "pause state: open → paused; message: Back at noon"}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Fatalf("audit:\n%q\nwant\n%q", actions, want)
	}
}

func TestEventScheduleOpensAndClosesByItself(t *testing.T) {
	srv := startServer(t, nil)
	ctx := context.Background()
	opens := time.Now().Add(700 * time.Millisecond).Truncate(time.Millisecond)
	_, _, err := srv.Event.UpdateSettings(ctx, func(s place.Settings) (place.Settings, error) {
		s.OpensAt, s.ClosesAt = opens, opens.Add(700*time.Millisecond)
		return s, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var seen []place.CanvasState
	waitFor(t, "the schedule to run its course", 5*time.Second, func() bool {
		s := srv.Event.State()
		if len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		return s == place.StateClosed
	})
	if len(seen) != 3 || seen[0] != place.StateScheduled || seen[1] != place.StateOpen {
		t.Fatalf("states seen: %v", seen)
	}
	waitFor(t, "the final image", 5*time.Second, func() bool {
		at, _, err := srv.Store.Events.FinalImage(ctx)
		return err == nil && at.Equal(opens.Add(700*time.Millisecond).UTC())
	})
}
