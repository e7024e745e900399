package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"image/gif"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/embedded"
	"github.com/placecanvas/place/timetravel"
)

// TestExport runs place export csv, gif and png against a seeded database.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := place.Config{Width: 20, Height: 10}
	st, err := embedded.Open(ctx, embedded.Options{DataDir: dir, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := range 50 {
		if _, _, err := st.Placer.Place(ctx, place.Player{UserID: "user-secret-id"}, i%20, i%10, uint8(i%16), start.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	want, _, _, _ := st.Feed.Canvas(ctx)
	st.Close()

	storage := []string{"--data-dir", dir, "--width", "20", "--height", "10"}
	export := func(args ...string) (string, int, string) {
		out := filepath.Join(t.TempDir(), "out")
		var stderr bytes.Buffer
		code := run(ctx, append(append(args, "-o", out), storage...), func(string) string { return "" }, io.Discard, &stderr)
		data, _ := os.ReadFile(out)
		return string(data), code, stderr.String()
	}

	data, code, errOut := export("export", "csv", "--users")
	if code != 0 {
		t.Fatalf("export csv: %d %s", code, errOut)
	}
	zr, err := gzip.NewReader(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(zr)
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if lines[0] != timetravel.CSVHeader || len(lines) != 51 || strings.Contains(string(csv), "user-secret-id") {
		t.Errorf("csv: header %q, %d lines", lines[0], len(lines))
	}

	data, code, errOut = export("export", "gif", "--frames", "5", "--size", "40")
	g, err := gif.DecodeAll(strings.NewReader(data))
	if code != 0 || err != nil || len(g.Image) != 5 || g.Config.Width != 40 || g.Config.Height != 20 {
		t.Fatalf("export gif: %d %s %v", code, errOut, err)
	}

	data, code, errOut = export("export", "png", "--at", "50", "--scale", "2")
	img, err := png.Decode(strings.NewReader(data))
	if code != 0 || err != nil || img.Bounds().Dx() != 40 {
		t.Fatalf("export png: %d %s %v", code, errOut, err)
	}
	for i, c := range want {
		r1, g1, b1, _ := img.At(2*(i%20), 2*(i/20)).RGBA()
		r2, g2, b2, _ := place.ImagePalette[c].RGBA()
		if r1 != r2 || g1 != g2 || b1 != b2 {
			t.Fatalf("png pixel %d differs from the canvas", i)
		}
	}

	for _, bad := range [][]string{{"export", "png", "--at", "51"}, {"export", "gif", "--frames", "0"}, {"export", "csv", "--upto", "x"}} {
		if _, code, errOut := export(bad...); code != 1 || !strings.Contains(errOut, "place: export:") {
			t.Errorf("%v: exit %d, %q", bad, code, errOut)
		}
	}
	if code := run(ctx, []string{"export", "mp4"}, func(string) string { return "" }, io.Discard, io.Discard); code != 2 {
		t.Errorf("export mp4: exit %d, want 2", code)
	}
}
