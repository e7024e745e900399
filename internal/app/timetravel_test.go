package app_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/timetravel"
)

// TestTimeTravelEmbedded and TestTimeTravelCluster run the same checks of
// the time-travel routes in both modes.
func TestTimeTravelEmbedded(t *testing.T) {
	testTimeTravel(t, startServer(t, func(c *app.Config) { c.Cooldown = 0 }))
}

func TestTimeTravelCluster(t *testing.T) {
	env := newClusterEnv(t)
	testTimeTravel(t, startServer(t, func(c *app.Config) {
		c.Cooldown = 0
		c.RedisURL, c.DatabaseURL, c.RedisPrefix = env.redisURL, env.databaseURL, env.prefix
	}))
}

// seeded is a history made through the store, with what a naive replay
// of it gives.
type seeded struct {
	all   []place.Placement
	users []place.User
	base  time.Time
}

func (h seeded) canvasAt(w, hgt int, seq uint64) []byte {
	c := make([]byte, w*hgt)
	for _, p := range h.all {
		if p.Seq <= seq {
			c[p.Y*w+p.X] = p.Color
		}
	}
	return c
}

func seedTimeTravel(t *testing.T, srv *authServer) seeded {
	t.Helper()
	ctx := context.Background()
	h := seeded{base: time.Now().Add(-time.Hour).Truncate(time.Second)}
	for _, name := range []string{"alice", "bob", "carol"} {
		u, err := srv.Store.Users.CreateAccount(ctx, name, []byte("hash"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		h.users = append(h.users, u)
	}
	at := func(i int) time.Time { return h.base.Add(time.Duration(i) * time.Second) }
	for i := range 80 {
		if i == 60 {
			ps, err := srv.Store.Placer.PlaceRollback(ctx, h.users[0].ID, []place.Pixel{{X: 1, Y: 1, Color: 0}, {X: 2, Y: 2, Color: 3}, {X: 3, Y: 3, Color: 5}}, at(i))
			if err != nil {
				t.Fatal(err)
			}
			h.all = append(h.all, ps...)
			continue
		}
		u := h.users[i%3]
		p, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: u.ID}, (i*7)%12, (i*5)%10, uint8(i%16), at(i))
		if err != nil {
			t.Fatal(err)
		}
		h.all = append(h.all, p)
	}
	if err := srv.Store.History.WaitHistory(ctx, h.all[len(h.all)-1].Seq); err != nil {
		t.Fatal(err)
	}
	return h
}

