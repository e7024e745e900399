package handlers

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/views"
)

// screenInterval is how often the screen's counters may change.
const screenInterval = time.Second

// rateWindow is the span over which placements per minute are counted.
const rateWindow = time.Minute

// screenPages are the projector's screen and its join QR code, and the
// statistics page.
type screenPages struct {
	*web
	liveCanvas
	join    joinLink
	streams *streams
	feed    *panelFeed // the screen's counters
	state   *screenState
	stats   *statsCache // nil: no statistics page
}

// screenPage serves GET /screen: the projector view. ?tour=1 turns on the
// slow tour to where people are placing, ?tour-every=N sets the seconds of
// whole canvas between two zooms (5..3600, default 20).
func (s *screenPages) screenPage(c echo.Context) error {
	tour, every, err := tourParams(c)
	if err != nil {
		return err
	}
	d := views.ScreenData{
		Width:       s.canvasCfg().Width,
		Height:      s.canvasCfg().Height,
		Tour:        tour,
		TourSeconds: every,
		Counters:    s.state.current(s.now()),
		Join:        s.join.info(c, s.viewerIsAdmin(c)),
	}
	return render(c, http.StatusOK, views.ScreenPage(d))
}

// tourParams reads ?tour= and ?tour-every=.
func tourParams(c echo.Context) (on bool, every int, err error) {
	switch c.QueryParam("tour") {
	case "", "0":
	case "1":
		on = true
	default:
		return false, 0, place.Errorf(place.EVALIDATION, "tour must be 0 or 1.")
	}
	every = 20
	if v := c.QueryParam("tour-every"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 3600 {
			return false, 0, place.Errorf(place.EVALIDATION, "tour-every must be a whole number of seconds from 5 to 3600.")
		}
		every = n
	}
	return on, every, nil
}

// screenEvents serves GET /screen/events: `counters` events whose data are
// the counters' HTML, and a `join` event whenever the join link changes
// (the screen then fetches /screen/join for its own address).
func (s *screenPages) screenEvents(c echo.Context) error { return s.streams.serveFeed(c, s.feed) }

// screenJoin serves GET /screen/join: the join fragment for this viewer.
func (s *screenPages) screenJoin(c echo.Context) error {
	return render(c, http.StatusOK, views.ScreenJoin(s.join.info(c, s.viewerIsAdmin(c))))
}

// screenState is what the screen's counters were last rendered from, and
// the samples of the sequence that give placements per minute.
type screenState struct {
	hub    *realtime.Hub
	now    func() time.Time
	endsAt func(now time.Time) (time.Time, bool)
	join   joinLink

	mu sync.Mutex // the page handler reads what the feed writes

	last    views.ScreenCounters
	sent    bool
	joinVer string
	// samples of (time, seq), oldest first, spanning at most rateWindow.
	samples []seqSample
}

type seqSample struct {
	at  time.Time
	seq uint64
}

// current returns the counters for a page being rendered, with the rate
// the feed last measured.
func (st *screenState) current(now time.Time) views.ScreenCounters {
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.read(now)
	c.PerMinute = st.last.PerMinute
	return c
}

// read returns the counters except the rate.
func (st *screenState) read(now time.Time) views.ScreenCounters {
	c := views.ScreenCounters{Online: st.hub.Online(), Placed: st.hub.Seq(), Now: now}
	if end, ok := st.endsAt(now); ok {
		c.EndsAt = end
	}
	return c
}

// endsAt is when the canvas closes, if it has an end still to come: the
// EndsAt option when set, else the event's scheduled closing time.
func endsAt(option func() (time.Time, bool), live *event.Live) func(now time.Time) (time.Time, bool) {
	return func(now time.Time) (time.Time, bool) {
		if option != nil {
			return option()
		}
		if live == nil {
			return time.Time{}, false
		}
		return scheduledEnd(live.Settings(), now)
	}
}

// scheduledEnd is the event's closing time, if it has one still to come.
func scheduledEnd(st place.Settings, now time.Time) (time.Time, bool) {
	if st.ClosesAt.IsZero() || !st.ClosedAt.IsZero() || !now.Before(st.ClosesAt) {
		return time.Time{}, false
	}
	return st.ClosesAt, true
}

// rate records a sample and returns placements per minute over the last
// minute, or over the time sampled so far when that is shorter (at least
// a few seconds, to avoid wild first figures).
func (st *screenState) rate(now time.Time, seq uint64) int {
	st.samples = append(st.samples, seqSample{now, seq})
	cut := 0
	for cut < len(st.samples)-1 && now.Sub(st.samples[cut+1].at) >= rateWindow {
		cut++
	}
	st.samples = st.samples[cut:]
	first := st.samples[0]
	span := now.Sub(first.at)
	if span < 5*time.Second || seq < first.seq {
		return st.last.PerMinute
	}
	return int(float64(seq-first.seq) * float64(rateWindow) / float64(span))
}

// frames renders the counters when they changed and announces a new join
// link.
func (st *screenState) frames() []feedFrame {
	var out []feedFrame
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.read(now)
	c.PerMinute = st.rate(now, c.Placed)
	if !st.sent || c.Online != st.last.Online || c.Placed != st.last.Placed || c.PerMinute != st.last.PerMinute ||
		!c.EndsAt.IsZero() || !st.last.EndsAt.IsZero() {
		if b, err := renderFragment(views.ScreenCountersPanel(c)); err == nil {
			st.last, st.sent = c, true
			out = append(out, feedFrame{"counters", realtime.AppendSSE(nil, "counters", "", b)})
		}
	}
	if v := st.join.version(); v != st.joinVer {
		st.joinVer = v
		out = append(out, feedFrame{"join", realtime.AppendSSE(nil, "join", "", []byte(v))})
	}
	return out
}
