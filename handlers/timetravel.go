package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"image"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
)

// timeTravel are the routes of the stored history as a whole: past
// canvases (?at= on the canvas routes), the timelapse page and GIF, the
// history's summary, the CSV export and the overlays. They share the
// archive, running totals and the per-client export limit; the work itself
// runs under the server's shared budget (costly).
type timeTravel struct {
	*web
	liveCanvas
	archive place.Archive
	sizes   place.Sizes // the current size and the growths
	public  bool        // exports (without user hashes) are open to everyone
	costly  *costly
	stats   *timetravel.Stats
	limiter exportLimiter

	mu        sync.Mutex
	statsRun  time.Time     // when the last stats update started
	statsDone chan struct{} // closed when it ended
}

// pastFrame is the canvas right after a seq, at the size it had then.
type pastFrame struct {
	canvas []byte
	size   place.Size
}

// pastImage is an encoded image of a past canvas and the canvas's size.
type pastImage struct {
	data []byte
	size place.Size
}

const immutableCache = "public, max-age=31536000, immutable"

func newTimeTravel(w *web, canvas liveCanvas, a place.Archive, sizes place.Sizes, public bool, cs *costly) *timeTravel {
	return &timeTravel{
		web: w, liveCanvas: canvas, archive: a, sizes: sizes, public: public, costly: cs,
		stats:   &timetravel.Stats{Archive: a, Config: canvas.cfg},
		limiter: exportLimiter{perMinute: 10, counts: map[string]int{}},
	}
}

// canvasBytes is the size of the live canvas in bytes (one per pixel), the
// unit of the budget's estimates.
func (s *timeTravel) canvasBytes() int64 {
	sz := s.canvasCfg().Size()
	return int64(sz.Width) * int64(sz.Height)
}

// canvasAt returns the canvas right after seq at the size it had then,
// rebuilt (from the nearest keyframe) once and cached. A rebuild holds
// the keyframe and the canvas: about two canvases.
func (s *timeTravel) canvasAt(ctx context.Context, seq uint64) (pastFrame, error) {
	return cachedUnderBudget(s.costly, ctx, frameKey(seq), 2*s.canvasBytes()+1<<20, func(ctx context.Context) (pastFrame, int64, error) {
		current, err := s.sizes.CanvasSize(ctx)
		if err != nil {
			return pastFrame{}, 0, err
		}
		growths, err := s.sizes.Growths(ctx)
		if err != nil {
			return pastFrame{}, 0, err
		}
		c, sz, err := timetravel.SizedCanvasAt(ctx, s.archive, current, growths, seq)
		return pastFrame{c, sz}, int64(len(c)), err
	})
}

func frameKey(seq uint64) string { return "frame:" + strconv.FormatUint(seq, 10) }

// placedAt is when placement seq was made; false when it cannot be read
// (the frame is served without it).
func (s *timeTravel) placedAt(ctx context.Context, seq uint64) (time.Time, bool) {
	if seq == 0 {
		return time.Time{}, false
	}
	var at time.Time
	err := s.archive.PlacementRange(ctx, seq-1, seq, func(ps []place.Placement) error {
		for _, p := range ps {
			if p.Seq == seq {
				at = p.At
			}
		}
		return nil
	})
	return at, err == nil && !at.IsZero()
}

