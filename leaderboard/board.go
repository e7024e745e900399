// Package leaderboard counts the placements of each player and team over
// the last hour, the last day and all time, from the placement feed: each
// instance follows every placement, after loading the counts from history
// at start, so a request only sorts what is kept. Rollbacks are not counted
// (docs/protocol.md, "Leaderboards").
package leaderboard

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/feedloop"
)

// Period is a leaderboard's span.
type Period string

// The periods: the last 60 minutes and the last 1,440 minutes (each by
// whole minutes of placement time, the current one included), and all time.
const (
	Hour Period = "hour"
	Day  Period = "day"
	All  Period = "all"
)

// ParsePeriod reads a period's name.
func ParsePeriod(s string) (Period, error) {
	switch p := Period(s); p {
	case Hour, Day, All:
		return p, nil
	}
	return "", place.Errorf(place.EVALIDATION, "period must be hour, day or all.")
}

// span is the number of whole minutes of a windowed period.
func (p Period) span() int64 {
	if p == Hour {
		return 60
	}
	return 1440
}

// Stores are the store roles the board reads (place.Stores' Feed and
// Factions): the placements as they come, and the counts in history.
type Stores struct {
	Feed   place.Feed
	Counts place.PlacementCounts
}

// ErrNotReady is returned until the counts have been loaded from history.
var ErrNotReady = errors.New("the leaderboard is not loaded yet")

// Board keeps the counts. It is safe for concurrent use.
type Board struct {
	st  Stores
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	loaded  bool
	seq     uint64
	all     tally
	hour    tally
	day     tally
	minutes []*bucket // oldest first, none older than a day
	tops    map[topKey]top
}

// topKey and top are one computation of a leaderboard.
type topKey struct {
	period Period
	n      int
}

type top struct {
	at      time.Time
	seq     uint64
	players []PlayerCount
	teams   []TeamCount
}

// TopReuse is how long a request may be served a leaderboard computed
// before (each computation takes a pass over the period's players).
const TopReuse = time.Second

// tally is a count per player and per team (teamless placements count for
// no team).
type tally struct {
	players map[string]int64
	teams   map[int64]int64
}

func newTally() tally { return tally{players: map[string]int64{}, teams: map[int64]int64{}} }

func (t tally) add(user string, team, n int64) {
	if v := t.players[user] + n; v > 0 {
		t.players[user] = v
	} else {
		delete(t.players, user)
	}
	if team == 0 {
		return
	}
	if v := t.teams[team] + n; v > 0 {
		t.teams[team] = v
	} else {
		delete(t.teams, team)
	}
}

func (t tally) addAll(o tally, sign int64) {
	for u, n := range o.players {
		t.add(u, 0, sign*n)
	}
	for team, n := range o.teams {
		if v := t.teams[team] + sign*n; v > 0 {
			t.teams[team] = v
		} else {
			delete(t.teams, team)
		}
	}
}

// bucket is one minute's counts; inHour is whether the hour tally holds
// them still.
type bucket struct {
	minute int64 // unix minutes
	inHour bool
	tally
}

// New returns a board; Run feeds it.
func New(st Stores, log *slog.Logger, now func() time.Time) *Board {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Board{st: st, log: log, now: now}
}

// Run loads the counts from history and follows the placements after them
// until ctx ends; when the store's sequence goes back it loads again.
func (b *Board) Run(ctx context.Context) { feedloop.Run(ctx, b.st.Feed, b, b.log, "leaderboard") }

// Forget drops the counts, to be loaded again (feedloop.Consumer).
func (b *Board) Forget() {
	b.mu.Lock()
	b.loaded = false
	b.mu.Unlock()
}

// Ready reports whether the counts are loaded.
func (b *Board) Ready() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.loaded
}

// Seq is the last placement counted.
func (b *Board) Seq() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

// Load reads the counts from history (feedloop.Consumer).
func (b *Board) Load(ctx context.Context) error {
	nowMin := unixMinute(b.now())
	all, recent, upTo, err := b.st.Counts.PlacementCounts(ctx, time.Unix((nowMin-Day.span()+1)*60, 0))
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.all, b.hour, b.day, b.minutes = newTally(), newTally(), newTally(), nil
	for _, c := range all {
		b.all.add(c.UserID, c.TeamID, c.Count)
	}
	slices.SortFunc(recent, func(x, y place.PlacementCount) int { return x.Minute.Compare(y.Minute) })
	for _, c := range recent {
		b.count(c.UserID, c.TeamID, unixMinute(c.Minute), c.Count, nowMin)
	}
	b.seq, b.loaded = upTo, true
	return nil
}

