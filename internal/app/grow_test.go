package app_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

// canvasModel is what a client holds: it follows canvas, resize and pixels
// messages as the browser does, and fails the test when a pixel lands
// beyond the size it was told (resize must come first).
type canvasModel struct {
	size place.Size
	data []byte
	seq  uint64
}

func (m *canvasModel) apply(t *testing.T, who string, msg wstest.Msg) {
	t.Helper()
	switch msg.Type {
	case "canvas":
		m.size, m.data, m.seq = place.Size{Width: msg.Width, Height: msg.Height}, append([]byte(nil), msg.Pixels...), msg.Seq
	case "resize":
		to := place.Size{Width: msg.Width, Height: msg.Height}
		if !to.Covers(m.size) {
			t.Fatalf("%s: resize to %v would shrink %v", who, to, m.size)
		}
		m.data, m.size = place.Regrow(m.data, m.size, to), to
	case "pixels":
		if msg.PrevSeq != m.seq {
			t.Fatalf("%s: pixels after %d, but the client is at %d", who, msg.PrevSeq, m.seq)
		}
		for _, e := range msg.Events {
			if !m.size.Contains(e.X, e.Y) {
				t.Fatalf("%s: pixel %d,%d arrived before a resize (the client's canvas is %v)", who, e.X, e.Y, m.size)
			}
			m.data[e.Y*m.size.Width+e.X] = uint8(e.Color)
		}
		m.seq = msg.Seq
	}
}

// follow applies messages until the model has a pixel at (x, y) of the
// given color and reports when a resize arrived.
func (m *canvasModel) follow(t *testing.T, who string, c *wstest.Client, x, y int, color uint8, timeout time.Duration) (resized bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !(m.size.Contains(x, y) && m.data[y*m.size.Width+x] == color) {
		msg, err := c.Next(time.Until(deadline))
		if err != nil {
			t.Fatalf("%s: waiting for pixel %d,%d=%d: %v (canvas %v at seq %d)", who, x, y, color, err, m.size, m.seq)
		}
		resized = resized || msg.Type == "resize"
		m.apply(t, who, msg)
	}
	return resized
}

// watch connects a client and loads its first canvas into a model.
func watch(t *testing.T, wsURL string, binary bool) (*wstest.Client, *canvasModel) {
	t.Helper()
	c := wstest.MustDial(t, wsURL, wstest.Options{Binary: binary})
	c.Expect(t, "welcome", 5*time.Second)
	m := &canvasModel{}
	m.apply(t, "watcher", c.Expect(t, "canvas", 5*time.Second))
	return c, m
}

