package place

import (
	"context"
	"time"
)

// The reads behind template health and the leaderboards (docs/protocol.md,
// "Template health" and "Leaderboards"). Both are kept in memory by each
// instance from the placement feed; these queries give them their start.

// LatestPlacements reads history for template health.
type LatestPlacements interface {
	// LatestPlacements returns the latest placement with seq <= upTo of
	// every pixel of r that has one, in no particular order.
	LatestPlacements(ctx context.Context, r Rect, upTo uint64) ([]Placement, error)
}

// PublicNames names players where everyone may see it.
type PublicNames interface {
	// PublicNames returns the names of the players of ids that may be
	// named to everyone: registered, not banned, and not opted out of the
	// statistics. The others are missing from the map.
	PublicNames(ctx context.Context, ids []string) (map[string]string, error)
}

// PlacementCount is how many placements one player made for one team
// (0: none): in the minute that starts at Minute, or in all (Minute zero).
type PlacementCount struct {
	UserID string
	TeamID int64
	Minute time.Time
	Count  int64
}

// Factions is the store role behind template health and the leaderboards
// (place.Stores.Factions); each consumer takes the one read it needs.
type Factions interface {
	LatestPlacements
	PublicNames
	PlacementCounts
}

// PlacementCounts reads history for the leaderboards.
type PlacementCounts interface {
	// PlacementCounts counts the placements made by players (rollbacks
	// are not counted) up to the latest stored seq, which it returns: per
	// player and team for all time, and per player, team and minute for
	// the placements made at or after since.
	PlacementCounts(ctx context.Context, since time.Time) (all, recent []PlacementCount, upTo uint64, err error)
}
