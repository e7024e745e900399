package handlers

import (
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

func itoa(n int) string { return strconv.Itoa(n) }

// canvasBinary serves GET /api/v1/canvas: one byte per pixel, with the seq
// in a header and as the ETag.
func (s *Server) canvasBinary(c echo.Context) error {
	if !s.hub.Ready() {
		return place.ErrUnavailable
	}
	data, seq := s.hub.Canvas()
	h := c.Response().Header()
	etag := `"` + strconv.FormatUint(seq, 10) + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Canvas-Seq", strconv.FormatUint(seq, 10))
	h.Set("X-Canvas-Width", itoa(s.cfg.Width))
	h.Set("X-Canvas-Height", itoa(s.cfg.Height))
	h.Set("Vary", "Accept-Encoding")
	if noneMatch(c.Request(), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if acceptsGzip(c.Request()) {
		h.Set("Content-Encoding", "gzip")
		c.Response().Header().Set("Content-Type", "application/octet-stream")
		c.Response().WriteHeader(http.StatusOK)
		zw, _ := gzip.NewWriterLevel(c.Response(), gzip.BestSpeed)
		if _, err := zw.Write(data); err != nil {
			return nil
		}
		return zw.Close()
	}
	return c.Blob(http.StatusOK, "application/octet-stream", data)
}

// pngCache keeps the last encoded PNG per scale, keyed by seq.
type pngCache struct {
	mu      sync.Mutex
	entries map[int]pngEntry
}

type pngEntry struct {
	seq  uint64
	data []byte
}

var pngPalette = func() color.Palette {
	p := make(color.Palette, place.ColorCount)
	for i, c := range place.Palette {
		r, g, b := c.RGB()
		p[i] = color.RGBA{r, g, b, 255}
	}
	return p
}()

// canvasPNG serves GET /api/v1/canvas.png?scale=1..8 as an indexed PNG.
func (s *Server) canvasPNG(c echo.Context) error {
	scale, err := intParam(c, "scale", 1, 1, 8)
	if err != nil {
		return err
	}
	if !s.hub.Ready() {
		return place.ErrUnavailable
	}
	data, seq := s.hub.Canvas()
	etag := `"` + strconv.FormatUint(seq, 10) + "-" + itoa(scale) + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Canvas-Seq", strconv.FormatUint(seq, 10))
	if noneMatch(c.Request(), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	s.png.mu.Lock()
	if s.png.entries == nil {
		s.png.entries = make(map[int]pngEntry)
	}
	e, ok := s.png.entries[scale]
	s.png.mu.Unlock()
	if !ok || e.seq != seq {
		img := image.NewPaletted(image.Rect(0, 0, s.cfg.Width*scale, s.cfg.Height*scale), pngPalette)
		for y := 0; y < s.cfg.Height; y++ {
			row := data[y*s.cfg.Width : (y+1)*s.cfg.Width]
			for dy := 0; dy < scale; dy++ {
				off := (y*scale + dy) * img.Stride
				for x, v := range row {
					for dx := 0; dx < scale; dx++ {
						img.Pix[off+x*scale+dx] = v
					}
				}
			}
		}
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, img); err != nil {
			return err
		}
		e = pngEntry{seq: seq, data: buf.Bytes()}
		s.png.mu.Lock()
		s.png.entries[scale] = e
		s.png.mu.Unlock()
	}
	return c.Blob(http.StatusOK, "image/png", e.data)
}

// canvasInfo serves GET /api/v1/canvas/info.
func (s *Server) canvasInfo(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, s.info)
}

// noneMatch reports whether the request's If-None-Match names etag (or is
// "*"), compared weakly as RFC 9110 §13.1.2 says: the answer is then 304.
func noneMatch(r *http.Request, etag string) bool {
	for _, v := range r.Header.Values("If-None-Match") {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding allows gzip: listed (or "*")
// with a q-value above 0 (RFC 9110 §12.5.3). "gzip;q=0" is a refusal.
func acceptsGzip(r *http.Request) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range r.Header.Values("Accept-Encoding") {
		for item := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(item, ";")
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			switch name = strings.TrimSpace(name); {
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				gzipQ = q
			case name == "*":
				starQ = q
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
