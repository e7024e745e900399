package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// TestCanvasBinaryAPI checks GET /api/v1/canvas against docs/protocol.md ("HTTP"): the bytes,
// the headers, the ETag from seq with conditional requests as HTTP defines
// them, and gzip only when the client accepts it.
func TestCanvasBinaryAPI(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Width, c.Height = 40, 30; c.Cooldown = 0 })
	u, err := ts.App.Store.Users.CreateGuest(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.App.Store.Placer.Place(context.Background(), place.Player{UserID: u.ID}, 3, 2, 5, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitSeq(t, ts, 1)

	resp, body := get(t, ts.URL+"/api/v1/canvas", nil)
	h := resp.Header
	if resp.StatusCode != 200 || h.Get("Content-Type") != "application/octet-stream" || len(body) != 40*30 {
		t.Fatalf("canvas: %d %q %d bytes", resp.StatusCode, h.Get("Content-Type"), len(body))
	}
	if body[2*40+3] != 5 {
		t.Errorf("pixel (3,2) is %d, want 5", body[2*40+3])
	}
	if h.Get("X-Canvas-Seq") != "1" || h.Get("X-Canvas-Width") != "40" || h.Get("X-Canvas-Height") != "30" || h.Get("ETag") != `"1-40x30"` {
		t.Errorf("canvas headers: %v", h)
	}

	for _, tc := range []struct {
		ifNoneMatch string
		status      int
	}{
		{`"1-40x30"`, 304},
		{`W/"1-40x30"`, 304}, // If-None-Match compares weakly
		{`"0-40x30", "1-40x30"`, 304},
		{`*`, 304},
		{`"0-40x30"`, 200},
		{`"1"`, 200},       // the seq alone (a canvas of another size)
		{`"1-40x20"`, 200}, // the same seq at another size: the canvas grew since
		{`"11-40x30"`, 200},
	} {
		resp, body := get(t, ts.URL+"/api/v1/canvas", http.Header{"If-None-Match": {tc.ifNoneMatch}})
		if resp.StatusCode != tc.status {
			t.Errorf("If-None-Match %s: %d, want %d", tc.ifNoneMatch, resp.StatusCode, tc.status)
		}
		if tc.status == 304 && (len(body) != 0 || resp.Header.Get("ETag") != `"1-40x30"`) {
			t.Errorf("If-None-Match %s: 304 with %d bytes, ETag %q", tc.ifNoneMatch, len(body), resp.Header.Get("ETag"))
		}
	}

	for _, tc := range []struct {
		acceptEncoding string
		gzipped        bool
	}{
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, GZIP;q=0.5", true},
		{"*", true},
		{"", false},
		{"identity", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000, deflate", false},
		{"x-gzip-not", false},
		{"*;q=0", false},
	} {
		resp, body := get(t, ts.URL+"/api/v1/canvas", http.Header{"Accept-Encoding": {tc.acceptEncoding}})
		gz := resp.Header.Get("Content-Encoding") == "gzip"
		if gz != tc.gzipped {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", tc.acceptEncoding, gz, tc.gzipped)
			continue
		}
		if gz {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if len(body) != 40*30 || body[2*40+3] != 5 {
			t.Errorf("Accept-Encoding %q: %d bytes", tc.acceptEncoding, len(body))
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.acceptEncoding, resp.Header.Get("Vary"))
		}
	}
}

// TestCanvasPNGAndInfo checks the PNG at every scale and the info document.
func TestCanvasPNGAndInfo(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Width, c.Height = 20, 10; c.Cooldown = 0 })
	u, err := ts.App.Store.Users.CreateGuest(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.App.Store.Placer.Place(context.Background(), place.Player{UserID: u.ID}, 19, 9, 15, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitSeq(t, ts, 1)
	for scale := 1; scale <= 8; scale++ {
		resp, body := get(t, fmt.Sprintf("%s/api/v1/canvas.png?scale=%d", ts.URL, scale), nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("scale %d: %d %q", scale, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		img, err := png.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		pal, ok := img.(*image.Paletted)
		if !ok {
			t.Fatalf("scale %d: %T, want an indexed PNG", scale, img)
		}
		if b := pal.Bounds(); b.Dx() != 20*scale || b.Dy() != 10*scale {
			t.Errorf("scale %d: %v", scale, b)
		}
		if got := pal.ColorIndexAt(20*scale-1, 10*scale-1); got != 15 {
			t.Errorf("scale %d: last pixel index %d, want 15", scale, got)
		}
	}

	resp, body := get(t, ts.URL+"/api/v1/canvas/info", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("info: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var info map[string]json.RawMessage
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"width", "height", "colorCount", "cooldownSeconds", "palette"} {
		if _, ok := info[k]; !ok {
			t.Errorf("info lacks %s: %s", k, body)
		}
	}
	var typed struct {
		Width, Height, ColorCount int
		CooldownSeconds           float64
		Palette                   []struct{ Hex, Name string }
	}
	_ = json.Unmarshal(body, &typed)
	if typed.Width != 20 || typed.Height != 10 || typed.ColorCount != 16 || len(typed.Palette) != 16 ||
		typed.Palette[5].Hex != "#E50000" || typed.Palette[5].Name != "red" {
		t.Errorf("info: %s", body)
	}
}

// TestPixelHistoryLimit checks the bounds of ?limit= (default 50, max 500)
// and the shape of a placement.
func TestPixelHistoryLimit(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Width, c.Height = 8, 8; c.Cooldown = 0 })
	u, err := ts.App.Store.Users.CreateGuest(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 520 {
		if _, _, err := ts.App.Store.Placer.Place(context.Background(), place.Player{UserID: u.ID}, 1, 1, uint8(i%16), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		query string
		n     int
	}{{"", 50}, {"&limit=1", 1}, {"&limit=500", 500}, {"&limit=77", 77}} {
		resp, body := get(t, ts.URL+"/api/v1/history/pixel?x=1&y=1"+tc.query, nil)
		var out struct {
			Placements []map[string]any `json:"placements"`
		}
		if err := json.Unmarshal(body, &out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tc.query, resp.StatusCode, body)
		}
		if len(out.Placements) != tc.n {
			t.Errorf("%q: %d placements, want %d", tc.query, len(out.Placements), tc.n)
			continue
		}
		// A guest is not named to the public (docs/protocol.md).
		first := out.Placements[0]
		if first["userId"] != "" || first["username"] != "an anonymous player" || first["anonymous"] != true || first["color"] != float64(519%16) {
			t.Errorf("%q: newest placement %v", tc.query, first)
		}
		if _, err := time.Parse(time.RFC3339, fmt.Sprint(first["placedAt"])); err != nil {
			t.Errorf("placedAt %v: %v", first["placedAt"], err)
		}
	}
	if resp, _ := get(t, ts.URL+"/api/v1/history/pixel?x=1&y=1&limit=501", nil); resp.StatusCode != 400 {
		t.Errorf("limit=501: %d", resp.StatusCode)
	}
}

func waitSeq(t *testing.T, ts *testServer, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for ts.App.Hub.Seq() < seq {
		if time.Now().After(deadline) {
			t.Fatalf("seq %d not reached", seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCanvasPNGSizeIsBounded: on a large canvas the larger scales would
// build images of hundreds of MiB per request (8 × 8 on 4096 × 4096 is
// 1 GiB); they are refused with the scales that remain.
func TestCanvasPNGSizeIsBounded(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Width, c.Height = 2048, 2048 })
	for _, scale := range []int{5, 8} {
		resp, body := get(t, fmt.Sprintf("%s/api/v1/canvas.png?scale=%d", ts.URL, scale), nil)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "VALIDATION_ERROR") || !strings.Contains(string(body), "from 1 to 4") {
			t.Errorf("scale %d on 2048 × 2048: %d %.200s", scale, resp.StatusCode, body)
		}
	}
	resp, body := get(t, ts.URL+"/api/v1/canvas.png", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("scale 1: %d", resp.StatusCode)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(body))
	if err != nil || cfg.Width != 2048 || cfg.Height != 2048 {
		t.Errorf("scale 1: %+v %v", cfg, err)
	}
}