// placeUntil places through c until it succeeds or timeout passes (an
// instance learns of a growth within a second) and returns the last reply.
func placeUntil(t *testing.T, c *wstest.Client, x, y, color int, timeout time.Duration) wstest.Msg {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for i := 0; ; i++ {
		id := "p" + strconv.Itoa(i)
		if err := c.Place(x, y, color, id); err != nil {
			t.Fatal(err)
		}
		var m wstest.Msg
		for m.RequestID != id {
			var err error
			if m, err = c.Next(time.Until(deadline) + time.Second); err != nil {
				t.Fatalf("placing at %d,%d: %v", x, y, err)
			}
		}
		if m.Type == "success" || time.Now().After(deadline) {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// growRun is one growth scenario: admin grows the canvas through grower,
// player places through placer.
func growRun(t *testing.T, grower, placer *authServer, watchers []*authServer) {
	admin := grower.newAdmin(t, "mod")
	player := wstest.MustDial(t, "ws://"+placer.Host+"/ws", wstest.Options{Player: true, Header: http.Header{"Origin": {placer.URL}}})
	player.Expect(t, "welcome", 5*time.Second)
	if m := placeUntil(t, player, 1, 1, 3, time.Second); m.Type != "success" {
		t.Fatalf("first placement: %v", m)
	}
	type watcher struct {
		name string
		c    *wstest.Client
		m    *canvasModel
	}
	var ws []watcher
	for i, srv := range watchers {
		for _, binary := range []bool{false, true} {
			c, m := watch(t, "ws://"+srv.Host+"/ws", binary)
			ws = append(ws, watcher{"instance " + strconv.Itoa(i+1) + " binary " + strconv.FormatBool(binary), c, m})
		}
	}
	for _, w := range ws {
		w.m.follow(t, w.name, w.c, 1, 1, 3, 3*time.Second)
	}
	var streams []*sseStream // SSE readers are told of the growth too
	for _, srv := range watchers {
		streams = append(streams, openSSE(t, srv.URL+"/api/v1/events", nil))
	}
	resumeFrom := ws[0].m.seq
	before := *ws[0].m
	before.data = append([]byte(nil), before.data...)

	// Bad input changes nothing.
	for _, bad := range []url.Values{
		{"width": {"abc"}, "height": {"20"}}, {"width": {"10"}, "height": {"20"}}, {"width": {"16"}, "height": {"16"}},
		{"width": {strconv.Itoa(place.MaxSide + 1)}, "height": {"20"}}, {"width": {"24.5"}, "height": {"20"}}, {"height": {"20"}},
	} {
		r := admin.postForm("/admin/canvas/grow", bad)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "form-error") {
			t.Errorf("grow %v: %d, want 400 with the form's error", bad, r.StatusCode)
		}
	}
	if sz := grower.App.Hub.Size(); sz != (place.Size{Width: 16, Height: 16}) {
		t.Fatalf("after refused growths the canvas is %v", sz)
	}

	if r := admin.postForm("/admin/canvas/grow", url.Values{"width": {"24"}, "height": {"20"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("grow: %d %s", r.StatusCode, r.Body)
	}
	if r := admin.get("/admin/canvas"); !strings.Contains(r.Body, "24 × 20") {
		t.Errorf("the admin page does not show the new size")
	}
	audit, _ := grower.App.Store.Users.AuditLog(t.Context(), 0, 5)
	if len(audit) == 0 || audit[0].Action != "grow" || !strings.Contains(audit[0].Detail, "16 × 16 → 24 × 20") {
		t.Errorf("audit log: %+v, want a grow entry with the old and new size", audit)
	}
	grown := time.Now()
	if m := placeUntil(t, player, 23, 19, 7, time.Second); m.Type != "success" {
		t.Fatalf("a placement in the new area was not accepted within a second: %v", m)
	}
	if d := time.Since(grown); d > time.Second {
		t.Errorf("a placement in the new area was accepted %v after the growth", d)
	}
	for _, w := range ws {
		if !w.m.follow(t, w.name, w.c, 23, 19, 7, 3*time.Second) {
			t.Errorf("%s: no resize message", w.name)
		}
	}
	for i, s := range streams {
		expectGrowthOverSSE(t, s, i+1)
	}

	checkTimeTravelAcrossGrowth(t, admin)

	// A fresh connection and one that resumes from before the growth end
	// with the same canvas as the connected clients.
	for i, srv := range watchers {
		fresh, fm := watch(t, "ws://"+srv.Host+"/ws", i%2 == 1)
		fm.follow(t, "fresh", fresh, 23, 19, 7, 3*time.Second)
		res := wstest.MustDial(t, "ws://"+srv.Host+"/ws?since="+strconv.FormatUint(resumeFrom, 10), wstest.Options{})
		w := res.Expect(t, "welcome", 5*time.Second)
		var info struct{ Width, Height int }
		_ = json.Unmarshal(w.CanvasInfo, &info)
		if info.Width != 24 || info.Height != 20 {
			t.Errorf("welcome on resume: canvasInfo %dx%d, want 24x20", info.Width, info.Height)
		}
		rm := before
		rm.data = append([]byte(nil), before.data...)
		rm.apply(t, "resume", wstest.Msg{Type: "resize", Width: info.Width, Height: info.Height}) // as the client does with the welcome's size
		rm.follow(t, "resume", res, 23, 19, 7, 3*time.Second)
		if rm.seq != fm.seq || rm.size != fm.size || !bytes.Equal(rm.data, fm.data) || !bytes.Equal(ws[0].m.data, fm.data) {
			t.Errorf("instance %d: resumed canvas %v seq %d and fresh canvas %v seq %d differ", i+1, rm.size, rm.seq, fm.size, fm.seq)
		}
	}
}

// expectGrowthOverSSE reads an SSE stream opened before the growth: a
// resize to 24 × 20 comes before the pixel placed in the new area.
func expectGrowthOverSSE(t *testing.T, s *sseStream, instance int) {
	t.Helper()
	resized := false
	for {
		ev := s.next(t, 3*time.Second)
		switch ev.Event {
		case "resize":
			if !strings.Contains(ev.Data, `"width":24,"height":20`) {
				t.Errorf("instance %d: SSE resize %s, want 24x20", instance, ev.Data)
			}
			resized = true
		case "pixels":
			if strings.Contains(ev.Data, `"x":23,"y":19`) {
				if !resized {
					t.Errorf("instance %d: the SSE stream got the pixel in the new area before a resize", instance)
				}
				return
			}
		}
	}
}

// checkTimeTravelAcrossGrowth: seq 1 was placed on the 16 × 16 canvas, seq
// 2 after it grew to 24 × 20; every time-travel view serves both.
func checkTimeTravelAcrossGrowth(t *testing.T, v *visitor) {
	t.Helper()
	var r response
	waitFor(t, "history through seq 2", 5*time.Second, func() bool {
		r = v.getJSON("/api/v1/canvas?at=2")
		return r.StatusCode == http.StatusOK
	})
	if r.Header.Get("X-Canvas-Width") != "24" || r.Header.Get("X-Canvas-Height") != "20" || len(r.Body) != 24*20 || r.Body[19*24+23] != 7 || r.Body[1*24+1] != 3 {
		t.Errorf("canvas at seq 2: %sx%s, %d bytes", r.Header.Get("X-Canvas-Width"), r.Header.Get("X-Canvas-Height"), len(r.Body))
	}
	r = v.getJSON("/api/v1/canvas?at=1")
	if r.StatusCode != http.StatusOK || r.Header.Get("X-Canvas-Width") != "16" || r.Header.Get("X-Canvas-Height") != "16" || len(r.Body) != 256 || r.Body[1*16+1] != 3 {
		t.Errorf("canvas at seq 1 (before the growth): %d, %sx%s, %d bytes; want the 16x16 canvas", r.StatusCode, r.Header.Get("X-Canvas-Width"), r.Header.Get("X-Canvas-Height"), len(r.Body))
	}
	r = v.getJSON("/api/v1/canvas.png?at=1&scale=2")
	if img, err := png.Decode(strings.NewReader(r.Body)); err != nil || img.Bounds().Dx() != 32 || img.Bounds().Dy() != 32 {
		t.Errorf("PNG at seq 1: %d, %v", r.StatusCode, err)
	}
	for _, path := range []string{"/api/v1/timelapse.gif?frames=3&size=48", "/api/v1/export/history.csv.gz", "/api/v1/overlay/heatmap.png",
		"/api/v1/overlay/virgin.png", "/api/v1/history/summary", "/timelapse?at=1", "/timelapse?at=2"} {
		if r := v.getJSON(path); r.StatusCode != http.StatusOK {
			t.Errorf("%s after a growth: %d %.200s", path, r.StatusCode, r.Body)
		}
	}
}

func TestGrowEmbedded(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	growRun(t, srv, srv, []*authServer{srv})
}

func TestGrowClusterTwoInstances(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Width, c.Height, c.Cooldown, c.BatchInterval = 16, 16, 0, 5*time.Millisecond })
	one := asAuthServer(startWith(t, cfg), cfg)
	two := asAuthServer(startWith(t, cfg), cfg)
	growRun(t, one, two, []*authServer{one, two})
}
