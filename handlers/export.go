package handlers

import (
	"bytes"
	"image"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
)

// historySpan returns the stored history's span, or a 404 saying that
// nothing was placed yet.
func (s *Server) historySpan(c echo.Context) (place.HistorySpan, error) {
	span, err := s.tt.archive.HistorySpan(s.ctx(c))
	if place.ErrorCode(err) == place.ENOTFOUND {
		return span, place.Errorf(place.ENOTFOUND, "Nothing has been placed yet, so there is no history to show.")
	}
	return span, err
}

// timeParam parses an optional RFC 3339 time parameter.
func timeParam(c echo.Context, name string, def time.Time) (time.Time, error) {
	v, ok, err := queryParam(c, name)
	if err != nil || !ok {
		return def, err
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return def, place.Errorf(place.EVALIDATION, "%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z.", name)
	}
	return t, nil
}

// regionParam reads the region x, y, w, h (all four or none; default the
// whole canvas).
func (s *Server) regionParam(c echo.Context) (image.Rectangle, error) {
	full := image.Rect(0, 0, s.canvasCfg().Width, s.canvasCfg().Height)
	var v [4]int
	given := 0
	for i, name := range []string{"x", "y", "w", "h"} {
		_, ok, _ := queryParam(c, name)
		lo, hi := 0, max(s.canvasCfg().Width, s.canvasCfg().Height)
		if i >= 2 {
			lo = 1
		}
		n, err := intParam(c, name, 0, lo, hi)
		if err != nil {
			return full, err
		}
		if ok {
			given++
		}
		v[i] = n
	}
	if given == 0 {
		return full, nil
	}
	r := image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3])
	if given != 4 || !r.In(full) {
		return full, place.Errorf(place.EVALIDATION, "Give the region as x, y, w and h, all within the %d × %d canvas.", s.canvasCfg().Width, s.canvasCfg().Height)
	}
	return r, nil
}

// fit scales a region so that its longer side is size pixels.
func fit(r image.Rectangle, size int) image.Point {
	w, h := r.Dx(), r.Dy()
	if w >= h {
		return image.Pt(size, max(1, h*size/w))
	}
	return image.Pt(max(1, w*size/h), size)
}

// timelapseParams reads the parameters of GET /api/v1/timelapse.gif.
func (s *Server) timelapseParams(c echo.Context, span place.HistorySpan) (timetravel.Timelapse, bool, error) {
	var tl timetravel.Timelapse
	from, err := timeParam(c, "from", span.FirstAt)
	if err != nil {
		return tl, false, err
	}
	_, toGiven, _ := queryParam(c, "to")
	to, err := timeParam(c, "to", span.LastAt)
	if err != nil {
		return tl, false, err
	}
	if to.After(s.now()) {
		return tl, false, place.Errorf(place.EVALIDATION, "to is in the future.")
	}
	if from.Before(span.FirstAt) {
		from = span.FirstAt
	}
	if tl.Region, err = s.regionParam(c); err != nil {
		return tl, false, err
	}
	size, err := intParam(c, "size", min(max(tl.Region.Dx(), tl.Region.Dy()), 512), 1, timetravel.MaxGIFSide)
	if err != nil {
		return tl, false, err
	}
	delay, err := intParam(c, "delay", 100, int(timetravel.MinGIFDelay.Milliseconds()), int(timetravel.MaxGIFDelay.Milliseconds()))
	if err != nil {
		return tl, false, err
	}
	frames, err := intParam(c, "frames", 100, 1, timetravel.MaxGIFFrames)
	if err != nil {
		return tl, false, err
	}
	// speed: seconds of history per second of video, instead of frames.
	if _, ok, _ := queryParam(c, "speed"); ok {
		speed, err := intParam(c, "speed", 60, 1, 1<<30)
		if err != nil {
			return tl, false, err
		}
		video := to.Sub(from).Seconds() / float64(speed)
		frames = int(video*1000/float64(delay)) + 1
		if frames > timetravel.MaxGIFFrames {
			return tl, false, place.Errorf(place.EVALIDATION, "At this speed the timelapse would have %d frames (at most %d): choose a higher speed, a longer delay or a shorter time.", frames, timetravel.MaxGIFFrames)
		}
	}
	tl.From, tl.To, tl.Frames, tl.Delay, tl.Size = from, to, frames, time.Duration(delay)*time.Millisecond, fit(tl.Region, size)
	return tl, toGiven && to.Before(span.LastAt), tl.Validate(s.canvasCfg())
}

// timelapseGIF serves GET /api/v1/timelapse.gif: streamed as it is drawn.
func (s *Server) timelapseGIF(c echo.Context) error {
	span, err := s.historySpan(c)
	if err != nil {
		return err
	}
	tl, final, err := s.timelapseParams(c, span)
	if err != nil {
		return err
	}
	if err := s.limitExport(c); err != nil {
		return err
	}
	release, err := s.tt.acquire(s.ctx(c))
	if err != nil {
		return err
	}
	defer release()
	h := c.Response().Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Content-Disposition", `inline; filename="timelapse.gif"`)
	if final {
		h.Set("Cache-Control", immutableCache)
	} else {
		h.Set("Cache-Control", "public, max-age=60")
	}
	c.Response().WriteHeader(http.StatusOK)
	if err := timetravel.WriteGIF(s.ctx(c), c.Response(), s.tt.archive, s.canvasCfg(), tl); err != nil {
		s.log.Warn("timelapse ended early", "err", err)
		panic(http.ErrAbortHandler) // the client must not keep a cut GIF
	}
	return nil
}