func testTimeTravel(t *testing.T, srv *authServer) {
	w, hgt := srv.Cfg.Width, srv.Cfg.Height
	anon := srv.visitor(t)
	if r := anon.getJSON("/api/v1/canvas?at=1"); r.StatusCode != 400 || r.JSON(t)["code"] != "VALIDATION_ERROR" {
		t.Errorf("at=1 before anything was placed: %d %s", r.StatusCode, r.Body)
	}
	h := seedTimeTravel(t, srv)
	last := h.all[len(h.all)-1]

	t.Run("BadAt", func(t *testing.T) {
		for _, q := range []string{
			"at=", "at=abc", "at=0", "at=-1", "at=" + strconv.FormatUint(last.Seq+1, 10), "at=99999999999999999999999",
			"at=1&at=2", "at=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)),
			"at=" + url.QueryEscape(h.base.Add(-time.Second).Format(time.RFC3339)), "at=2026-13-45T99:00:00Z",
		} {
			for _, path := range []string{"/api/v1/canvas?", "/api/v1/canvas.png?"} {
				r := anon.getJSON(path + q)
				body := r.JSON(t)
				if r.StatusCode != 400 || body["code"] != "VALIDATION_ERROR" || body["message"] == "" {
					t.Errorf("%s%s: %d %s", path, q, r.StatusCode, r.Body)
				}
			}
		}
		if r := anon.getJSON("/api/v1/canvas?at=" + strconv.FormatUint(last.Seq+1, 10)); !strings.Contains(r.Body, "future") {
			t.Errorf("a seq past history should say it is in the future: %s", r.Body)
		}
		if r := anon.get("/timelapse?at=nope"); r.StatusCode != 400 || !strings.Contains(r.Body, "RFC 3339") {
			t.Errorf("/timelapse?at=nope: %d", r.StatusCode)
		}
	})

	t.Run("CanvasAt", func(t *testing.T) {
		for _, seq := range []uint64{1, 30, 61, 62, 63, last.Seq} {
			r := anon.getJSON("/api/v1/canvas?at=" + strconv.FormatUint(seq, 10))
			if r.StatusCode != 200 || r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || r.Header.Get("X-Canvas-Seq") != strconv.FormatUint(seq, 10) {
				t.Fatalf("at=%d: %d %v", seq, r.StatusCode, r.Header)
			}
			if !bytes.Equal([]byte(r.Body), h.canvasAt(w, hgt, seq)) {
				t.Errorf("at=%d differs from the naive replay", seq)
			}
		}
		// A time: the last placement made at or before it.
		at := h.base.Add(10*time.Second + 500*time.Millisecond)
		r := anon.getJSON("/api/v1/canvas?at=" + url.QueryEscape(at.Format(time.RFC3339Nano)))
		if r.StatusCode != 200 || r.Header.Get("X-Canvas-Seq") != "11" || !bytes.Equal([]byte(r.Body), h.canvasAt(w, hgt, 11)) {
			t.Errorf("at=%s: %d seq %s", at, r.StatusCode, r.Header.Get("X-Canvas-Seq"))
		}
		r = anon.getJSON("/api/v1/canvas.png?scale=2&at=30")
		img, err := png.Decode(strings.NewReader(r.Body))
		if err != nil || img.Bounds().Dx() != 2*w || r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("PNG at=30: %v %v", err, r.Header)
		}
		want := h.canvasAt(w, hgt, 30)
		for i, c := range want {
			if img.(*image.Paletted).ColorIndexAt(2*(i%w), 2*(i/w)) != c {
				t.Fatalf("PNG at=30 pixel %d differs", i)
			}
		}
	})

	t.Run("GIF", func(t *testing.T) { checkGIF(t, anon, h, w, hgt) })
	t.Run("CSV", func(t *testing.T) { checkCSV(t, srv, anon, h, w, hgt) })

	t.Run("Overlays", func(t *testing.T) {
		r := anon.getJSON("/api/v1/overlay/virgin.png")
		img, err := png.Decode(strings.NewReader(r.Body))
		if err != nil {
			t.Fatalf("virgin.png: %v %s", err, r.Body)
		}
		placed := map[[2]int]bool{}
		for _, p := range h.all {
			placed[[2]int{p.X, p.Y}] = true
		}
		for y := range hgt {
			for x := range w {
				_, _, _, a := img.At(x, y).RGBA()
				if (a == 0) != placed[[2]int{x, y}] {
					t.Fatalf("virgin map at %d,%d: alpha %d, placed %v", x, y, a, placed[[2]int{x, y}])
				}
			}
		}
		r = anon.getJSON("/api/v1/overlay/heatmap.png?from=1&to=10")
		if _, err := png.Decode(strings.NewReader(r.Body)); err != nil || r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("heatmap window: %v %v", err, r.Header)
		}
	})

	t.Run("RateLimit", func(t *testing.T) {
		for i := range 25 { // each a new window: a cached one costs nothing and is not counted
			r := anon.getJSON("/api/v1/overlay/heatmap.png?from=1&to=" + strconv.Itoa(2+i))
			if r.StatusCode == http.StatusTooManyRequests {
				if r.JSON(t)["code"] != "RATE_LIMITED" || r.Header.Get("Retry-After") == "" {
					t.Errorf("429 without RATE_LIMITED and Retry-After: %v %s", r.Header, r.Body)
				}
				return
			}
			if r.StatusCode != 200 {
				t.Fatalf("export %d: %d %s", i, r.StatusCode, r.Body)
			}
		}
		t.Error("25 exports in a row were all served")
	})

	t.Run("Page", func(t *testing.T) {
		// The totals count players' placements, not a moderator's rollback (as /stats).
		players := 0
		for _, p := range h.all {
			if !p.Rollback {
				players++
			}
		}
		r := anon.get("/timelapse?at=30")
		if r.StatusCode != 200 || !strings.Contains(r.Body, `data-testid="frame-seq">30<`) ||
			!strings.Contains(r.Body, `data-testid="sum-placements">`+strconv.Itoa(players)+`<`) ||
			!strings.Contains(r.Body, `data-testid="sum-players">3<`) || !strings.Contains(r.Body, `/timelapse?at=29`) {
			t.Errorf("/timelapse?at=30: %d\n%s", r.StatusCode, r.Body)
		}
	})
}

