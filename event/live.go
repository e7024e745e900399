// Package event keeps the live state of an event (settings, schedule,
// protected areas) in every instance: loaded at start, changed by admins,
// and applied on every instance within a second of a change (in cluster
// mode through a Redis notice, with a periodic reload as a safety net).
package event

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/placecanvas/place"
)

// Options configure a Live.
type Options struct {
	Store place.Events
	// Initial are the settings the server's flags give; they are stored
	// only when no settings are stored yet.
	Initial place.Settings
	// Online returns the players online on this instance, for the scaled
	// cooldown.
	Online func() int
	// OnlineEvery is how often Run shares this instance's players online
	// with the other instances and learns the total (default 2 s).
	OnlineEvery time.Duration
	// FinalPNG encodes the canvas as it is now, for the image kept when
	// the canvas closes.
	FinalPNG func() ([]byte, error)
	Logger   *slog.Logger
	Now      func() time.Time
	// Reload is how often the state is loaded again although no notice
	// came (default 5 s): notices sent while Redis was unreachable are lost.
	Reload time.Duration
	// FinalDelay is how long after closing the final image is taken, so
	// that placements acknowledged just before are in it (default 1 s).
	FinalDelay time.Duration
}

// Live holds the current event state of one instance.
type Live struct {
	opts Options
	log  *slog.Logger
	cur  atomic.Pointer[place.Event]

	mu        sync.Mutex
	listeners []func(place.Event)
	lastState place.CanvasState
	saved     time.Time // closing time whose final image this instance saved

	kick chan struct{} // wakes Run after a local change or a notice

	total atomic.Int64 // players online on every instance, -1 until known
}

// New returns a Live; Load must succeed before it is used.
func New(opts Options) *Live {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Online == nil {
		opts.Online = func() int { return 0 }
	}
	if opts.Reload <= 0 {
		opts.Reload = 5 * time.Second
	}
	if opts.FinalDelay <= 0 {
		opts.FinalDelay = time.Second
	}
	if opts.OnlineEvery <= 0 {
		opts.OnlineEvery = 2 * time.Second
	}
	l := &Live{opts: opts, log: opts.Logger, kick: make(chan struct{}, 1)}
	l.total.Store(-1)
	l.cur.Store(&place.Event{Settings: opts.Initial})
	return l
}

// Load stores the initial settings if none are stored and loads the event.
func (l *Live) Load(ctx context.Context) error {
	if _, err := l.opts.Store.InitSettings(ctx, l.opts.Initial); err != nil {
		return err
	}
	return l.reload(ctx)
}

// reload loads the stored event and applies it when it changed.
func (l *Live) reload(ctx context.Context) error {
	ev, err := l.opts.Store.LoadEvent(ctx)
	if err != nil {
		return err
	}
	l.apply(ev)
	return nil
}

// apply makes ev current and tells the listeners when it differs from
// what was current, or when the state moved with time.
func (l *Live) apply(ev place.Event) {
	prev := l.cur.Load()
	state := ev.Settings.State(l.opts.Now())
	l.mu.Lock()
	changed := prev == nil || prev.Settings != ev.Settings || !sameAreas(prev.Areas, ev.Areas) || state != l.lastState
	if ev.Settings.Version < prev.Settings.Version {
		// A slow load that read an older version: keep the newer state.
		l.mu.Unlock()
		return
	}
	l.cur.Store(&ev)
	l.lastState = state
	listeners := append([]func(place.Event){}, l.listeners...)
	l.mu.Unlock()
	if !changed {
		return
	}
	for _, fn := range listeners {
		fn(ev)
	}
}

func sameAreas(a, b []place.Area) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// OnChange registers fn to be called (from the goroutine that applied the
// change) with every new event state.
func (l *Live) OnChange(fn func(place.Event)) {
	l.mu.Lock()
	l.listeners = append(l.listeners, fn)
	l.mu.Unlock()
}

// Event returns the current event state.
func (l *Live) Event() place.Event { return *l.cur.Load() }

// Settings returns the current settings.
func (l *Live) Settings() place.Settings { return l.cur.Load().Settings }

// State returns the canvas state now.
func (l *Live) State() place.CanvasState { return l.Settings().State(l.opts.Now()) }

// Online returns the players online on every instance (on this one until
// the first report).
func (l *Live) Online() int {
	if n := l.total.Load(); n >= 0 {
		return int(n)
	}
	return l.opts.Online()
}

// Cooldown returns the cooldown that applies now, scaled with the players
// online when the settings say so.
func (l *Live) Cooldown() time.Duration {
	st := l.Settings()
	if !st.ScaleCooldown {
		return st.Cooldown
	}
	return st.EffectiveCooldown(l.Online())
}

