package handlers

import (
	"bytes"
	"context"
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
func (s *timeTravel) historySpan(c echo.Context) (place.HistorySpan, error) {
	span, err := s.archive.HistorySpan(s.ctx(c))
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
func (s *timeTravel) regionParam(c echo.Context) (image.Rectangle, error) {
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
func (s *timeTravel) timelapseParams(c echo.Context, span place.HistorySpan) (timetravel.Timelapse, bool, error) {
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
func (s *timeTravel) timelapseGIF(c echo.Context) error {
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
	// One canvas replayed, two frames drawn, the encoder's buffers.
	cost := s.canvasBytes() + 2*int64(tl.Size.X)*int64(tl.Size.Y) + 2<<20
	release, err := s.costly.budget.Acquire(s.ctx(c), cost)
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
	if err := timetravel.WriteGIF(s.ctx(c), c.Response(), s.archive, s.canvasCfg(), tl); err != nil {
		s.log.Warn("timelapse ended early", "err", err)
		panic(http.ErrAbortHandler) // the client must not keep a cut GIF
	}
	return nil
}

// exportCSV serves GET /api/v1/export/history.csv.gz: the history as
// gzipped CSV, streamed. User hashes (users=1) are for admins only; the
// whole export is for admins only unless exports are public.
func (s *timeTravel) exportCSV(c echo.Context) error {
	users, err := intParam(c, "users", 0, 0, 1)
	if err != nil {
		return err
	}
	u, signedIn, err := s.currentUser(s.ctx(c))
	if err != nil {
		return err
	}
	admin := signedIn && u.IsAdmin
	if !admin && (users == 1 || !s.public) {
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
		salt, err := s.archive.ExportSalt(s.ctx(c))
		if err != nil {
			return err
		}
		hasher = timetravel.NewUserHasher(salt)
	}
	release, err := s.costly.budget.Acquire(s.ctx(c), csvCost) // streamed: a batch and the compressor
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
	if err := timetravel.WriteCSV(s.ctx(c), c.Response(), s.archive, upto, hasher); err != nil {
		s.log.Warn("history export ended early", "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// csvCost is the budget's estimate of a CSV export: it streams.
const csvCost = 4 << 20

// overlay serves the heatmap and never-placed PNG overlays, encoded once
// per state of what they show and cached. Without from or to they cover
// the whole history from the running totals (cached by the seq the totals
// count up to); a window replays just that part of it (cached by its two
// seqs).
func (s *timeTravel) overlay(c echo.Context, name string, o timetravel.Overlay) error {
	_, fromGiven, err := queryParam(c, "from")
	if err != nil {
		return err
	}
	_, toGiven, err := queryParam(c, "to")
	if err != nil {
		return err
	}
	out := s.canvasCfg().Size()
	size := ":" + itoa(out.Width) + "x" + itoa(out.Height)
	pixels := int64(out.Width) * int64(out.Height)
	var data []byte
	if !fromGiven && !toGiven {
		s.updateStats(5 * time.Second)
		key := "overlay:" + name + ":" + strconv.FormatUint(s.stats.Seq(), 10) + size
		c.Response().Header().Set("Cache-Control", "public, max-age=30")
		data, err = s.overlayPNG(c, key, 2*pixels+2<<20, s.allowCostly, func() ([]byte, place.Size, error) {
			levels, sz, _ := s.stats.OverlayLevels(o)
			return levels, sz, nil
		}, o, out)
	} else {
		data, err = s.windowOverlay(c, name, o, out, fromGiven, toGiven)
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/png", data)
}

// overlayPNG returns the overlay PNG cached under key, or computes its
// levels and encodes them under the budget, after limit.
func (s *timeTravel) overlayPNG(c echo.Context, key string, cost int64, limit func(echo.Context) error, levels func() ([]byte, place.Size, error), o timetravel.Overlay, out place.Size) ([]byte, error) {
	if data, ok := cachedValue[[]byte](s.costly, key); ok {
		return data, nil
	}
	if err := limit(c); err != nil {
		return nil, err
	}
	return cachedUnderBudget(s.costly, s.ctx(c), key, cost, func(context.Context) ([]byte, int64, error) {
		l, sz, err := levels()
		if err != nil {
			return nil, 0, err
		}
		var buf bytes.Buffer
		if err := o.WritePNG(&buf, l, sz, out); err != nil {
			return nil, 0, err
		}
		return buf.Bytes(), int64(buf.Len()), nil
	})
}

// windowOverlay is the overlay of the placements between from and to.
func (s *timeTravel) windowOverlay(c echo.Context, name string, o timetravel.Overlay, out place.Size, fromGiven, toGiven bool) ([]byte, error) {
	span, err := s.historySpan(c)
	if err != nil {
		return nil, err
	}
	from, to := timetravel.Moment{Seq: 0, Final: true}, timetravel.Moment{Seq: span.LastSeq}
	if fromGiven {
		raw, _, _ := queryParam(c, "from")
		if from, err = timetravel.ParseAt(s.ctx(c), s.archive, raw, s.now()); err != nil {
			return nil, err
		}
	}
	if toGiven {
		raw, _, _ := queryParam(c, "to")
		if to, err = timetravel.ParseAt(s.ctx(c), s.archive, raw, s.now()); err != nil {
			return nil, err
		}
	}
	if to.Seq < from.Seq {
		return nil, place.Errorf(place.EVALIDATION, "to must not be before from.")
	}
	if from.Final && to.Final {
		c.Response().Header().Set("Cache-Control", immutableCache)
	} else {
		c.Response().Header().Set("Cache-Control", "public, max-age=30")
	}
	key := "overlay:" + name + ":" + strconv.FormatUint(from.Seq, 10) + "-" + strconv.FormatUint(to.Seq, 10) + ":" + itoa(out.Width) + "x" + itoa(out.Height)
	pixels := int64(out.Width) * int64(out.Height)
	cfg := s.canvasCfg().WithSize(out)
	// The counts (4 bytes a pixel), the levels (1) and the encoder.
	return s.overlayPNG(c, key, 6*pixels+2<<20, s.limitExport, func() ([]byte, place.Size, error) {
		counts, err := timetravel.CountPixels(s.ctx(c), s.archive, cfg, from.Seq, to.Seq)
		if err != nil {
			return nil, place.Size{}, err
		}
		return o.Levels(counts), out, nil
	}, o, out)
}

// heatmapPNG serves GET /api/v1/overlay/heatmap.png?from=&to=.
func (s *timeTravel) heatmapPNG(c echo.Context) error {
	return s.overlay(c, "heatmap", timetravel.Heatmap)
}

// virginPNG serves GET /api/v1/overlay/virgin.png?from=&to=.
func (s *timeTravel) virginPNG(c echo.Context) error {
	return s.overlay(c, "virgin", timetravel.Virgin)
}
