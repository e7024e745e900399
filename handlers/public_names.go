package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/placecanvas/place"
)

// namesTTL is how long a player's public name (or its absence) is reused:
// a player who opts out of the statistics or is banned drops off the
// public lists within this time.
const namesTTL = 30 * time.Second

// publicNames caches which players may be named to everyone, for the
// lists that name players (template health, leaderboards).
type publicNames struct {
	src place.PublicNames
	now func() time.Time

	mu    sync.Mutex
	names map[string]cachedName
}

type cachedName struct {
	name string // "": may not be named
	at   time.Time
}

func newPublicNames(src place.PublicNames, now func() time.Time) *publicNames {
	return &publicNames{src: src, now: now, names: map[string]cachedName{}}
}

// lookup returns the public names of ids ("" for those who may not be
// named), reading the store only for those not cached.
func (p *publicNames) lookup(ctx context.Context, ids []string) (map[string]string, error) {
	now := p.now()
	out := make(map[string]string, len(ids))
	var missing []string
	p.mu.Lock()
	for _, id := range ids {
		if c, ok := p.names[id]; ok && now.Sub(c.at) < namesTTL {
			out[id] = c.name
		} else if id != "" {
			missing = append(missing, id)
		}
	}
	p.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	found, err := p.src.PublicNames(ctx, missing)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.names) > 100_000 {
		clear(p.names) // a bound, not an eviction policy: names are cheap to read again
	}
	for _, id := range missing {
		out[id] = found[id]
		p.names[id] = cachedName{name: found[id], at: now}
	}
	return out, nil
}

// factionHandlers builds the handlers of template health and the
// leaderboards from opts (each only when given; teams lists the teams).
func factionHandlers(opts Options, teams func(context.Context) ([]place.Team, error)) (*templateHealth, *leaderboardAPI) {
	if opts.Names == nil {
		return nil, nil
	}
	names := newPublicNames(opts.Names, opts.Now)
	var health *templateHealth
	var leaders *leaderboardAPI
	if opts.TemplateHealth != nil {
		health = &templateHealth{tracker: opts.TemplateHealth, names: names}
	}
	if opts.Leaderboard != nil {
		leaders = &leaderboardAPI{board: opts.Leaderboard, names: names}
		if opts.Teams != nil {
			leaders.teams = teams
		}
	}
	return health, leaders
}