func checkGIF(t *testing.T, anon *visitor, h seeded, w, hgt int) {
	from, to := h.base, h.all[len(h.all)-1].At
	q := url.Values{"frames": {"9"}, "delay": {"50"}, "size": {"32"}, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	r := anon.getJSON("/api/v1/timelapse.gif?" + q.Encode())
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/gif" {
		t.Fatalf("timelapse.gif: %d %s", r.StatusCode, r.Body)
	}
	g, err := gif.DecodeAll(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("decode GIF: %v", err)
	}
	if len(g.Image) != 9 || g.Config.Width != 32 || g.Config.Height != 32 || g.LoopCount != 0 {
		t.Fatalf("GIF: %d frames %dx%d loop %d; want 9 frames 32x32 looping", len(g.Image), g.Config.Width, g.Config.Height, g.LoopCount)
	}
	pal, ok := g.Config.ColorModel.(color.Palette)
	if !ok || len(pal) != 16 {
		t.Fatalf("GIF palette: %v", g.Config.ColorModel)
	}
	for i, c := range place.ImagePalette {
		if r1, g1, b1, _ := c.RGBA(); func() bool { r2, g2, b2, _ := pal[i].RGBA(); return r1 != r2 || g1 != g2 || b1 != b2 }() {
			t.Fatalf("GIF palette entry %d differs", i)
		}
	}
	// Each frame draws over the last; the composed frames must be the
	// canvas at each frame's moment.
	screen := image.NewPaletted(image.Rect(0, 0, 32, 32), place.ImagePalette)
	for i, fr := range g.Image {
		draw.Draw(screen, fr.Bounds(), fr, fr.Bounds().Min, draw.Src)
		at := from.Add(time.Duration(float64(to.Sub(from)) * float64(i) / 8))
		var seq uint64
		for _, p := range h.all {
			if !p.At.After(at) {
				seq = p.Seq
			}
		}
		want := image.NewPaletted(screen.Rect, place.ImagePalette)
		timetravel.Render(want, h.canvasAt(w, hgt, seq), w, image.Rect(0, 0, w, hgt))
		if !bytes.Equal(screen.Pix, want.Pix) {
			t.Fatalf("GIF frame %d is not the canvas at seq %d", i, seq)
		}
		if g.Delay[i] != 5 {
			t.Errorf("frame %d delay %d, want 5", i, g.Delay[i])
		}
	}
	for _, bad := range []string{"frames=0", "frames=1001", "delay=5", "size=5000", "x=1", "x=0&y=0&w=99&h=2", "speed=1&delay=20", "speed=0", "from=yesterday"} {
		if r := anon.getJSON("/api/v1/timelapse.gif?" + bad); r.StatusCode != 400 || r.JSON(t)["code"] != "VALIDATION_ERROR" {
			t.Errorf("timelapse.gif?%s: %d %.200q", bad, r.StatusCode, r.Body)
		}
	}
}

