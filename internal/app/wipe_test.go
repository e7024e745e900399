package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// A moderator's wipe is named a wipe in pixel info and in history, is not
// counted as players' placements (the statistics and the timelapse agree)
// and an area rollback since before it gives back what it painted over.
func TestWipeIsLabelledAndRolledBack(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	ctx := context.Background()
	admin := srv.newAdmin(t, "mod")
	artist, _ := srv.Store.Users.CreateAccount(ctx, "artist", nil, time.Now())
	now := time.Now()
	for i, p := range [][3]int{{2, 2, 5}, {3, 2, 6}, {4, 3, 9}} {
		if _, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: artist.ID}, p[0], p[1], uint8(p[2]), now.Add(-2*time.Hour)); err != nil {
			t.Fatal(i, err)
		}
	}
	before := waitCanvas(t, srv, 3)
	rect := url.Values{"x": {"1"}, "y": {"1"}, "w": {"5"}, "h": {"3"}, "color": {"12"}}
	if r := admin.postForm("/admin/areas/wipe", withForm(rect, "confirm", "1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("wipe: %d %.300s", r.StatusCode, r.Body)
	}
	checkWipeLabelledAndUndone(t, srv, admin, rect, now.Add(-time.Hour), before, 3, 15)
}

// withForm is v with the pairs kv set.
func withForm(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// checkWipeLabelledAndUndone checks a wipe of rect (its pixel x, y first)
// that changed n pixels after seq last: pixel info and the history page
// name it a wipe, the statistics and the timelapse count the same
// placements, and an area rollback since gives the canvas before back.
func checkWipeLabelledAndUndone(t *testing.T, srv *authServer, admin *visitor, rect url.Values, since time.Time, before []byte, last uint64, n int) {
	t.Helper()
	waitCanvas(t, srv, last+uint64(n))
	pixel := "x=" + rect.Get("x") + "&y=" + rect.Get("y")
	for _, v := range []*visitor{admin, srv.visitor(t)} {
		ps, _ := v.getJSON("/api/v1/history/pixel?" + pixel).JSON(t)["placements"].([]any)
		if len(ps) == 0 {
			t.Fatalf("no history of the wiped pixel")
		}
		if p := ps[0].(map[string]any); p["wipe"] != true || p["rollback"] != true {
			t.Fatalf("pixel info of a wiped pixel: %v; want wipe and rollback (a moderator's)", p)
		}
	}
	page := srv.visitor(t).get("/history?" + pixel).Body
	if !strings.Contains(page, "(moderator's wipe)") || strings.Contains(page, "rollback)") {
		t.Fatalf("the history page does not name the wipe:\n%s", page)
	}
	count := func(path, testid string) string {
		m := regexp.MustCompile(`data-testid="` + testid + `">([0-9]+)<`).FindStringSubmatch(srv.visitor(t).get(path).Body)
		if m == nil {
			t.Fatalf("%s has no %s", path, testid)
		}
		return m[1]
	}
	if st, tl := count("/stats", "stats-placements"), count("/timelapse", "sum-placements"); st != tl {
		t.Fatalf("after a wipe, /stats counts %s placements and /timelapse %s", st, tl)
	}
	undo := withForm(rect, "since", since.UTC().Format(time.RFC3339Nano), "color", "")
	r := admin.postForm("/admin/areas/rollback", undo)
	if want := fmt.Sprintf(`data-count="%d"`, n); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, want) {
		t.Fatalf("rollback preview of the wipe: %d, want %s: %.600s", r.StatusCode, want, r.Body)
	}
	if r := admin.postForm("/admin/areas/rollback", withForm(undo, "confirm", "1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rollback of the wipe: %d %.300s", r.StatusCode, r.Body)
	}
	if got := waitCanvas(t, srv, last+2*uint64(n)); !bytes.Equal(got, before) {
		t.Fatal("rolling the wipe back did not give the canvas before it")
	}
}