// exportCSV serves GET /api/v1/export/history.csv.gz: the history as
// gzipped CSV, streamed. User hashes (users=1) are for admins only; the
// whole export is for admins only unless exports are public.
func (s *Server) exportCSV(c echo.Context) error {
	users, err := intParam(c, "users", 0, 0, 1)
	if err != nil {
		return err
	}
	u, signedIn, err := s.currentUser(s.ctx(c))
	if err != nil {
		return err
	}
	admin := signedIn && u.IsAdmin
	if !admin && (users == 1 || !s.tt.public) {
		return place.Errorf(place.EFORBIDDEN, "Only admins may download this export.")
	}
	span, err := s.historySpan(c)
	if err != nil {
		return err
	}
	upto := span.LastSeq
	v, uptoGiven, err := queryParam(c, "upto")
	if err != nil {
		return err
	}
	if uptoGiven {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n < span.FirstSeq || n > span.LastSeq {
			return place.Errorf(place.EVALIDATION, "upto must be a placement number from %d to %d.", span.FirstSeq, span.LastSeq)
		}
		upto = n
	}
	if err := s.limitExport(c); err != nil {
		return err
	}
	var hasher *timetravel.UserHasher
	if users == 1 {
		salt, err := s.tt.archive.ExportSalt(s.ctx(c))
		if err != nil {
			return err
		}
		hasher = timetravel.NewUserHasher(salt)
	}
	release, err := s.tt.acquire(s.ctx(c))
	if err != nil {
		return err
	}
	defer release()
	h := c.Response().Header()
	h.Set("Content-Type", "application/gzip")
	h.Set("Content-Disposition", `attachment; filename="place-history-`+strconv.FormatUint(upto, 10)+`.csv.gz"`)
	h.Set("X-Canvas-Seq", strconv.FormatUint(upto, 10))
	switch {
	case users == 1:
		h.Set("Cache-Control", "private, no-store")
	case uptoGiven: // the history up to a seq never changes
		h.Set("Cache-Control", immutableCache)
	default:
		h.Set("Cache-Control", "public, max-age=300")
	}
	c.Response().WriteHeader(http.StatusOK)
	if err := timetravel.WriteCSV(s.ctx(c), c.Response(), s.tt.archive, upto, hasher); err != nil {
		s.log.Warn("history export ended early", "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// overlay serves the heatmap and never-placed PNG overlays. Without from
// or to they cover the whole history from the running totals; a window
// replays just that part of it.
func (s *Server) overlay(c echo.Context, write func(*bytes.Buffer, []uint32) error) error {
	_, fromGiven, err := queryParam(c, "from")
	if err != nil {
		return err
	}
	_, toGiven, err := queryParam(c, "to")
	if err != nil {
		return err
	}
	var counts []uint32
	if !fromGiven && !toGiven {
		s.tt.updateStats(5 * time.Second)
		counts, _ = s.tt.stats.PixelCounts()
		c.Response().Header().Set("Cache-Control", "public, max-age=30")
	} else {
		if counts, err = s.windowCounts(c, fromGiven, toGiven); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := write(&buf, counts); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/png", buf.Bytes())
}

func (s *Server) windowCounts(c echo.Context, fromGiven, toGiven bool) ([]uint32, error) {
	span, err := s.historySpan(c)
	if err != nil {
		return nil, err
	}
	from, to := timetravel.Moment{Seq: 0, Final: true}, timetravel.Moment{Seq: span.LastSeq}
	if fromGiven {
		raw, _, _ := queryParam(c, "from")
		if from, err = timetravel.ParseAt(s.ctx(c), s.tt.archive, raw, s.now()); err != nil {
			return nil, err
		}
	}
	if toGiven {
		raw, _, _ := queryParam(c, "to")
		if to, err = timetravel.ParseAt(s.ctx(c), s.tt.archive, raw, s.now()); err != nil {
			return nil, err
		}
	}
	if to.Seq < from.Seq {
		return nil, place.Errorf(place.EVALIDATION, "to must not be before from.")
	}
	if err := s.limitExport(c); err != nil {
		return nil, err
	}
	release, err := s.tt.acquire(s.ctx(c))
	if err != nil {
		return nil, err
	}
	defer release()
	if from.Final && to.Final {
		c.Response().Header().Set("Cache-Control", immutableCache)
	} else {
		c.Response().Header().Set("Cache-Control", "public, max-age=30")
	}
	return timetravel.CountPixels(s.ctx(c), s.tt.archive, s.canvasCfg(), from.Seq, to.Seq)
}

// heatmapPNG serves GET /api/v1/overlay/heatmap.png?from=&to=.
func (s *Server) heatmapPNG(c echo.Context) error {
	return s.overlay(c, func(b *bytes.Buffer, counts []uint32) error { return timetravel.WriteHeatmap(b, counts, s.canvasCfg()) })
}

// virginPNG serves GET /api/v1/overlay/virgin.png?from=&to=.
func (s *Server) virginPNG(c echo.Context) error {
	return s.overlay(c, func(b *bytes.Buffer, counts []uint32) error { return timetravel.WriteVirgin(b, counts, s.canvasCfg()) })
}
