package handlers

import (
	"bytes"
	"context"
	"log/slog"
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

// panelFeed renders live HTML fragments once per change and fans the same
// SSE frames out to every stream that subscribed to it. It runs only while
// someone watches. The canvas page's panels (/panels/events) and the
// projector screen (/screen/events) each have one.
type panelFeed struct {
	interval time.Duration
	// frames returns an SSE frame for each fragment that changed since its
	// last call (or that it has never sent); it runs on the feed's goroutine.
	frames func() []feedFrame

	subs *realtime.Fanout[[]byte]

	mu      sync.Mutex
	running bool
	// The frames last sent, one per event name, for newcomers.
	last []feedFrame
}

// feedFrame is one SSE frame and the event name it updates.
type feedFrame struct {
	event string
	data  []byte
}

func newFeed(interval time.Duration, frames func() []feedFrame) *panelFeed {
	return &panelFeed{interval: interval, frames: frames, subs: realtime.NewFanout[[]byte](4)}
}

// newPanelFeed is the feed of the canvas page's live panels (recent
// placements, players online).
func newPanelFeed(hub *realtime.Hub, history HistoryReader, log *slog.Logger) *panelFeed {
	p := &panelState{hub: hub, history: history, log: log, onlineN: -1}
	return newFeed(panelInterval, p.frames)
}

// subscribe adds a stream; it gets the current frames at once when there
// are any. ok is false once the server is shutting down.
func (f *panelFeed) subscribe() (ch <-chan []byte, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	first := make([][]byte, 0, len(f.last))
	for _, fr := range f.last {
		first = append(first, fr.data)
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

// update broadcasts what changed since the last tick. A stream that cannot
// keep up is ended; htmx reconnects and gets the current frames.
func (f *panelFeed) update() {
	changed := f.frames()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fr := range changed {
		f.remember(fr)
		f.subs.Send(fr.data)
	}
}

// remember keeps fr as the latest frame of its event.
func (f *panelFeed) remember(fr feedFrame) {
	for i := range f.last {
		if f.last[i].event == fr.event {
			f.last[i] = fr
			return
		}
	}
	f.last = append(f.last, fr)
}

// panelState is what the canvas page's panels were last rendered from.
type panelState struct {
	hub       *realtime.Hub
	history   HistoryReader
	log       *slog.Logger
	recentSeq uint64
	onlineN   int
	hasRecent bool
}

// frames renders the panels that changed since the last call.
func (p *panelState) frames() []feedFrame {
	var out []feedFrame
	if n := p.hub.Online(); n != p.onlineN {
		if b, err := renderFragment(views.OnlineCount(n)); err == nil {
			p.onlineN = n
			out = append(out, feedFrame{"online", realtime.AppendSSE(nil, "online", "", b)})
		}
	}
	if seq := p.hub.Seq(); seq != p.recentSeq || !p.hasRecent {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		entries, err := p.history.RecentPlacements(ctx, 0, recentPanelSize)
		cancel()
		if err != nil {
			// Keep what viewers have; the next tick tries again.
			p.log.Debug("recent placements panel not refreshed", "err", err)
		} else if b, err := renderFragment(views.RecentList(publicEntries(entries))); err == nil {
			p.recentSeq, p.hasRecent = seq, true
			out = append(out, feedFrame{"recent", realtime.AppendSSE(nil, "recent", "", b)})
		}
	}
	return out
}

func renderFragment(c templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	err := c.Render(context.Background(), &buf)
	return buf.Bytes(), err
}

// panelEvents serves GET /panels/events: `online` and `recent` events whose
// data are the panels' HTML, for htmx's SSE extension to swap in.
func (s *playPages) panelEvents(c echo.Context) error { return s.streams.serveFeed(c, s.panels) }

// serveFeed streams a feed's frames to one client until it leaves or the
// server shuts down. The stream counts against the connection caps like a
// WebSocket: it holds a socket and a goroutine for as long as it lasts.
func (s *streams) serveFeed(c echo.Context, feed *panelFeed) error {
	slot, err := s.acquire(c.Request())
	if err != nil {
		return err
	}
	defer slot.release()
	ch, ok := feed.subscribe()
	if !ok {
		return place.ErrUnavailable
	}
	defer feed.subs.Unsubscribe(ch)
	realtime.Stream(c.Response(), c.Request(), nil, ch, func(b []byte) []byte { return b }, realtime.SSEHeartbeat)
	return nil
}

// panelsData is the panels' first state for the canvas page. A store
// failure leaves the list empty rather than failing the page.
func (s *playPages) panelsData(ctx context.Context) views.PanelsData {
	s.ownWrites.await(ctx)
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	entries, err := s.history.RecentPlacements(ctx, 0, recentPanelSize)
	if err != nil {
		s.log.Debug("recent placements not shown", "err", err)
	}
	return views.PanelsData{Online: s.hub.Online(), Recent: publicEntries(entries)}
}
