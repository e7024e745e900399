// Package teams keeps each instance's view of the players' teams: the
// organisers' changes (validated and announced), the players' choices, and
// a cache of who is in which team, so that a placement, which records its
// player's team, costs a map lookup rather than a store read. A change
// through any instance is announced with a team notice (carried by Redis in
// cluster mode), on which every instance drops what it cached; a cached
// entry is also read again after refreshAfter, in case a notice was lost.
package teams

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/placecanvas/place"
)

const (
	// refreshAfter bounds how long a lost notice leaves a stale team.
	refreshAfter = 30 * time.Second
	// retryAfter is how soon a team that could not be read is read again.
	retryAfter = 5 * time.Second
	// maxCached bounds the cache; past it, it starts again empty.
	maxCached = 200_000
)

type cached struct {
	team int64
	at   time.Time
}

// Roster is this instance's view of the teams.
type Roster struct {
	store   place.Teams
	notices place.NoticePublisher
	log     *slog.Logger
	now     func() time.Time

	mu     sync.RWMutex
	byUser map[string]cached
	// gen grows with every invalidation, so that a read begun before it
	// does not cache what it read.
	gen uint64
}

// New returns a roster over the stored teams; it tells the other instances
// of a change through notices.
func New(st place.Teams, notices place.NoticePublisher, log *slog.Logger) *Roster {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Roster{store: st, notices: notices, log: log, now: time.Now, byUser: make(map[string]cached)}
}

// TeamOf returns the user's team (0: none), from the cache when it holds
// a recent answer. When the store cannot say, it returns the error, and
// then no team for retryAfter.
func (r *Roster) TeamOf(ctx context.Context, userID string) (int64, error) {
	now := r.now()
	r.mu.RLock()
	c, ok := r.byUser[userID]
	gen := r.gen
	r.mu.RUnlock()
	if ok && now.Sub(c.at) < refreshAfter {
		return c.team, nil
	}
	team, err := r.store.UserTeam(ctx, userID)
	at := now
	if err != nil {
		// No team for a little while, rather than a failing read for each
		// of the player's placements while the store is away.
		team, at = 0, now.Add(retryAfter-refreshAfter)
	}
	r.mu.Lock()
	if r.gen == gen {
		if len(r.byUser) >= maxCached {
			r.byUser = make(map[string]cached)
		}
		r.byUser[userID] = cached{team: team, at: at}
	}
	r.mu.Unlock()
	return team, err
}

// Teams lists the teams with their counts.
func (r *Roster) Teams(ctx context.Context) ([]place.Team, error) { return r.store.Teams(ctx) }

// Pick puts the user in team id (0: none) and tells every instance; it
// returns the team the user was in.
func (r *Roster) Pick(ctx context.Context, userID string, id int64) (int64, error) {
	old, err := r.store.SetUserTeam(ctx, userID, id, r.now())
	if err != nil || old == id {
		return old, err
	}
	r.changed(ctx, userID)
	return old, nil
}

// Create validates and stores a new team.
func (r *Roster) Create(ctx context.Context, name string, color int) (place.Team, error) {
	name, err := place.CleanTeamName(name)
	if err != nil {
		return place.Team{}, err
	}
	if err := place.CheckTeamColor(color); err != nil {
		return place.Team{}, err
	}
	return r.store.CreateTeam(ctx, name, color)
}

// Update validates and stores a team's new name and color.
func (r *Roster) Update(ctx context.Context, id int64, name string, color int) (old, updated place.Team, err error) {
	if name, err = place.CleanTeamName(name); err != nil {
		return old, updated, err
	}
	if err := place.CheckTeamColor(color); err != nil {
		return old, updated, err
	}
	return r.store.UpdateTeam(ctx, id, name, color)
}

// Delete removes a team; its players become teamless on every instance.
func (r *Roster) Delete(ctx context.Context, id int64) (place.Team, error) {
	t, err := r.store.DeleteTeam(ctx, id)
	if err != nil {
		return t, err
	}
	r.changed(ctx, "")
	return t, nil
}

// changed drops the cached team of userID ("": everyone's) here, at once,
// and announces it to the other instances.
func (r *Roster) changed(ctx context.Context, userID string) {
	r.forget(userID)
	b, _ := json.Marshal(userID) // a string always marshals
	if err := r.notices.PublishNotice(ctx, place.Notice{Kind: place.NoticeTeam, Data: b}); err != nil {
		// The others read it again within refreshAfter.
		r.log.Warn("team change not announced", "err", err)
	}
}

func (r *Roster) forget(userID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen++
	if userID == "" {
		r.byUser = make(map[string]cached)
		return
	}
	delete(r.byUser, userID)
}

// OnNotice drops cached teams when a team notice says they changed; it
// reports whether the notice was a team notice.
func (r *Roster) OnNotice(n place.Notice) bool {
	if n.Kind != place.NoticeTeam {
		return false
	}
	var userID string
	if json.Unmarshal(n.Data, &userID) != nil {
		userID = "" // unreadable: forget everyone's, which is always safe
	}
	r.forget(userID)
	return true
}
