package place

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// EventStats are the figures of the public statistics page, computed from
// history. Rollback placements (a moderator's undo) are not counted.
type EventStats struct {
	Placements    int64 // placements made by players
	Players       int64 // distinct users who placed
	PixelsPainted int64 // distinct pixels placed on at least once
	First, Last   time.Time
	// PerMinute has one entry for every minute with at least one
	// placement, oldest first.
	PerMinute []MinuteCount
	// TopPixels are the most painted pixels, most first.
	TopPixels []PixelCount
	// TopPlacers are registered, not banned players who have not opted out
	// of the statistics, most placements first.
	TopPlacers []PlacerCount
	// Teams are the teams, oldest first, with their players and
	// placements (every team, also before the first placement).
	Teams []Team
}

// MinuteCount is how many placements were made in the minute that starts
// at Minute.
type MinuteCount struct {
	Minute time.Time
	Count  int64
}

// PixelCount is how often one pixel was placed on.
type PixelCount struct {
	X, Y  int
	Count int64
}

// PlacerCount is how many placements one player made.
type PlacerCount struct {
	Username string
	Count    int64
}

// StatsReader computes the statistics page's figures. It reads history only
// (in embedded mode on the read connections, in cluster mode in
// PostgreSQL), never the placement path; callers cache the result.
type StatsReader interface {
	// EventStats returns the totals, the placements per minute and the top
	// `top` pixels and placers.
	EventStats(ctx context.Context, top int) (EventStats, error)
	// SetStatsOptOut records whether a user's name is kept off the
	// statistics.
	SetStatsOptOut(ctx context.Context, userID string, optOut bool) error
	// StatsOptOut reports the user's choice (false: listed, the default).
	StatsOptOut(ctx context.Context, userID string) (bool, error)
}

// SubtractPixelCounts takes the counts of less (rollback placements) off
// raw (every placement, most first), drops pixels left at zero, and
// returns the top n, most first, then by y and x.
func SubtractPixelCounts(raw, less []PixelCount, n int) []PixelCount {
	minus := make(map[[2]int]int64, len(less))
	for _, p := range less {
		minus[[2]int{p.X, p.Y}] += p.Count
	}
	out := make([]PixelCount, 0, len(raw))
	for _, p := range raw {
		p.Count -= minus[[2]int{p.X, p.Y}]
		if p.Count > 0 {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b PixelCount) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		if a.Y != b.Y {
			return cmp.Compare(a.Y, b.Y)
		}
		return cmp.Compare(a.X, b.X)
	})
	return out[:min(n, len(out))]
}
