package embedded

import "github.com/placecanvas/place"

// The store is a set of services, one per role of place.Stores, over one
// shared connection (db: the SQLite database, the live state in memory and
// the commit writer). Each role type owns the queries of its role; what two
// roles share (the placement ban, a notice, the live cooldown) is a method
// of db.

// Placer applies placements under one mutex, checking bans, cooldowns
// and address budgets held in memory, and returns once the writer has
// committed them to SQLite.
type Placer struct{ db *db }

// Feed reads the committed canvas and wakes followers after each commit.
type Feed struct{ db *db }

// History reads the placements table of SQLite, which holds a placement
// before it is acknowledged (WaitHistory never waits).
type History struct{ db *db }

// Users keeps accounts, guests and the audit log in SQLite.
type Users struct{ db *db }

// SessionIndex keeps which session tokens belong to a user (SQLite).
type SessionIndex struct{ db *db }

// Counters are the rate-limit windows of this process, in memory.
type Counters struct{ db *db }

// Notices hands notices to the subscribers of this one process (kicks
// travel as notices: place.NoticeKicks).
type Notices struct{ db *db }

// Secrets keeps the server secrets in SQLite.
type Secrets struct{ db *db }

// NetworkBans keeps the bans of addresses and networks in SQLite.
type NetworkBans struct{ db *db }

// Devices keeps which browsers each user used, and bans a banned user's
// browsers in the in-memory ban set.
type Devices struct{ db *db }

// Events keeps the event settings, areas, templates and final image in
// SQLite.
type Events struct{ db *db }

// Sizes grows the canvas under the placement mutex and keeps the growths.
type Sizes struct{ db *db }

// Teams keeps the teams and the players' choices in SQLite.
type Teams struct{ db *db }

// Stats computes the statistics page from the placements table.
type Stats struct{ db *db }

// Archive reads the whole history for time travel and keeps keyframes.
type Archive struct{ db *db }

// JoinCodes keeps the join code and who joined with it in SQLite.
type JoinCodes struct{ db *db }

// Factions reads the history behind template health and the leaderboards
// (the latest placement of each pixel, the placements per player, team and
// minute) and the names that may be shown to everyone, from SQLite.
type Factions struct{ db *db }

// Store is an open embedded store: its role services, all over the same
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
	Factions     *Factions
}

func newStore(d *db) *Store {
	return &Store{
		db: d, Placer: &Placer{d}, Feed: &Feed{d}, History: &History{d}, Users: &Users{d},
		SessionIndex: &SessionIndex{d}, Counters: &Counters{d}, Notices: &Notices{d}, Secrets: &Secrets{d},
		NetworkBans: &NetworkBans{d}, Devices: &Devices{d}, Events: &Events{d}, Sizes: &Sizes{d},
		Teams: &Teams{d}, Stats: &Stats{d}, Archive: &Archive{d}, JoinCodes: &JoinCodes{d},
		Factions: &Factions{d},
	}
}

// Stores returns the roles as the domain sees them (which also checks,
// when compiling, that each role type implements its interface).
func (s *Store) Stores() place.Stores {
	return place.Stores{
		Placer: s.Placer, Feed: s.Feed, History: s.History, Users: s.Users,
		SessionIndex: s.SessionIndex, Sessions: s.sessions, Kicks: place.NoticeKicks{Notices: s.Notices}, Notices: s.Notices,
		Counters: s.Counters, Secrets: s.Secrets, NetworkBans: s.NetworkBans, Devices: s.Devices,
		Events: s.Events, Sizes: s.Sizes, Teams: s.Teams, Stats: s.Stats, Archive: s.Archive,
		JoinCodes: s.JoinCodes, Factions: s.Factions, Health: s, Close: s.Close,
	}
}
