package handlers

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/views"
)

// recentPanelSize is how many placements the recent-placements panel lists.
const recentPanelSize = 10

// panelInterval is the most often the live panels change: one store query
// and one rendering per interval serve every viewer of this instance.
const panelInterval = time.Second

// panelFeed renders the live panels of the canvas page (recent placements,
// players online) once per change and fans the same SSE frames out to
// every /panels/events stream. It runs only while someone watches.
type panelFeed struct {
	s        *Server
	interval time.Duration

	subs *realtime.Fanout[[]byte]

	mu      sync.Mutex
	running bool
	// The frames last sent, for newcomers, and what they were made from.
	recent, online []byte
	recentSeq      uint64
	onlineN        int
}

func newPanelFeed(s *Server) *panelFeed {
	return &panelFeed{s: s, interval: panelInterval, subs: realtime.NewFanout[[]byte](4), onlineN: -1}
}

// subscribe adds a stream; it gets the current frames at once when there
// are any. ok is false once the server is shutting down.
func (f *panelFeed) subscribe() (ch <-chan []byte, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var first [][]byte
	for _, frame := range [][]byte{f.online, f.recent} {
		if frame != nil {
			first = append(first, frame)
		}
	}
	if ch, ok = f.subs.Subscribe(first...); ok && !f.running {
		f.running = true
		go f.run()
	}
	return ch, ok
}

func (f *panelFeed) run() {
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		f.update()
		<-t.C
		f.mu.Lock()
		if f.subs.Len() == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
	}
}

// update renders what changed since the last tick and broadcasts it.
func (f *panelFeed) update() {
	var online, recent []byte
	if n := f.s.hub.Online(); n != f.onlineN {
		if b, err := renderFragment(views.OnlineCount(n)); err == nil {
			f.onlineN = n
			online = realtime.AppendSSE(nil, "online", "", b)
		}
	}
	if seq := f.s.hub.Seq(); seq != f.recentSeq || f.recent == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		entries, err := f.s.history.RecentPlacements(ctx, 0, recentPanelSize)
		cancel()
		if err != nil {
			// Keep what viewers have; the next tick tries again.
			f.s.log.Debug("recent placements panel not refreshed", "err", err)
		} else if b, err := renderFragment(views.RecentList(entries)); err == nil {
			f.recentSeq = seq
			recent = realtime.AppendSSE(nil, "recent", "", b)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if online != nil {
		f.online = online
	}
	if recent != nil {
		f.recent = recent
	}
	// A stream that cannot keep up is ended; htmx reconnects and gets the
	// current frames.
	for _, frame := range [][]byte{online, recent} {
		if frame != nil {
			f.subs.Send(frame)
		}
	}
}

func renderFragment(c templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	err := c.Render(context.Background(), &buf)
	return buf.Bytes(), err
}

// panelEvents serves GET /panels/events: `online` and `recent` events whose
// data are the panels' HTML, for htmx's SSE extension to swap in.
func (s *Server) panelEvents(c echo.Context) error {
	ch, ok := s.panels.subscribe()
	if !ok {
		return place.ErrUnavailable
	}
	defer s.panels.subs.Unsubscribe(ch)
	realtime.Stream(c.Response(), c.Request(), nil, ch, func(b []byte) []byte { return b }, realtime.SSEHeartbeat)
	return nil
}

// panelsData is the panels' first state for the canvas page. A store
// failure leaves the list empty rather than failing the page.
func (s *Server) panelsData(ctx context.Context) views.PanelsData {
	s.awaitOwnWrites(ctx)
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	entries, err := s.history.RecentPlacements(ctx, 0, recentPanelSize)
	if err != nil {
		s.log.Debug("recent placements not shown", "err", err)
	}
	return views.PanelsData{Online: s.hub.Online(), Recent: entries}
}

// CloseStreams ends the server's own SSE streams (the live panels) and
// refuses new ones; call it when shutdown begins. The /api/v1/events
// streams end with the hub's Shutdown.
func (s *Server) CloseStreams() { s.panels.subs.Close() }
