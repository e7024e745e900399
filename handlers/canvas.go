package handlers

import (
	"bytes"
	"compress/gzip"
	"image"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/timetravel"
)

func itoa(n int) string { return strconv.Itoa(n) }

// liveCanvas is the hub and the configuration of the canvas, which the
// groups that show it embed.
type liveCanvas struct {
	cfg place.Config
	hub *realtime.Hub
}

// canvasCfg is the canvas configuration with the live canvas's size (the
// canvas grows at run time).
func (l liveCanvas) canvasCfg() place.Config { return l.cfg.WithSize(l.hub.Size()) }

// canvasBinary serves GET /api/v1/canvas: one byte per pixel, with the seq
// in a header and as the ETag.
func (s *playPages) canvasBinary(c echo.Context) error {
	if !s.hub.Ready() {
		return place.ErrUnavailable
	}
	data, sz, seq := s.hub.SizedCanvas()
	h := c.Response().Header()
	etag := canvasETag(seq, sz, "")
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Canvas-Seq", strconv.FormatUint(seq, 10))
	h.Set("X-Canvas-Width", itoa(sz.Width))
	h.Set("X-Canvas-Height", itoa(sz.Height))
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

// pngCache keeps the last encoded PNG per scale, keyed by seq. Encodes run
// one at a time: a burst of requests after a change waits for one encode
// and shares it, instead of each building its own image.
type pngCache struct {
	encode  sync.Mutex
	mu      sync.Mutex
	entries map[int]pngEntry
}

type pngEntry struct {
	seq  uint64
	size place.Size
	data []byte
}

// canvasETag is the ETag of the canvas at seq and size (a growth changes
// the canvas without a new seq), with suffix (the PNG's scale).
func canvasETag(seq uint64, sz place.Size, suffix string) string {
	return `"` + strconv.FormatUint(seq, 10) + "-" + itoa(sz.Width) + "x" + itoa(sz.Height) + suffix + `"`
}

// maxPNGPixels bounds the size of a scaled PNG (64 Mi pixels, as many
// bytes while it is built): 8 × 8 on a 4096 × 4096 canvas would be 1 GiB
// per request. The default canvas may use every scale; the largest, 1 and 2.
const maxPNGPixels = 1 << 26

// maxPNGScale is the largest scale (1..8) whose PNG of a canvas of cfg's
// size stays within maxPNGPixels.
func maxPNGScale(cfg place.Config) int {
	n := 8
	for n > 1 && cfg.Width*n*cfg.Height*n > maxPNGPixels {
		n--
	}
	return n
}

// canvasPNG serves GET /api/v1/canvas.png?scale=1..8 as an indexed PNG.
func (s *playPages) canvasPNG(c echo.Context) error {
	scale, err := intParam(c, "scale", 1, 1, 8)
	if err != nil {
		return err
	}
	if most := maxPNGScale(s.canvasCfg()); scale > most {
		sz := s.canvasCfg().Size()
		return place.Errorf(place.EVALIDATION, "scale must be an integer from 1 to %d for a canvas of %d × %d.", most, sz.Width, sz.Height)
	}
	if !s.hub.Ready() {
		return place.ErrUnavailable
	}
	_, sz, seq := s.hub.SizedCanvas()
	etag := canvasETag(seq, sz, "-"+itoa(scale))
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	if noneMatch(c.Request(), etag) {
		h.Set("ETag", etag)
		h.Set("X-Canvas-Seq", strconv.FormatUint(seq, 10))
		return c.NoContent(http.StatusNotModified)
	}
	e, err := s.scaledPNG(scale, seq, sz)
	if err != nil {
		return err
	}
	h.Set("ETag", canvasETag(e.seq, e.size, "-"+itoa(scale)))
	h.Set("X-Canvas-Seq", strconv.FormatUint(e.seq, 10))
	return c.Blob(http.StatusOK, "image/png", e.data)
}

// scaledPNG returns the PNG at scale of the canvas at seq or later, of
// size sz or larger.
func (s *playPages) scaledPNG(scale int, seq uint64, sz place.Size) (pngEntry, error) {
	lookup := func() (pngEntry, bool) {
		s.png.mu.Lock()
		defer s.png.mu.Unlock()
		e, ok := s.png.entries[scale]
		return e, ok && e.seq >= seq && e.size.Covers(sz)
	}
	if e, ok := lookup(); ok {
		return e, nil
	}
	s.png.encode.Lock()
	defer s.png.encode.Unlock()
	if e, ok := lookup(); ok {
		return e, nil // encoded while this request waited
	}
	data, sz, seq := s.hub.SizedCanvas()
	// Streamed a row at a time: no scaled image in memory (64 MiB for a
	// 4096² canvas at scale 2).
	var buf bytes.Buffer
	full := image.Rect(0, 0, sz.Width, sz.Height)
	if err := timetravel.WritePNG(&buf, data, sz.Width, full, image.Pt(sz.Width*scale, sz.Height*scale)); err != nil {
		return pngEntry{}, err
	}
	e := pngEntry{seq: seq, size: sz, data: buf.Bytes()}
	s.png.mu.Lock()
	if s.png.entries == nil {
		s.png.entries = make(map[int]pngEntry)
	}
	s.png.entries[scale] = e
	s.png.mu.Unlock()
	return e, nil
}

// canvasInfo serves GET /api/v1/canvas/info.
func (s *playPages) canvasInfo(c echo.Context) error {
	cfg := s.canvasCfg()
	if s.live != nil {
		cfg.Cooldown = s.cooldown() // the event's live setting
	}
	return c.JSON(http.StatusOK, realtime.NewCanvasInfo(cfg))
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