// reportOnline shares this instance's players online every OnlineEvery.
func (l *Live) reportOnline(ctx context.Context) {
	t := time.NewTicker(l.opts.OnlineEvery)
	defer t.Stop()
	for {
		if n, err := l.opts.Store.ReportOnline(ctx, l.opts.Online()); err == nil {
			l.total.Store(int64(n))
		} else if ctx.Err() == nil {
			l.log.Debug("sharing the players online", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Run keeps the state current until ctx ends: it loads the state when
// told of a change (Changed), reloads now and then, moves the state at the times of
// the schedule and keeps the final image when the canvas closes.
func (l *Live) Run(ctx context.Context) {
	go l.reportOnline(ctx)
	reload := time.NewTicker(l.opts.Reload)
	defer reload.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		l.checkClosed(ctx)
		timer.Reset(l.untilNext())
		select {
		case <-ctx.Done():
			return
		case <-l.kick:
		case <-reload.C:
		case <-timer.C:
		}
		if err := l.reload(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("loading the event state", "err", err)
		}
	}
}

// Changed tells the instance that the event changed elsewhere (a notice of
// kind place.NoticeEvent): Run loads the stored state at once.
func (l *Live) Changed() { l.wake() }

func (l *Live) wake() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// untilNext is how long until Run must look again by itself: the next
// change of the schedule, or the final image's delay.
func (l *Live) untilNext() time.Duration {
	now := l.opts.Now()
	st := l.Settings()
	d := time.Hour
	if next := st.NextChange(now); !next.IsZero() {
		d = min(d, next.Sub(now)+time.Millisecond)
	}
	l.mu.Lock()
	saved := l.saved
	l.mu.Unlock()
	if closed := st.ClosedSince(now); !closed.IsZero() && !closed.Equal(saved) {
		d = min(d, max(closed.Add(l.opts.FinalDelay).Sub(now), time.Millisecond))
	}
	return max(d, time.Millisecond)
}

// checkClosed keeps the final image once the canvas has been closed for
// FinalDelay; the first image stored for one closing time wins, so
// instances that all do this agree.
func (l *Live) checkClosed(ctx context.Context) {
	now := l.opts.Now()
	closed := l.Settings().ClosedSince(now)
	l.mu.Lock()
	done := closed.IsZero() || closed.Equal(l.saved) || now.Before(closed.Add(l.opts.FinalDelay))
	l.mu.Unlock()
	if done || l.opts.FinalPNG == nil {
		return
	}
	png, err := l.opts.FinalPNG()
	if err == nil {
		err = l.opts.Store.SaveFinalImage(ctx, closed, png)
	}
	if err != nil {
		l.log.Warn("keeping the final canvas image", "err", err)
		return
	}
	l.mu.Lock()
	l.saved = closed
	listeners := append([]func(place.Event){}, l.listeners...)
	l.mu.Unlock()
	// The state now links the final image.
	ev := l.Event()
	for _, fn := range listeners {
		fn(ev)
	}
}

// FinalKept reports whether the canvas is closed and its final image, for
// this closing, is kept.
func (l *Live) FinalKept() bool {
	closed := l.Settings().ClosedSince(l.opts.Now())
	l.mu.Lock()
	defer l.mu.Unlock()
	return !closed.IsZero() && closed.Equal(l.saved)
}

// changed applies a change made through this instance at once and tells the
// other instances.
func (l *Live) changed(ctx context.Context) error {
	err := l.reload(ctx)
	if perr := l.opts.Store.PublishEventChange(ctx); perr != nil {
		// Stored already: the others pick it up at their next reload.
		l.log.Warn("announcing an event change", "err", perr)
	}
	l.wake()
	return err
}

// UpdateSettings changes the stored settings with fn, after checking the
// result, applies them here and tells every instance.
func (l *Live) UpdateSettings(ctx context.Context, fn func(place.Settings) (place.Settings, error)) (old, updated place.Settings, err error) {
	now := l.opts.Now()
	old, updated, err = l.opts.Store.UpdateSettings(ctx, func(cur place.Settings) (place.Settings, error) {
		next, err := fn(cur)
		if err != nil {
			return next, err
		}
		return next, next.Validate(cur, now)
	})
	if err != nil {
		return old, updated, err
	}
	return old, updated, l.changed(ctx)
}

// AddArea protects a rectangle of a width × height canvas.
func (l *Live) AddArea(ctx context.Context, a place.Area, width, height int) (place.Area, error) {
	if err := a.Rect.Validate(width, height); err != nil {
		return a, err
	}
	a, err := l.opts.Store.AddArea(ctx, a)
	if err != nil {
		return a, err
	}
	return a, l.changed(ctx)
}

// DeleteArea lifts a protection.
func (l *Live) DeleteArea(ctx context.Context, id int64) (place.Area, error) {
	a, err := l.opts.Store.DeleteArea(ctx, id)
	if err != nil {
		return a, err
	}
	return a, l.changed(ctx)
}

// ErrNotReady is what a FinalPNG function returns before the canvas is loaded.
var ErrNotReady = errors.New("canvas not loaded yet")
