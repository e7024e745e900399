package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"image"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
)

// timeTravel holds what the past-canvas, timelapse and export handlers
// share: the archive, running totals, a small cache of rebuilt canvases
// and the bounds on expensive work.
type timeTravel struct {
	archive place.Archive
	sizes   place.Sizes // the current size and the growths
	cfg     place.Config
	public  bool // exports (without user hashes) are open to everyone
	stats   *timetravel.Stats
	work    chan struct{} // bounds concurrent rebuilds, timelapses and exports
	limiter exportLimiter

	mu        sync.Mutex
	frames    []cachedFrame // newest first, bounded by maxFrameCacheBytes
	statsRun  time.Time     // when the last stats update started
	statsDone chan struct{} // closed when it ended
	log       *slog.Logger
}

type cachedFrame struct {
	seq    uint64
	size   place.Size
	canvas []byte
}

const (
	maxFrameCacheBytes = 64 << 20
	concurrentWork     = 2
	immutableCache     = "public, max-age=31536000, immutable"
	// workWait is how long a request waits for a free worker before 503.
	workWait = 10 * time.Second
)

func newTimeTravel(a place.Archive, sizes place.Sizes, cfg place.Config, public bool, log *slog.Logger) *timeTravel {
	return &timeTravel{
		archive: a, sizes: sizes, cfg: cfg, public: public, log: log,
		stats:   &timetravel.Stats{Archive: a, Config: cfg},
		work:    make(chan struct{}, concurrentWork),
		limiter: exportLimiter{perMinute: 10, counts: map[string]int{}},
	}
}

// acquire takes a worker slot, or fails with 503 when none frees up soon.
func (t *timeTravel) acquire(ctx context.Context) (func(), error) {
	timer := time.NewTimer(workWait)
	defer timer.Stop()
	select {
	case t.work <- struct{}{}:
		return func() { <-t.work }, nil
	case <-timer.C:
		return nil, place.Errorf(place.EUNAVAILABLE, "The server is busy drawing other frames; try again shortly.")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// canvasAt returns the canvas right after seq at the size it had then,
// rebuilt once and cached.
func (t *timeTravel) canvasAt(ctx context.Context, seq uint64) ([]byte, place.Size, error) {
	if f, ok := t.cached(seq); ok {
		return f.canvas, f.size, nil
	}
	release, err := t.acquire(ctx)
	if err != nil {
		return nil, place.Size{}, err
	}
	defer release()
	if f, ok := t.cached(seq); ok {
		return f.canvas, f.size, nil
	}
	current, err := t.sizes.CanvasSize(ctx)
	if err != nil {
		return nil, place.Size{}, err
	}
	growths, err := t.sizes.Growths(ctx)
	if err != nil {
		return nil, place.Size{}, err
	}
	c, sz, err := timetravel.SizedCanvasAt(ctx, t.archive, current, growths, seq)
	if err != nil {
		return nil, place.Size{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.frames = append([]cachedFrame{{seq, sz, c}}, t.frames...)
	for len(t.frames) > 1 && len(t.frames)*len(c) > maxFrameCacheBytes {
		t.frames = t.frames[:len(t.frames)-1]
	}
	return c, sz, nil
}

// placedAt is when placement seq was made; false when it cannot be read
// (the frame is served without it).
func (t *timeTravel) placedAt(ctx context.Context, seq uint64) (time.Time, bool) {
	if seq == 0 {
		return time.Time{}, false
	}
	var at time.Time
	err := t.archive.PlacementRange(ctx, seq-1, seq, func(ps []place.Placement) error {
		for _, p := range ps {
			if p.Seq == seq {
				at = p.At
			}
		}
		return nil
	})
	return at, err == nil && !at.IsZero()
}

func (t *timeTravel) cached(seq uint64) (cachedFrame, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.frames {
		if f.seq == seq {
			return f, true
		}
	}
	return cachedFrame{}, false
}

// updateStats brings the running totals up to date in the background, at
// most every few seconds, and waits up to wait for it: the first pass reads
// the whole history, and a page shows partial totals rather than hang.
func (t *timeTravel) updateStats(wait time.Duration) {
	t.mu.Lock()
	if t.statsDone == nil || (isClosed(t.statsDone) && time.Since(t.statsRun) > 5*time.Second) {
		done := make(chan struct{})
		t.statsDone, t.statsRun = done, time.Now()
		go func() {
			defer close(done)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			if err := t.stats.Update(ctx); err != nil {
				t.log.Warn("history totals not updated", "err", err)
			}
		}()
	}
	done := t.statsDone
	t.mu.Unlock()
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
func (s *Server) limitExport(c echo.Context) error {
	return s.tt.limiter.allow(s.clientIP(c.Request()).String(), s.now())
}

// moment resolves the request's at= parameter.
func (s *Server) moment(c echo.Context) (timetravel.Moment, error) {
	raw, _, err := queryParam(c, "at")
	if err != nil {
		return timetravel.Moment{}, err
	}
	return timetravel.ParseAt(s.ctx(c), s.tt.archive, raw, s.now())
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

// canvasAtBinary serves GET /api/v1/canvas?at=SEQ|TIME.
func (s *Server) canvasAtBinary(c echo.Context) error {
	m, err := s.moment(c)
	if err != nil {
		return err
	}
	data, sz, err := s.tt.canvasAt(s.ctx(c), m.Seq)
	if err != nil {
		return err
	}
	frameHeaders(c, m, sz)
	if at, ok := s.tt.placedAt(s.ctx(c), m.Seq); ok {
		// The time of the frame's placement: the timelapse player moves its
		// slider there after a step by placement.
		c.Response().Header().Set("X-Canvas-Time", strconv.FormatInt(at.UnixMilli(), 10))
	}
	c.Response().Header().Set("Vary", "Accept-Encoding")
	if !acceptsGzip(c.Request()) {
		return c.Blob(http.StatusOK, "application/octet-stream", data)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write(data)
	if err := zw.Close(); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Encoding", "gzip")
	return c.Blob(http.StatusOK, "application/octet-stream", buf.Bytes())
}

// canvasAtPNG serves GET /api/v1/canvas.png?at=SEQ|TIME&scale=N.
func (s *Server) canvasAtPNG(c echo.Context) error {
	scale, err := intParam(c, "scale", 1, 1, 8)
	if err != nil {
		return err
	}
	if most := s.maxPNGScale(); scale > most {
		return place.Errorf(place.EVALIDATION, "scale must be an integer from 1 to %d for a canvas of %d × %d.", most, s.canvasCfg().Width, s.canvasCfg().Height)
	}
	m, err := s.moment(c)
	if err != nil {
		return err
	}
	data, sz, err := s.tt.canvasAt(s.ctx(c), m.Seq)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	full := image.Rect(0, 0, sz.Width, sz.Height)
	if err := timetravel.WritePNG(&buf, data, sz.Width, full, image.Pt(sz.Width*scale, sz.Height*scale)); err != nil {
		return err
	}
	frameHeaders(c, m, sz)
	return c.Blob(http.StatusOK, "image/png", buf.Bytes())
}