// updateStats brings the running totals up to date in the background, at
// most every few seconds, and waits up to wait for it: the first pass reads
// the whole history, and a page shows partial totals rather than hang.
func (s *timeTravel) updateStats(wait time.Duration) {
	s.mu.Lock()
	if s.statsDone == nil || (isClosed(s.statsDone) && time.Since(s.statsRun) > 5*time.Second) {
		done := make(chan struct{})
		s.statsDone, s.statsRun = done, time.Now()
		go func() {
			defer close(done)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			if err := s.stats.Update(ctx); err != nil {
				s.log.Warn("history totals not updated", "err", err)
			}
		}()
	}
	done := s.statsDone
	s.mu.Unlock()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// exportLimiter allows each client a few expensive exports per minute.
type exportLimiter struct {
	mu        sync.Mutex
	perMinute int
	window    int64
	counts    map[string]int
}

func (l *exportLimiter) allow(key string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := now.Unix() / 60; w != l.window {
		l.window = w
		clear(l.counts)
	}
	if l.counts[key] >= l.perMinute {
		wait := 60 - int(now.Unix()%60)
		return &place.Error{Code: place.ERATELIMITED, Message: "Too many exports; wait " + itoa(wait) + " seconds.", RemainingSeconds: wait}
	}
	l.counts[key]++
	return nil
}

// limitExport applies the per-client export limit.
func (s *timeTravel) limitExport(c echo.Context) error {
	return s.limiter.allow(s.clientIP(c.Request()).String(), s.now())
}

// moment resolves the request's at= parameter.
func (s *timeTravel) moment(c echo.Context) (timetravel.Moment, error) {
	raw, _, err := queryParam(c, "at")
	if err != nil {
		return timetravel.Moment{}, err
	}
	return timetravel.ParseAt(s.ctx(c), s.archive, raw, s.now())
}

// frameHeaders sets the headers of a past canvas: cached forever when it
// can no longer change.
func frameHeaders(c echo.Context, m timetravel.Moment, sz place.Size) {
	h := c.Response().Header()
	if m.Final {
		h.Set("Cache-Control", immutableCache)
	} else {
		h.Set("Cache-Control", "public, max-age=10")
	}
	h.Set("X-Canvas-Seq", strconv.FormatUint(m.Seq, 10))
	h.Set("X-Canvas-Width", itoa(sz.Width))
	h.Set("X-Canvas-Height", itoa(sz.Height))
}

// canvasAtBinary serves GET /api/v1/canvas?at=SEQ|TIME: the gzipped form
// is compressed once per seq and cached. It runs under the budget but not
// the per-address rate: the timelapse player asks for a frame four times
// a second while it plays, one at a time.
func (s *timeTravel) canvasAtBinary(c echo.Context) error {
	m, err := s.moment(c)
	if err != nil {
		return err
	}
	if at, ok := s.placedAt(s.ctx(c), m.Seq); ok {
		// The time of the frame's placement: the timelapse player moves its
		// slider there after a step by placement.
		c.Response().Header().Set("X-Canvas-Time", strconv.FormatInt(at.UnixMilli(), 10))
	}
	if !acceptsGzip(c.Request()) {
		f, err := s.canvasAt(s.ctx(c), m.Seq)
		if err != nil {
			return err
		}
		frameHeaders(c, m, f.size)
		c.Response().Header().Set("Vary", "Accept-Encoding")
		return c.Blob(http.StatusOK, "application/octet-stream", f.canvas)
	}
	key := "frame.gz:" + strconv.FormatUint(m.Seq, 10)
	z, ok := cachedValue[pastImage](s.costly, key)
	if !ok {
		f, err := s.canvasAt(s.ctx(c), m.Seq)
		if err != nil {
			return err
		}
		// The output is at most about the canvas; usually a small part.
		z, err = cachedUnderBudget(s.costly, s.ctx(c), key, int64(len(f.canvas))/2+1<<20, func(context.Context) (pastImage, int64, error) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			_, _ = zw.Write(f.canvas)
			if err := zw.Close(); err != nil {
				return pastImage{}, 0, err
			}
			return pastImage{buf.Bytes(), f.size}, int64(buf.Len()), nil
		})
		if err != nil {
			return err
		}
	}
	frameHeaders(c, m, z.size)
	h := c.Response().Header()
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Encoding", "gzip")
	return c.Blob(http.StatusOK, "application/octet-stream", z.data)
}

// canvasAtPNG serves GET /api/v1/canvas.png?at=SEQ|TIME&scale=N: encoded
// once per seq and scale and cached.
func (s *timeTravel) canvasAtPNG(c echo.Context) error {
	scale, err := intParam(c, "scale", 1, 1, 8)
	if err != nil {
		return err
	}
	if most := maxPNGScale(s.canvasCfg()); scale > most {
		return place.Errorf(place.EVALIDATION, "scale must be an integer from 1 to %d for a canvas of %d × %d.", most, s.canvasCfg().Width, s.canvasCfg().Height)
	}
	m, err := s.moment(c)
	if err != nil {
		return err
	}
	key := "frame.png:" + strconv.FormatUint(m.Seq, 10) + ":" + itoa(scale)
	img, ok := cachedValue[pastImage](s.costly, key)
	if !ok {
		if err := s.allowCostly(c); err != nil {
			return err
		}
		f, err := s.canvasAt(s.ctx(c), m.Seq)
		if err != nil {
			return err
		}
		img, err = cachedUnderBudget(s.costly, s.ctx(c), key, pngCost(f.size, scale), func(context.Context) (pastImage, int64, error) {
			var buf bytes.Buffer
			full := image.Rect(0, 0, f.size.Width, f.size.Height)
			if err := timetravel.WritePNG(&buf, f.canvas, f.size.Width, full, image.Pt(f.size.Width*scale, f.size.Height*scale)); err != nil {
				return pastImage{}, 0, err
			}
			return pastImage{buf.Bytes(), f.size}, int64(buf.Len()), nil
		})
		if err != nil {
			return err
		}
	}
	frameHeaders(c, m, img.size)
	return c.Blob(http.StatusOK, "image/png", img.data)
}

// pngCost estimates the bytes of encoding a canvas of sz at scale: the
// compressor and a row, and the output, which for a canvas of pixel art
// is a small part of its pixels.
func pngCost(sz place.Size, scale int) int64 {
	return int64(sz.Width)*int64(sz.Height)*int64(scale*scale)/8 + 2<<20
}
