package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/internal/app"
)

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
	vandal, _ := srv.Store.Users.CreateAccount(ctx, "vandal", nil, time.Now())
	artist, _ := srv.Store.Users.CreateAccount(ctx, "artist", nil, time.Now())
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
		if _, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: p.who.ID}, p.x, p.y, uint8(p.c), now.Add(-p.ago)); err != nil {
			t.Fatal(i, err)
		}
	}
	waitCanvas(t, srv, 6)
	rect := url.Values{"x": {"1"}, "y": {"1"}, "w": {"5"}, "h": {"3"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range rect {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

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
