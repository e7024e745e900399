package cluster

import "github.com/placecanvas/place"

// The store is a set of services, one per role of place.Stores, over one
// shared connection (db: the Redis pool, the PostgreSQL pool and the
// history writer). Each role type owns the queries of its role; what two
// roles share (a Redis call behind the breaker, a transaction, the live
// cooldown) is a method of db.

// Placer applies placements and keeps cooldowns and placement bans (Redis).
type Placer struct{ db *db }

// Feed reads the live canvas and follows the placement stream.
type Feed struct{ db *db }

// History reads stored placements (PostgreSQL).
type History struct{ db *db }

// Users stores accounts, guests and the audit log.
type Users struct{ db *db }

// SessionIndex keeps which session tokens belong to a user.
type SessionIndex struct{ db *db }

// Counters are the shared rate-limit counters.
type Counters struct{ db *db }

// Notices carries notices and kicks to every instance.
type Notices struct{ db *db }

// Secrets keeps the shared server secrets.
type Secrets struct{ db *db }

// NetworkBans stores the bans of addresses and networks.
type NetworkBans struct{ db *db }

// Devices remembers the browsers each user used.
type Devices struct{ db *db }

// Events keeps the event settings, areas, templates and final image.
type Events struct{ db *db }

// Sizes keeps the canvas size and its growths.
type Sizes struct{ db *db }

// Teams keeps the teams and the players' choices.
type Teams struct{ db *db }

// Stats computes the statistics page from history.
type Stats struct{ db *db }

// Archive reads the whole history for time travel and keeps keyframes.
type Archive struct{ db *db }

// JoinCodes keeps the join code and who joined with it.
type JoinCodes struct{ db *db }

var (
	_ place.Placer       = (*Placer)(nil)
	_ place.Feed         = (*Feed)(nil)
	_ place.History      = (*History)(nil)
	_ place.Users        = (*Users)(nil)
	_ place.SessionIndex = (*SessionIndex)(nil)
	_ place.Counters     = (*Counters)(nil)
	_ place.Notices      = (*Notices)(nil)
	_ place.Kicks        = (*Notices)(nil)
	_ place.Secrets      = (*Secrets)(nil)
	_ place.NetworkBans  = (*NetworkBans)(nil)
	_ place.Devices      = (*Devices)(nil)
	_ place.Events       = (*Events)(nil)
	_ place.Sizes        = (*Sizes)(nil)
	_ place.Teams        = (*Teams)(nil)
	_ place.StatsReader  = (*Stats)(nil)
	_ place.Archive      = (*Archive)(nil)
	_ place.JoinCodes    = (*JoinCodes)(nil)
	_ place.Health       = (*Store)(nil)
)

// Store is an open cluster store: its role services, all over the same
// connection, which Close releases.
type Store struct {
	*db
	Placer       *Placer
	Feed         *Feed
	History      *History
	Users        *Users
	SessionIndex *SessionIndex
	Counters     *Counters
	Notices      *Notices
	Secrets      *Secrets
	NetworkBans  *NetworkBans
	Devices      *Devices
	Events       *Events
	Sizes        *Sizes
	Teams        *Teams
	Stats        *Stats
	Archive      *Archive
	JoinCodes    *JoinCodes
}

func newStore(d *db) *Store {
	return &Store{
		db: d, Placer: &Placer{d}, Feed: &Feed{d}, History: &History{d}, Users: &Users{d},
		SessionIndex: &SessionIndex{d}, Counters: &Counters{d}, Notices: &Notices{d}, Secrets: &Secrets{d},
		NetworkBans: &NetworkBans{d}, Devices: &Devices{d}, Events: &Events{d}, Sizes: &Sizes{d},
		Teams: &Teams{d}, Stats: &Stats{d}, Archive: &Archive{d}, JoinCodes: &JoinCodes{d},
	}
}

// Stores returns the roles as the domain sees them.
func (s *Store) Stores() place.Stores {
	return place.Stores{
		Placer: s.Placer, Feed: s.Feed, History: s.History, Users: s.Users,
		SessionIndex: s.SessionIndex, Sessions: s.sessions, Kicks: s.Notices, Notices: s.Notices,
		Counters: s.Counters, Secrets: s.Secrets, NetworkBans: s.NetworkBans, Devices: s.Devices,
		Events: s.Events, Sizes: s.Sizes, Teams: s.Teams, Stats: s.Stats, Archive: s.Archive,
		JoinCodes: s.JoinCodes, Health: s, Close: s.Close,
	}
}
