package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// redSquare is an n × n template all red (palette 5).
func redSquare(t *testing.T, n int) []byte {
	img := image.NewPaletted(image.Rect(0, 0, n, n), place.ImagePalette)
	for i := range img.Pix {
		img.Pix[i] = 5
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// untilAnswer retries get until check passes or 5 s pass.
func untilAnswer(t *testing.T, what string, get func() response, check func(response) bool) response {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := get()
		if check(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d %s", what, r.StatusCode, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTemplateHealthAndLeaderboardAPI(t *testing.T) {
	teamModes(t, func(t *testing.T, srv *authServer) {
		ctx := context.Background()
		tpl, err := srv.Store.Events.AddTemplate(ctx, place.Template{Name: "square", X: 0, Y: 0, Width: 4, Height: 4, PNG: redSquare(t, 4), CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		alice := srv.visitor(t)
		alice.register("alice", "alice password")
		guest := srv.visitor(t)
		ap, gp := alice.mustDialWS(), guest.mustDialWS()
		for i := range 3 {
			if m := ap.place(t, i, 0, 5); m["type"] != "success" { // right
				t.Fatalf("alice's placement: %v", m)
			}
		}
		for i := range 2 {
			if m := gp.place(t, i, 1, 3); m["type"] != "success" { // wrong
				t.Fatalf("guest's placement: %v", m)
			}
		}
		_, _, last, err := srv.Store.Feed.Canvas(ctx)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/templates/%d/health", tpl.ID)
		r := untilAnswer(t, "health", func() response { return alice.getJSON(path) }, func(r response) bool {
			return r.StatusCode == http.StatusOK && r.JSON(t)["seq"].(float64) >= float64(last)
		})
		h := r.JSON(t)
		if h["correct"] != float64(3) || h["total"] != float64(16) || h["wrongCount"] != float64(13) || len(h["wrong"].([]any)) != 13 {
			t.Fatalf("health: %s", r.Body)
		}
		first := h["wrong"].([]any)[0].(map[string]any)
		if first["x"] != float64(1) || first["y"] != float64(1) || first["want"] != float64(5) || first["have"] != float64(3) || first["by"] != "" || first["at"] == nil {
			t.Fatalf("the latest wrong pixel is the guest's at 1,1 (not named): %v", first)
		}
		if r := alice.getJSON("/api/v1/templates/999/health"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown template: %d", r.StatusCode)
		}
		if r := alice.getJSON("/api/v1/leaderboard?period=week"); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad period: %d %s", r.StatusCode, r.Body)
		}
		for _, period := range []string{"hour", "day", "all"} {
			untilAnswer(t, period, func() response { return alice.getJSON("/api/v1/leaderboard?period=" + period) }, func(r response) bool {
				return r.StatusCode == http.StatusOK && strings.Contains(r.Body, (`"players":[{"username":"alice","placements":3},{"username":null,"placements":2}]`))
			})
		}
	})
}
