package app_test

import (
	"bytes"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// Once a placement is acknowledged (a WebSocket success, or the form's
// redirect), a canvas read from the same instance includes it: 1,000 times
// in a row with subscribers connected, in both modes. History reads do too.
func TestReadYourWrites(t *testing.T) {
	for _, mode := range []string{"embedded", "cluster"} {
		t.Run(mode, func(t *testing.T) {
			configure := func(c *app.Config) { c.Cooldown = 0; c.BatchInterval = 50 * time.Millisecond }
			if mode == "cluster" {
				env := newClusterEnv(t)
				configure = func(c *app.Config) {
					c.Cooldown = 0
					c.BatchInterval = 50 * time.Millisecond
					c.RedisURL, c.DatabaseURL, c.RedisPrefix = env.redisURL, env.databaseURL, env.prefix
				}
			}
			srv := startServer(t, configure)
			wsURL := "ws://" + srv.Host + "/ws"
			viewer := wstest.MustDial(t, wsURL, wstest.Options{Binary: true})
			viewer.Expect(t, "welcome", 5*time.Second)
			// Placing sockets in turn, each well under the flood limit: a
			// quiet machine runs 500 iterations a second, and each socket
			// places once in 2*len(placers) of them.
			placers := make([]*wstest.Client, 50)
			for i := range placers {
				placers[i] = wstest.MustDial(t, wsURL, wstest.Options{Player: true})
				placers[i].Expect(t, "welcome", 5*time.Second)
				placers[i].Expect(t, "canvas", 5*time.Second)
			}
			form := srv.visitor(t)
			reader := srv.visitor(t)
			w := srv.Cfg.Width
			canvas := make([]byte, w*srv.Cfg.Height)
			start := time.Now()
			for i := range 1000 {
				x, y := i%w, (i/w)%srv.Cfg.Height
				color := (canvas[y*w+x] + 1) % 16
				if i%2 == 0 {
					placer := placers[i/2%len(placers)]
					placer.Place(x, y, int(color), fmt.Sprint(i))
					if m := placer.Expect(t, "success", 5*time.Second); m.RequestID != fmt.Sprint(i) {
						t.Fatalf("placement %d: %v", i, m)
					}
				} else if r := form.postForm("/place", url.Values{"x": {fmt.Sprint(x)}, "y": {fmt.Sprint(y)}, "color": {fmt.Sprint(color)}}); r.StatusCode != 303 {
					t.Fatalf("form placement %d: %d %s", i, r.StatusCode, r.Body)
				}
				canvas[y*w+x] = color
				r := reader.getJSON("/api/v1/canvas")
				if r.StatusCode != 200 || len(r.Body) != len(canvas) {
					t.Fatalf("canvas read %d: %d, %d bytes", i, r.StatusCode, len(r.Body))
				}
				if got := r.Body[y*w+x]; got != color {
					t.Fatalf("placement %d (%d,%d)=%d acknowledged, then the canvas (seq %s) has %d", i, x, y, color, r.Header.Get("X-Canvas-Seq"), got)
				}
				if i%100 == 99 {
					checkOwnWritesElsewhere(t, reader, x, y, color)
				}
			}
			t.Logf("%s: 1,000 placements each followed at once by a canvas read, all included (%v)", mode, time.Since(start).Round(time.Millisecond))
		})
	}
}

// checkOwnWritesElsewhere reads the PNG and the pixel's history right after
// an acknowledged placement.
func checkOwnWritesElsewhere(t *testing.T, v *visitor, x, y int, color byte) {
	t.Helper()
	r := v.getJSON("/api/v1/canvas.png")
	img, err := png.Decode(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatalf("PNG: %d %v", r.StatusCode, err)
	}
	r8, g8, b8, _ := img.At(x, y).RGBA()
	if got, want := fmt.Sprintf("#%02X%02X%02X", r8>>8, g8>>8, b8>>8), place.Palette[color].Hex; got != want {
		t.Fatalf("PNG right after the placement: (%d,%d) is %s, want color %d %s", x, y, got, color, want)
	}
	h := v.getJSON(fmt.Sprintf("/api/v1/history/pixel?x=%d&y=%d&limit=1", x, y))
	if h.StatusCode != 200 || !strings.Contains(h.Body, fmt.Sprintf(`"color":%d`, color)) {
		t.Fatalf("pixel history right after the placement: %d %s, want color %d", h.StatusCode, h.Body, color)
	}
}
