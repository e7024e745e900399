package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/internal/app"
)

// settingsForm is a complete settings form as the page sends it.
func settingsForm(cooldown string) url.Values {
	return url.Values{"cooldown": {cooldown}, "guest_limit": {"30"}, "batch_ms": {"5"}, "guests": {"1"}}
}

func auditActions(t *testing.T, srv *authServer) []place.AuditEntry {
	t.Helper()
	entries, err := srv.Store.AuditLog(context.Background(), 0, 100)
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
		at, _, err := srv.Store.(place.Events).FinalImage(ctx)
		return err == nil && at.Equal(opens.Add(700*time.Millisecond).UTC())
	})
}

// previewImages returns the before and after images of a preview page.
func previewImages(t *testing.T, body string) (before, after []byte) {
	t.Helper()
	get := func(testid string) []byte {
		m := regexp.MustCompile(`src="data:image/png;base64,([^"]+)" alt="[^"]*" data-testid="` + testid + `"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s image in:\n%.500s", testid, body)
		}
		b, err := base64.StdEncoding.DecodeString(m[1])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return get("preview-before"), get("preview-after")
}

func TestAreasProtectWipeAndRollBack(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	ctx := context.Background()
	admin := srv.newAdmin(t, "mod")
	vandal, _ := srv.Store.CreateAccount(ctx, "vandal", nil, time.Now())
	artist, _ := srv.Store.CreateAccount(ctx, "artist", nil, time.Now())
	now := time.Now()
	for i, p := range []struct {
		who     place.User
		ago     time.Duration
		x, y, c int
	}{
		{artist, 2 * time.Hour, 2, 2, 5},
		{artist, 2 * time.Hour, 3, 2, 6},
		{vandal, 30 * time.Minute, 2, 2, 3},
		{vandal, 30 * time.Minute, 3, 2, 3},
		{artist, 20 * time.Minute, 4, 2, 9},
		{vandal, 10 * time.Minute, 9, 9, 3}, // outside the rectangle
	} {
		if _, _, err := srv.Store.Place(ctx, place.Player{UserID: p.who.ID}, p.x, p.y, uint8(p.c), now.Add(-p.ago)); err != nil {
			t.Fatal(i, err)
		}
	}
	waitCanvas(t, srv, 6)
	rect := url.Values{"x": {"1"}, "y": {"1"}, "w": {"5"}, "h": {"3"}}
	with := func(kv ...string) url.Values { return withForm(rect, kv...) }

	// Area rollback by one user: only the vandal's pixels come back.
	since := now.Add(-time.Hour).UTC().Format(time.RFC3339)
	r := admin.postForm("/admin/areas/rollback", with("since", since, "user", "vandal"))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-count="2"`) {
		t.Fatalf("rollback preview: %d %.500s", r.StatusCode, r.Body)
	}
	_, after := previewImages(t, r.Body)
	if r := admin.postForm("/admin/areas/rollback", with("since", since, "user", "vandal", "confirm", "1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rollback: %d %.300s", r.StatusCode, r.Body)
	}
	canvas := waitCanvas(t, srv, 8)
	if got, _ := event.RegionPNG(canvas, 16, place.Rect{X: 1, Y: 1, W: 5, H: 3}); !bytes.Equal(got, after) {
		t.Fatal("the canvas after the area rollback is not the previewed one")
	}
	if canvas[2*16+2] != 5 || canvas[2*16+3] != 6 || canvas[2*16+4] != 9 || canvas[9*16+9] != 3 {
		t.Fatalf("canvas row 2: %v, (9,9)=%d", canvas[2*16:2*16+6], canvas[9*16+9])
	}

	// Wipe: the preview's "after" image is what the canvas becomes.
	r = admin.postForm("/admin/areas/wipe", with("color", "12"))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-count="15"`) {
		t.Fatalf("wipe preview: %d %.500s", r.StatusCode, r.Body)
	}
	_, after = previewImages(t, r.Body)
	if got := waitCanvas(t, srv, 8); !bytes.Equal(got, canvas) {
		t.Fatal("the preview changed the canvas")
	}
	if r := admin.postForm("/admin/areas/wipe", with("color", "12", "confirm", "1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("wipe: %d %.300s", r.StatusCode, r.Body)
	}
	canvas = waitCanvas(t, srv, 23)
	if got, _ := event.RegionPNG(canvas, 16, place.Rect{X: 1, Y: 1, W: 5, H: 3}); !bytes.Equal(got, after) {
		t.Fatal("the canvas after the wipe is not the previewed one")
	}

	// Protect, then refuse overlapping and out-of-range rectangles.
	if r := admin.postForm("/admin/areas/protect", with("name", "logo")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("protect: %d %.300s", r.StatusCode, r.Body)
	}
	refuseBadAreaInput(t, srv, admin, with("since", since), canvas, 23)
	areas := srv.Event.Event().Areas
	if len(areas) != 1 || areas[0].Rect != (place.Rect{X: 1, Y: 1, W: 5, H: 3}) {
		t.Fatalf("areas: %+v", areas)
	}
	if r := admin.get("/admin/areas"); !strings.Contains(r.Body, "logo") {
		t.Fatal("the areas page does not list the area")
	}
	var actions []string
	for _, e := range auditActions(t, srv) {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "protect area-wipe area-rollback" {
		t.Fatalf("audit actions: %v", actions)
	}
	admin.postForm("/admin/areas/"+strconv.FormatInt(areas[0].ID, 10)+"/delete", nil)
	if len(srv.Event.Event().Areas) != 0 {
		t.Fatal("the area was not lifted")
	}
}

// refuseBadAreaInput checks that bad rectangles, colors, times and users
// are refused with their reason and leave the canvas (at seq) as it is;
// rollback is a valid area rollback form to spoil.
func refuseBadAreaInput(t *testing.T, srv *authServer, admin *visitor, rollback url.Values, canvas []byte, seq uint64) {
	t.Helper()
	for name, form := range map[string]url.Values{
		"overlapping":  {"x": {"5"}, "y": {"3"}, "w": {"4"}, "h": {"4"}, "name": {"other"}},
		"out of range": {"x": {"10"}, "y": {"10"}, "w": {"7"}, "h": {"2"}, "name": {"other"}},
		"empty":        {"x": {"1"}, "y": {"10"}, "w": {"0"}, "h": {"2"}, "name": {"other"}},
		"no name":      {"x": {"10"}, "y": {"10"}, "w": {"2"}, "h": {"2"}},
	} {
		r := admin.postForm("/admin/areas/protect", form)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, `data-testid="form-error"`) {
			t.Errorf("%s rectangle: %d %.300s", name, r.StatusCode, r.Body)
		}
	}
	for name, tc := range map[string]struct {
		path string
		form url.Values
		want string
	}{
		"out-of-range wipe":     {"/admin/areas/wipe", url.Values{"x": {"14"}, "y": {"0"}, "w": {"5"}, "h": {"1"}, "color": {"1"}}, "must lie within the canvas"},
		"wipe without a color":  {"/admin/areas/wipe", url.Values{"x": {"1"}, "y": {"1"}, "w": {"1"}, "h": {"1"}}, "Choose a color"},
		"wipe off the palette":  {"/admin/areas/wipe", url.Values{"x": {"1"}, "y": {"1"}, "w": {"1"}, "h": {"1"}, "color": {"16"}}, "Choose a color"},
		"rollback bad time":     {"/admin/areas/rollback", withField(rollback, "since", "yesterday"), "since must be a time"},
		"rollback unknown user": {"/admin/areas/rollback", withField(rollback, "user", "nobody"), "no user named"},
		"rectangle not numbers": {"/admin/areas/wipe", url.Values{"x": {"a"}, "y": {"1"}, "w": {"1"}, "h": {"1"}, "color": {"1"}}, "whole number"},
	} {
		r := admin.postForm(tc.path, tc.form)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, tc.want) {
			t.Errorf("%s: %d, want 400 with %q: %.300s", name, r.StatusCode, tc.want, r.Body)
		}
	}
	if got := waitCanvas(t, srv, seq); !bytes.Equal(got, canvas) {
		t.Error("a refused area action changed the canvas")
	}
}

// withField returns a copy of form with key set to value.
func withField(form url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set(key, value)
	return out
}

// pngOf encodes an image for uploads.
func pngOf(t *testing.T, w, h int, at func(x, y int) color.Color) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, at(x, y))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (b *visitor) upload(name, x, y string, file []byte) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("name", name)
	_ = mw.WriteField("x", x)
	_ = mw.WriteField("y", y)
	fw, _ := mw.CreateFormFile("image", "t.png")
	_, _ = fw.Write(file)
	_ = mw.Close()
	return b.do(http.MethodPost, "/admin/templates", mw.FormDataContentType(), &body, http.Header{"Accept": {"text/html"}})
}

func TestTemplatesUploadChecksAndList(t *testing.T) {
	srv := startServer(t, nil)
	admin := srv.newAdmin(t, "mod")
	red := color.NRGBA{0xE5, 0, 0, 255}
	good := pngOf(t, 4, 3, func(x, y int) color.Color {
		if x == 0 {
			return color.NRGBA{}
		}
		return red
	})
	if r := admin.upload("heart", "2", "3", good); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %.300s", r.StatusCode, r.Body)
	}
	offPalette := pngOf(t, 2, 2, func(x, y int) color.Color { return color.NRGBA{1, 2, 3, 255} })
	huge := make([]byte, 50<<20)
	copy(huge, good)
	for name, tc := range map[string]struct {
		file       []byte
		x, want    string
		wantStatus int
	}{
		"off palette":  {offPalette, "0", "not in the palette", http.StatusBadRequest},
		"50 MB":        {huge, "0", "at most 2 MiB", http.StatusRequestEntityTooLarge},
		"not a PNG":    {[]byte("GIF89a"), "0", "must be a PNG", http.StatusBadRequest},
		"off canvas":   {good, "14", "does not fit", http.StatusBadRequest},
		"bad x":        {good, "left", "x must be a whole number", http.StatusBadRequest},
		"semi-opaque":  {pngOf(t, 1, 1, func(x, y int) color.Color { return color.NRGBA{0xE5, 0, 0, 128} }), "0", "opacity 50%", http.StatusBadRequest},
		"too wide":     {pngOf(t, 17, 1, func(x, y int) color.Color { return red }), "0", "at most the canvas size", http.StatusBadRequest},
		"half palette": {pngOf(t, 2, 1, func(x, y int) color.Color { return []color.Color{red, color.NRGBA{0xE5, 0, 1, 255}}[x] }), "0", "Pixel 1, 0", http.StatusBadRequest},
		"empty file":   {nil, "0", "must be a PNG", http.StatusBadRequest},
		"16-bit":       {encodePNG(t, image.NewNRGBA64(image.Rect(0, 0, 2, 2))), "0", "16-bit PNG", http.StatusBadRequest},
	} {
		r := admin.upload("bad", tc.x, "0", tc.file)
		if r.StatusCode != tc.wantStatus || !strings.Contains(r.Body, tc.want) {
			t.Errorf("%s: %d, want %d with %q: %.400s", name, r.StatusCode, tc.wantStatus, tc.want, r.Body)
		}
	}
	list := srv.visitor(t).getJSON("/api/v1/templates").JSON(t)["templates"].([]any)
	if len(list) != 1 {
		t.Fatalf("templates: %v", list)
	}
	tpl := list[0].(map[string]any)
	if tpl["name"] != "heart" || tpl["x"] != 2.0 || tpl["y"] != 3.0 || tpl["width"] != 4.0 || tpl["height"] != 3.0 {
		t.Fatalf("template: %v", tpl)
	}
	if r := srv.visitor(t).getJSON(tpl["image"].(string)); r.StatusCode != http.StatusOK || r.Body != string(good) {
		t.Fatalf("template image: %d", r.StatusCode)
	}
	if a := auditActions(t, srv); len(a) != 1 || a[0].Action != "template-add" {
		t.Fatalf("audit: %+v", a)
	}
}

// paletteColor is palette entry i as an image color.
func paletteColor(i int) color.Color {
	r, g, b := place.Palette[i].RGB()
	return color.NRGBA{r, g, b, 255}
}
