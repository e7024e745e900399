package app_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/placecanvas/place"
)

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