// readCSV gunzips an export and replays it.
func readCSV(t *testing.T, body string, w, hgt int) (header string, rows [][]string, canvas []byte) {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	sc := bufio.NewScanner(zr)
	sc.Scan()
	header = sc.Text()
	canvas = make([]byte, w*hgt)
	cols := strings.Split(header, ",")
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) != len(cols) {
			t.Fatalf("row %q has %d fields, want %d", sc.Text(), len(f), len(cols))
		}
		rows = append(rows, f)
		x, _ := strconv.Atoi(f[len(f)-4])
		y, _ := strconv.Atoi(f[len(f)-3])
		c, _ := strconv.Atoi(f[len(f)-2])
		canvas[y*w+x] = byte(c)
	}
	return header, rows, canvas
}

func checkCSV(t *testing.T, srv *authServer, anon *visitor, h seeded, w, hgt int) {
	r := anon.getJSON("/api/v1/export/history.csv.gz")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("export: %d %s", r.StatusCode, r.Body)
	}
	header, rows, canvas := readCSV(t, r.Body, w, hgt)
	last := h.all[len(h.all)-1].Seq
	if header != timetravel.CSVPublicHeader || len(rows) != len(h.all) || !bytes.Equal(canvas, h.canvasAt(w, hgt, last)) {
		t.Fatalf("public CSV: header %q, %d rows; replayed canvas equal: %v", header, len(rows), bytes.Equal(canvas, h.canvasAt(w, hgt, last)))
	}
	rollbacks := 0
	for i, f := range rows {
		p := h.all[i]
		if f[0] != strconv.FormatUint(p.Seq, 10) || f[1] != strconv.FormatInt(p.At.UnixMilli(), 10) {
			t.Fatalf("row %d = %v, want seq %d at %d", i, f, p.Seq, p.At.UnixMilli())
		}
		if f[len(f)-1] == "rollback" {
			rollbacks++
		}
	}
	if rollbacks != 3 {
		t.Errorf("%d rollback rows, want 3", rollbacks)
	}
	if r := anon.getJSON("/api/v1/export/history.csv.gz?users=1"); r.StatusCode != http.StatusForbidden {
		t.Errorf("user hashes for a visitor: %d", r.StatusCode)
	}
	admin := srv.newAdmin(t, "moderator")
	r = admin.getJSON("/api/v1/export/history.csv.gz?users=1")
	header, rows, canvas = readCSV(t, r.Body, w, hgt)
	if r.StatusCode != 200 || header != timetravel.CSVHeader || !bytes.Equal(canvas, h.canvasAt(w, hgt, last)) {
		t.Fatalf("admin CSV: %d %q", r.StatusCode, header)
	}
	hashOf := map[string]string{}
	hexHash := regexp.MustCompile(`^[0-9a-f]{24}$`)
	for i, f := range rows {
		if !hexHash.MatchString(f[2]) {
			t.Fatalf("row %d user %q is not a 24-hex-digit hash", i, f[2])
		}
		if prev, ok := hashOf[h.all[i].UserID]; ok && prev != f[2] {
			t.Fatalf("one user, two hashes: %s %s", prev, f[2])
		}
		hashOf[h.all[i].UserID] = f[2]
	}
	if len(hashOf) != 3 {
		t.Errorf("%d distinct users in the export, want 3", len(hashOf))
	}
	// Nothing that names a player: ids, names, addresses.
	for _, body := range []string{gunzip(t, r.Body), gunzip(t, anon.getJSON("/api/v1/export/history.csv.gz").Body)} {
		for _, u := range h.users {
			if strings.Contains(body, u.ID) || strings.Contains(strings.ToLower(body), strings.ToLower(u.Username)) {
				t.Errorf("the export names user %s", u.Username)
			}
		}
		if strings.Contains(body, "127.0.0.1") {
			t.Error("the export holds an IP address")
		}
	}
}

func gunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
