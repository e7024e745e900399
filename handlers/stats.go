package handlers

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// statsTop is how many pixels and placers the statistics page lists.
const statsTop = 10

// statsTTL is how long computed statistics are served before they are
// computed again (in the background, while the old page is still served);
// a computation that took long waits ten times as long, so that the
// statistics never take more than a tenth of a core.
const statsTTL = 30 * time.Second

// statsTimeout bounds one computation.
const statsTimeout = 20 * time.Second

// statsPage serves GET /stats: totals, placements per minute as an SVG
// chart, the most painted pixels and the top placers. The figures and the
// chart's geometry are computed once per snapshot; a request only renders.
func (s *screenPages) statsPage(c echo.Context) error {
	if s.stats == nil {
		return place.Errorf(place.ENOTFOUND, "Not found.")
	}
	snap, err := s.stats.get(s.ctx(c))
	if err != nil {
		return err
	}
	user := s.viewUser(c)
	var buf bytes.Buffer
	if err := views.StatsPage(user, snap.view).Render(s.ctx(c), &buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// statsSnapshot is one computation of the statistics.
type statsSnapshot struct {
	view views.StatsData
	at   time.Time
	ttl  time.Duration
}

// statsCache computes the statistics at most once per TTL, one computation
// at a time: concurrent first requests wait for the same one, and after
// that a stale snapshot is served while a fresh one is computed.
type statsCache struct {
	reader place.StatsReader
	ttl    time.Duration
	now    func() time.Time
	log    interface{ Warn(string, ...any) }

	mu      sync.Mutex
	snap    *statsSnapshot
	dirty   bool          // snap must not be served again (an opt-out changed)
	gen     uint64        // counts invalidations
	loading chan struct{} // closed when the running computation ends
	lastErr error
}

func newStatsCache(r place.StatsReader, now func() time.Time, log interface{ Warn(string, ...any) }) *statsCache {
	return &statsCache{reader: r, ttl: statsTTL, now: now, log: log}
}

// get returns the current snapshot, computing the first one (or the
// first after invalidate) if needed.
func (c *statsCache) get(ctx context.Context) (*statsSnapshot, error) {
	for range 2 {
		c.mu.Lock()
		if snap := c.snap; snap != nil && !c.dirty {
			if c.now().Sub(snap.at) > snap.ttl && c.loading == nil {
				c.startLocked()
			}
			c.mu.Unlock()
			return snap, nil
		}
		if c.loading == nil {
			c.startLocked()
		}
		wait := c.loading
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, place.ErrUnavailable
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap == nil || c.dirty {
		c.log.Warn("statistics not computed", "err", c.lastErr)
		return nil, place.ErrUnavailable
	}
	return c.snap, nil
}

// startLocked starts a computation; c.mu is held.
func (c *statsCache) startLocked() {
	done := make(chan struct{})
	c.loading = done
	gen := c.gen
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
		defer cancel()
		started := c.now()
		st, err := c.reader.EventStats(ctx, statsTop)
		took := c.now().Sub(started)
		c.mu.Lock()
		defer c.mu.Unlock()
		if err == nil {
			ttl := max(c.ttl, 10*took)
			c.snap = &statsSnapshot{view: statsView(st, started, took, ttl), at: started, ttl: ttl}
			// A change made while this ran may not be in it.
			c.dirty = c.gen != gen
		}
		c.lastErr = err
		c.loading = nil
		close(done)
	}()
}

// invalidate makes the next request wait for fresh figures (a player left
// or joined the top placers list: the old page must not show them again).
func (c *statsCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dirty = true
	c.gen++
}

// statsView turns the figures into what the page shows.
func statsView(st place.EventStats, at time.Time, took, ttl time.Duration) views.StatsData {
	return views.StatsData{
		Stats:      st,
		Chart:      views.RateChart(st.PerMinute, st.First, st.Last),
		ComputedAt: at,
		Took:       took,
		Every:      ttl,
	}
}
