// Package joining is the join-code rule: while the organiser has set a join
// code, only players who joined with it may place. Each instance keeps the
// current code in memory, reloads it when any instance changes it (a
// join-code notice, carried by Redis in cluster mode) and every few seconds
// in case such a message was lost, and remembers which players
// joined with the current version, so that a placement costs a map lookup
// (one store read per player per code).
package joining

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/placing"
)

// refreshEvery is how often the code is reloaded without being told.
const refreshEvery = 5 * time.Second

// Gate holds the current join code of this instance.
type Gate struct {
	store   place.JoinCodes
	notices place.NoticePublisher
	log     *slog.Logger

	mu      sync.RWMutex
	current place.JoinCode
	loaded  bool
	joined  map[string]bool // players who joined with current.Version
}

// New returns a gate over the stored codes; it tells the other instances
// of a new code through notices. Load or Run loads the code.
func New(st place.JoinCodes, notices place.NoticePublisher, log *slog.Logger) *Gate {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Gate{store: st, notices: notices, log: log, joined: make(map[string]bool)}
}

// errRequired is the refusal of a player who has not joined.
var errRequired = place.Errorf(place.EJOINCODE, "This canvas needs a join code: scan the QR code on the screen, or enter the code at /join, then place again.")

// Check is the placement rule: nil when no code is set or the user joined
// with the current one (a visitor with no user yet has not). A code that
// could not be loaded yet refuses with SERVICE_UNAVAILABLE rather than
// letting everyone in.
func (g *Gate) Check(ctx context.Context, userID string) error {
	g.mu.RLock()
	cur, loaded, ok := g.current, g.loaded, g.joined[userID]
	g.mu.RUnlock()
	if !loaded {
		if err := g.Load(ctx); err != nil {
			return place.ErrUnavailable
		}
		return g.Check(ctx, userID)
	}
	if cur.Code == "" || ok {
		return nil
	}
	if userID == "" {
		return errRequired
	}
	v, err := g.store.JoinedVersion(ctx, userID)
	if err != nil {
		return err
	}
	if v != cur.Version {
		return errRequired
	}
	g.mu.Lock()
	if g.current.Version == cur.Version {
		g.joined[userID] = true
	}
	g.mu.Unlock()
	return nil
}

// Current returns the code this instance holds.
func (g *Gate) Current() place.JoinCode {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.current
}

// Load reloads the code from the store.
func (g *Gate) Load(ctx context.Context) error {
	j, err := g.store.JoinCode(ctx)
	if err != nil {
		return err
	}
	g.set(j)
	return nil
}

// set installs j unless an older version arrives after a newer one.
func (g *Gate) set(j place.JoinCode) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.loaded && j.Version < g.current.Version {
		return
	}
	if !g.loaded || j.Version != g.current.Version {
		g.joined = make(map[string]bool)
	}
	g.current, g.loaded = j, true
}

// Set stores a new code ("" lifts it), applies it here at once and tells
// every other instance.
func (g *Gate) Set(ctx context.Context, code string) (place.JoinCode, error) {
	j, err := g.store.SetJoinCode(ctx, code)
	if err != nil {
		return j, err
	}
	g.set(j)
	if err := g.notices.PublishNotice(ctx, place.JoinCodeNotice(j.Version)); err != nil {
		// The others pick it up at their next refresh.
		g.log.Warn("join code change not announced", "err", err)
	}
	return j, nil
}

// Join records that the user joined with code, if it is the current one.
func (g *Gate) Join(ctx context.Context, userID, code string) error {
	cur := g.Current()
	if cur.Code == "" {
		return nil
	}
	if code != cur.Code {
		return place.Errorf(place.EJOINCODE, "This join code is not valid (it may have been replaced). Ask the organiser for the current one.")
	}
	if err := g.store.SetJoinedVersion(ctx, userID, cur.Version); err != nil {
		return err
	}
	g.mu.Lock()
	if g.current.Version == cur.Version {
		g.joined[userID] = true
	}
	g.mu.Unlock()
	return nil
}

// OnNotice reloads the code, in the background, when a notice says it
// changed; other notices are not for the gate.
func (g *Gate) OnNotice(n place.Notice) {
	v, ok := n.JoinCodeVersion()
	if !ok || v <= g.Current().Version {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.Load(ctx); err != nil {
			g.log.Warn("join code not reloaded", "err", err)
		}
	}()
}

// Run reloads the code every few seconds until ctx ends.
func (g *Gate) Run(ctx context.Context) {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		if err := g.Load(ctx); err != nil && ctx.Err() == nil {
			g.log.Warn("join code not reloaded", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Rule is the join-code rule of the placement service.
func (g *Gate) Rule(ctx context.Context, a placing.Attempt) error { return g.Check(ctx, a.UserID) }
