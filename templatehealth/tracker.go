// Package templatehealth keeps, for every organiser's template, how much of
// it the canvas matches and which of its pixels are wrong, from the
// placement feed: each instance follows every placement (wipes and
// rollbacks are placements too), so a request only reads what is kept and
// never scans the canvas. See docs/protocol.md, "Template health".
package templatehealth

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/feedloop"
)

// Stores are the store roles the tracker reads (place.Stores' Feed,
// Events, History and Factions): the canvas and the placements after it,
// the templates, and the latest placement of each of a template's pixels
// when it starts following one.
type Stores struct {
	Feed      place.Feed
	Templates Templates
	History   HistoryWaiter
	Latest    place.LatestPlacements
}

// Templates lists the organisers' templates.
type Templates interface {
	Templates(ctx context.Context) ([]place.Template, error)
	Template(ctx context.Context, id int64) (place.Template, error)
}

// HistoryWaiter waits for history.
type HistoryWaiter interface {
	// WaitHistory returns once history holds every placement up to seq.
	WaitHistory(ctx context.Context, seq uint64) error
}

// syncEvery is how often the list of templates is read again, in case a
// template was added or deleted through another instance (a request for a
// template this instance does not know reads it at once).
const syncEvery = 10 * time.Second

// ErrNotReady is returned until the canvas has been loaded.
var ErrNotReady = errors.New("template health is not loaded yet")

// Tracker keeps the health of every template. It is safe for concurrent use.
type Tracker struct {
	st      Stores
	log     *slog.Logger
	now     func() time.Time
	refresh chan struct{}
	syncMu  sync.Mutex // one Sync at a time

	mu      sync.Mutex
	loaded  bool
	canvas  []byte
	size    place.Size
	seq     uint64
	tpls    map[int64]*tracked
	users   []string // interned user ids; 0 is "unknown"
	userIdx map[string]uint32
	// lookedUp is when a request for an unknown template last read the
	// list of templates.
	lookedUp time.Time
}

// New returns a tracker; Run feeds it.
func New(st Stores, log *slog.Logger, now func() time.Time) *Tracker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Tracker{st: st, log: log, now: now, refresh: make(chan struct{}, 1), tpls: map[int64]*tracked{}, users: []string{""}, userIdx: map[string]uint32{}}
}

// Run loads the canvas and the templates and follows the placements until
// ctx ends. When the store's sequence goes back (its live state was rebuilt
// from history), it starts over.
func (t *Tracker) Run(ctx context.Context) { t.RunWith(ctx) }

// RunWith is Run sharing its follow of the placements with other
// consumers of the feed (the leaderboards), so that an instance reads the
// placement stream once for all of them.
func (t *Tracker) RunWith(ctx context.Context, others ...feedloop.Consumer) {
	go t.syncLoop(ctx)
	feedloop.Run(ctx, t.st.Feed, feedloop.All(append([]feedloop.Consumer{t}, others...)...), t.log, "template health")
}

// Forget drops the canvas and the templates, to be loaded again
// (feedloop.Consumer).
func (t *Tracker) Forget() {
	t.mu.Lock()
	t.loaded, t.tpls = false, map[int64]*tracked{}
	t.mu.Unlock()
}

// Changed asks for the list of templates to be read again soon (a template
// was added or deleted).
func (t *Tracker) Changed() {
	select {
	case t.refresh <- struct{}{}:
	default:
	}
}

func (t *Tracker) syncLoop(ctx context.Context) {
	tick := time.NewTicker(syncEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-t.refresh:
		}
		if t.Ready() {
			if err := t.Sync(ctx); err != nil && ctx.Err() == nil {
				t.log.Warn("template health: reading the templates failed", "err", err)
			}
		}
	}
}

// Ready reports whether the canvas is loaded.
func (t *Tracker) Ready() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.loaded
}

// Seq is the last placement the tracker has applied.
func (t *Tracker) Seq() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seq
}

// Load reads the canvas (feedloop.Consumer); the templates follow.
func (t *Tracker) Load(ctx context.Context) error {
	data, sz, seq, err := t.st.Feed.Canvas(ctx)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.canvas, t.size, t.seq, t.loaded = data, sz, seq, true
	t.mu.Unlock()
	t.Changed()
	return nil
}

// Apply takes committed placements in seq order (feedloop.Consumer).
func (t *Tracker) Apply(ps []place.Placement) {
	t.mu.Lock()
	defer t.mu.Unlock()
	minute := t.now().Truncate(time.Minute)
	for _, p := range ps {
		if p.Seq <= t.seq {
			continue
		}
		if p.X >= t.size.Width || p.Y >= t.size.Height {
			to := t.size.Max(place.Size{Width: p.X + 1, Height: p.Y + 1})
			t.canvas, t.size = place.Regrow(t.canvas, t.size, to), to
		}
		i := p.Y*t.size.Width + p.X
		old := t.canvas[i]
		t.canvas[i], t.seq = p.Color, p.Seq
		for _, tr := range t.tpls {
			tr.place(p, old, t.intern, minute)
		}
	}
}

func (t *Tracker) intern(userID string) uint32 {
	if i, ok := t.userIdx[userID]; ok {
		return i
	}
	i := uint32(len(t.users))
	t.users = append(t.users, userID)
	t.userIdx[userID] = i
	return i
}

// Sync reads the list of templates: a deleted one is dropped, a new one is
// followed from the canvas (and who last placed each of its pixels, from
// history).
func (t *Tracker) Sync(ctx context.Context) error {
	t.syncMu.Lock()
	defer t.syncMu.Unlock()
	list, err := t.st.Templates.Templates(ctx)
	if err != nil {
		return err
	}
	keep := make(map[int64]bool, len(list))
	var added []int64
	t.mu.Lock()
	for _, m := range list {
		keep[m.ID] = true
		if t.tpls[m.ID] == nil {
			added = append(added, m.ID)
		}
	}
	for id := range t.tpls {
		if !keep[id] {
			delete(t.tpls, id)
		}
	}
	t.mu.Unlock()
	for _, id := range added {
		if err := t.follow(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// follow starts following one template. Its pixels' latest placements are
// recorded from the feed at once, while history is read for those before;
// its counts start from the tracker's canvas when both are in.
func (t *Tracker) follow(ctx context.Context, id int64) error {
	tpl, err := t.st.Templates.Template(ctx, id)
	if place.ErrorCode(err) == place.ENOTFOUND {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	want, w, h, err := Wanted(tpl.PNG)
	if err != nil {
		t.log.Warn("template health: a template cannot be read", "id", id, "err", err)
		return nil
	}
	tpl.PNG, tpl.Width, tpl.Height = nil, w, h
	tr := newTracked(tpl, want)
	t.mu.Lock()
	if t.tpls[id] != nil || !t.loaded {
		t.mu.Unlock()
		return nil
	}
	t.tpls[id] = tr
	from := t.seq
	t.mu.Unlock()

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := t.st.History.WaitHistory(wctx, from); err != nil {
		t.log.Warn("template health: history is behind; who placed some pixels stays unknown", "id", id, "err", err)
	}
	cancel()
	latest, err := t.st.Latest.LatestPlacements(ctx, place.Rect{X: tpl.X, Y: tpl.Y, W: w, H: h}, from)
	if err != nil {
		t.log.Warn("template health: who placed the pixels is unknown", "id", id, "err", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tpls[id] != tr {
		return nil // dropped meanwhile (deleted, or the feed was reset)
	}
	for _, p := range latest {
		tr.record(p, t.intern)
	}
	tr.activate(t.canvas, t.size.Width, t.now())
	return nil
}