func unixMinute(t time.Time) int64 { return t.Unix() / 60 }

// Apply counts committed placements (feedloop.Consumer).
func (b *Board) Apply(ps []place.Placement) {
	b.mu.Lock()
	defer b.mu.Unlock()
	nowMin := unixMinute(b.now())
	for _, p := range ps {
		if p.Seq <= b.seq {
			continue
		}
		b.seq = p.Seq
		if p.Rollback {
			continue
		}
		b.all.add(p.UserID, p.TeamID, 1)
		b.count(p.UserID, p.TeamID, unixMinute(p.At), 1, nowMin)
	}
	b.expire(nowMin)
}

// count adds n placements of minute to the windows that hold it.
func (b *Board) count(user string, team, minute, n, nowMin int64) {
	if minute <= nowMin-Day.span() {
		return
	}
	i := len(b.minutes)
	for i > 0 && b.minutes[i-1].minute > minute {
		i-- // placed by another instance a moment before this minute's first
	}
	var bk *bucket
	if i > 0 && b.minutes[i-1].minute == minute {
		bk = b.minutes[i-1]
	} else {
		bk = &bucket{minute: minute, inHour: minute > nowMin-Hour.span(), tally: newTally()}
		b.minutes = slices.Insert(b.minutes, i, bk)
	}
	bk.add(user, team, n)
	b.day.add(user, team, n)
	if bk.inHour {
		b.hour.add(user, team, n)
	}
}

// expire takes the minutes that left a window off its tally.
func (b *Board) expire(nowMin int64) {
	drop := 0
	for _, bk := range b.minutes {
		if bk.inHour && bk.minute <= nowMin-Hour.span() {
			b.hour.addAll(bk.tally, -1)
			bk.inHour = false
		}
		if bk.minute <= nowMin-Day.span() {
			b.day.addAll(bk.tally, -1)
			drop++
		}
	}
	b.minutes = b.minutes[drop:]
}

// PlayerCount is one player's placements in a period.
type PlayerCount struct {
	UserID string
	Count  int64
}

// TeamCount is one team's placements in a period.
type TeamCount struct {
	ID    int64
	Count int64
}

// Top returns the n players with the most placements in period, most
// first (then by id), and every team's count, most first (then by id):
// computed afresh when placements came since the last computation and it
// is older than maxAge. The callers must not modify what it returns.
func (b *Board) Top(period Period, n int, maxAge time.Duration) ([]PlayerCount, []TeamCount, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.loaded {
		return nil, nil, ErrNotReady
	}
	now, key := b.now(), topKey{period, n}
	if c, ok := b.tops[key]; ok && (c.seq == b.seq || now.Sub(c.at) < maxAge) && unixMinute(c.at) == unixMinute(now) {
		return c.players, c.teams, nil
	}
	b.expire(unixMinute(now))
	t := b.all
	switch period {
	case Hour:
		t = b.hour
	case Day:
		t = b.day
	}
	players := topPlayers(t.players, n)
	teams := make([]TeamCount, 0, len(t.teams))
	for id, c := range t.teams {
		teams = append(teams, TeamCount{ID: id, Count: c})
	}
	slices.SortFunc(teams, func(x, y TeamCount) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.ID, y.ID))
	})
	if b.tops == nil || len(b.tops) > 64 {
		b.tops = map[topKey]top{} // a bound: callers ask for a few sizes
	}
	b.tops[key] = top{at: now, seq: b.seq, players: players, teams: teams}
	return players, teams, nil
}

// topPlayers selects the n largest counts without sorting every player.
func topPlayers(m map[string]int64, n int) []PlayerCount {
	better := func(x, y PlayerCount) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.UserID, y.UserID))
	}
	out := make([]PlayerCount, 0, n+1)
	for u, c := range m {
		pc := PlayerCount{UserID: u, Count: c}
		if len(out) == n && better(pc, out[n-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, pc, better)
		out = slices.Insert(out, i, pc)
		if len(out) > n {
			out = out[:n]
		}
	}
	return out
}
