package embedded

import (
	"context"
	"time"

	"github.com/placecanvas/place"
)

// cooldownsQuery reads, for each user who placed since a time, when they
// last placed (not counting moderators' rollbacks).
const cooldownsQuery = `SELECT user_id, MAX(placed_at) FROM placements INDEXED BY placements_time WHERE placed_at > ? AND rollback = 0 GROUP BY user_id`

// deviceCooldownsQuery reads, for each browser, when a user seen on it
// last placed since a time. Which browser a placement came from is not
// stored: a user's placement counts for each browser the user was seen
// on, which after a restart may hold another player of a shared browser
// for the rest of one cooldown.
const deviceCooldownsQuery = `SELECT d.device_id, MAX(p.placed_at) FROM placements p INDEXED BY placements_time
JOIN user_devices d ON d.user_id = p.user_id
WHERE p.placed_at > ? AND p.rollback = 0 GROUP BY d.device_id`

// loadRules restores the cooldowns and bans that Place checks in memory.
func (s *db) loadRules(ctx context.Context) error {
	// Cooldowns survive a restart: a user, or a browser, that placed
	// within the cooldown before the crash still waits (logging out and
	// back in as a new guest does not skip it). Only the last cooldown's
	// placements are read, through the time index: with the tables'
	// statistics the planner would otherwise walk the whole user index (a
	// minute and more on 10 M placements).
	if cd := s.restoredCooldown(ctx); cd > 0 {
		since := time.Now().Add(-cd).UnixMilli()
		if err := s.restoreCooldowns(ctx, cooldownsQuery, since, cd, func(id string) string { return id }); err != nil {
			return err
		}
		if err := s.restoreCooldowns(ctx, deviceCooldownsQuery, since, cd, place.DeviceKey); err != nil {
			return err
		}
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, 0 FROM users WHERE banned = 1 UNION ALL `+bannedDevicesQuery)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var device bool
		if err := rows.Scan(&id, &device); err != nil {
			return err
		}
		if device {
			id = place.DeviceKey(id)
		}
		s.banned[id] = true
	}
	return rows.Err()
}

// restoreCooldowns sets the cooldown of each (id, last placement) row of
// query since a time, under the key key(id).
func (s *db) restoreCooldowns(ctx context.Context, query string, since int64, cd time.Duration, key func(string) string) error {
	rows, err := s.rdb.QueryContext(ctx, query, since)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		s.cooldowns[key(id)] = time.UnixMilli(at).Add(cd)
	}
	return rows.Err()
}
