package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// undoRun: a growth with nothing placed in its area is undone from the
// admin page; every open connection of every instance shrinks within a
// second; a growth with a pixel in its area is refused, saying why.
func undoRun(t *testing.T, grower, placer *authServer, watchers []*authServer) {
	admin := grower.newAdmin(t, "mod")
	small, large := place.Size{Width: 16, Height: 16}, place.Size{Width: 24, Height: 20}
	if r := admin.postForm("/admin/canvas/undo", nil); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "no growth to undo") {
		t.Fatalf("undo with no growth: %d %.300s", r.StatusCode, r.Body)
	}
	player, ws := playAndWatch(t, placer, watchers)
	untilSize := func(sz place.Size, within time.Duration) {
		t.Helper()
		start := time.Now()
		for _, w := range ws {
			for w.m.size != sz {
				msg, err := w.c.Next(within - time.Since(start))
				if err != nil {
					t.Fatalf("%s: no resize to %v within %v (canvas %v): %v", w.name, sz, within, w.m.size, err)
				}
				w.m.apply(t, w.name, msg)
			}
		}
	}
	if r := admin.postForm("/admin/canvas/grow", url.Values{"width": {"24"}, "height": {"20"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("grow: %d %s", r.StatusCode, r.Body)
	}
	untilSize(large, 3*time.Second)
	if m := placeUntil(t, player, 2, 2, 4, time.Second); m.Type != "success" { // in the old area
		t.Fatalf("placement in the old area: %v", m)
	}
	if r := admin.get("/admin/canvas"); !strings.Contains(r.Body, `data-testid="undo-growth"`) || !strings.Contains(r.Body, "back to 16 × 16") {
		t.Fatalf("the canvas page offers no undo of the growth:\n%s", r.Body)
	}
	undone := time.Now()
	if r := admin.postForm("/admin/canvas/undo", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("undo: %d %.300s", r.StatusCode, r.Body)
	}
	untilSize(small, time.Second)
	t.Logf("every connection shrank %v after the undo", time.Since(undone).Round(time.Millisecond))
	for _, w := range ws {
		w.m.follow(t, w.name, w.c, 2, 2, 4, time.Second)
		if w.m.data[1*16+1] != 3 || w.m.data[2*16+2] != 4 {
			t.Errorf("%s: the pixels of the old area were not kept", w.name)
		}
	}
	for _, srv := range watchers {
		waitFor(t, "every instance at 16 × 16", time.Second, func() bool { return srv.App.Hub.Size() == small })
	}
	if r := admin.get("/admin/canvas"); !strings.Contains(r.Body, "is undone: the canvas is 16 × 16 again") || strings.Contains(r.Body, "Earlier growths") {
		t.Errorf("the canvas page after the undo:\n%s", r.Body)
	}
	audit, _ := grower.App.Store.Users.AuditLog(t.Context(), 0, 5)
	if len(audit) == 0 || audit[0].Action != "grow-undo" || !strings.Contains(audit[0].Detail, "24 × 20 → 16 × 16") {
		t.Errorf("audit log: %+v, want a grow-undo entry", audit)
	}
	if m := placeUntil(t, player, 23, 19, 7, 0); m.Type != "error" || m.Code != "INVALID_COORDS" {
		t.Errorf("a placement beyond the smaller canvas: %v, want INVALID_COORDS", m)
	}

	// Grown again with a pixel in the new area: the undo is refused.
	if r := admin.postForm("/admin/canvas/grow", url.Values{"width": {"24"}, "height": {"20"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("grow again: %d %s", r.StatusCode, r.Body)
	}
	if m := placeUntil(t, player, 23, 19, 7, time.Second); m.Type != "success" {
		t.Fatalf("placement in the new area: %v", m)
	}
	r := admin.postForm("/admin/canvas/undo", nil)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "cannot be undone") || !strings.Contains(r.Body, "23, 19") {
		t.Fatalf("undo with a pixel in the new area: %d %.600s", r.StatusCode, r.Body)
	}
	if sz := grower.App.Hub.Size(); sz != large {
		t.Fatalf("a refused undo left the canvas at %v", sz)
	}
}

func TestUndoGrowthEmbedded(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	undoRun(t, srv, srv, []*authServer{srv})
}

func TestUndoGrowthClusterTwoInstances(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Width, c.Height, c.Cooldown, c.BatchInterval = 16, 16, 0, 5*time.Millisecond })
	one := asAuthServer(startWith(t, cfg), cfg)
	two := asAuthServer(startWith(t, cfg), cfg)
	undoRun(t, one, two, []*authServer{one, two})
}
