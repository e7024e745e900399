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
	if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
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
	if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
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
