package fairplay

import (
	"sort"
	"sync"
	"time"

	"github.com/placecanvas/place/internal/intern"
)

// RecentWindow is how far back Recent remembers placements: the "last
// hour" of /admin/suspects.
const RecentWindow = time.Hour

// RecentMax bounds the placements Recent keeps (the oldest go first), so
// that a busy canvas cannot grow it without end: 32 bytes each, and the
// strings they name.
const RecentMax = 100_000

// Mark is one accepted placement as Recent remembers it.
type Mark struct {
	At     time.Time
	UserID string
	// Addr is the address key (an IPv4 address or an IPv6 /64, see
	// placing.AddressKey); "" when unknown.
	Addr string
	// Device is the id of the browser's device cookie; "" when unknown.
	Device string
	X, Y   int
}

// Recent remembers who placed from which address and device in the last
// hour (on this instance), to group the identities a moderator should look
// at together (/admin/suspects).
type Recent struct {
	mu    sync.Mutex
	marks []heldMark // oldest first
	strs  intern.Table
	max   int
}

// heldMark is a Mark as Recent keeps it: without pointers (its strings are
// indexes in Recent.strs, its time in Unix nanoseconds), so that the
// collector never scans the record, which holds up to RecentMax of them.
type heldMark struct {
	at                 int64
	user, addr, device uint32
	x, y               int32
}

// NewRecent returns an empty record keeping at most max placements
// (RecentMax when max <= 0).
func NewRecent(max int) *Recent {
	if max <= 0 {
		max = RecentMax
	}
	return &Recent{max: max}
}

// Add records a placement; placements arrive in about time order.
func (r *Recent) Add(m Mark) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.strs.Len() > 6*len(r.marks)+4096 {
		// More than twice the strings the marks can name (three each):
		// forget those no mark names any more.
		r.strs.Compact(func(renumber func(uint32) uint32) {
			for i := range r.marks {
				h := &r.marks[i]
				h.user, h.addr, h.device = renumber(h.user), renumber(h.addr), renumber(h.device)
			}
		})
	}
	r.marks = append(r.marks, heldMark{
		at:   m.At.UnixNano(),
		user: r.strs.ID(m.UserID), addr: r.strs.ID(m.Addr), device: r.strs.ID(m.Device),
		x: int32(m.X), y: int32(m.Y),
	})
	if len(r.marks) > r.max {
		// Drop the oldest quarter at once, so that adding stays cheap.
		drop := len(r.marks) - r.max + r.max/4
		r.marks = append(r.marks[:0:0], r.marks[drop:]...)
	}
}

// snapshot returns the placements of the window before now.
func (r *Recent) snapshot(now time.Time) []Mark {
	r.mu.Lock()
	defer r.mu.Unlock()
	from, to := now.Add(-RecentWindow).UnixNano(), now.UnixNano()
	i := sort.Search(len(r.marks), func(i int) bool { return r.marks[i].at >= from })
	if i > 0 {
		// Forget what fell out of the window.
		r.marks = append(r.marks[:0:0], r.marks[i:]...)
	}
	out := make([]Mark, 0, len(r.marks))
	for _, h := range r.marks {
		// Placements come about in time order, not exactly (several
		// goroutines add them): each is checked.
		if h.at >= from && h.at <= to {
			out = append(out, Mark{
				At:     time.Unix(0, h.at),
				UserID: r.strs.String(h.user), Addr: r.strs.String(h.addr), Device: r.strs.String(h.device),
				X: int(h.x), Y: int(h.y),
			})
		}
	}
	return out
}

// Group kinds: what the identities of a group share.
const (
	ByAddress  = "address"
	ByDevice   = "device"
	InLockstep = "lockstep"
)

// Group is a set of identities a moderator should look at together.
type Group struct {
	Kind string // ByAddress, ByDevice or InLockstep
	// Key is what they share: the address key, the device id, or for a
	// lockstep group the smallest user id among them.
	Key     string
	Users   []string // sorted
	Addrs   []string // the address keys they placed from, sorted
	Count   int      // their placements in the last hour
	MinX    int      // the area they paint: a bounding box
	MinY    int
	MaxX    int
	MaxY    int
	Last    time.Time // their latest placement
	members map[string]bool
}

// Lockstep: two identities place in lockstep when at least lockstepMin of
// their placements, and lockstepShare of the placements of the less busy
// one, fall in the same lockstepBucket. A bucket in which more than
// lockstepCrowd identities placed is not compared (a busy canvas has many
// honest players in any second; comparing them all would cost too much).
const (
	lockstepBucket = 2 * time.Second
	lockstepMin    = 4
	lockstepShare  = 0.75
	lockstepCrowd  = 50
)

// Groups returns the groups of at least two identities placing in the
// last hour: those sharing an address, those sharing a device, and those
// placing in lockstep; largest first.
func (r *Recent) Groups(now time.Time) []Group {
	marks := r.snapshot(now)
	byAddr := map[string]map[string]bool{}
	byDevice := map[string]map[string]bool{}
	perUser := map[string]int{}
	userMarks := map[string][]int{}
	buckets := map[int64]map[string]bool{}
	for i, m := range marks {
		perUser[m.UserID]++
		userMarks[m.UserID] = append(userMarks[m.UserID], i)
		if m.Addr != "" {
			addTo(byAddr, m.Addr, m.UserID)
		}
		if m.Device != "" {
			addTo(byDevice, m.Device, m.UserID)
		}
		addTo(buckets, m.At.UnixNano()/int64(lockstepBucket), m.UserID)
	}
	var groups []Group
	for _, kind := range []struct {
		name string
		sets map[string]map[string]bool
	}{{ByAddress, byAddr}, {ByDevice, byDevice}} {
		for key, users := range kind.sets {
			if len(users) >= 2 {
				groups = append(groups, Group{Kind: kind.name, Key: key, members: users})
			}
		}
	}
	shared := len(groups)
	for _, users := range lockstepSets(buckets, perUser) {
		if within(users, groups[:shared]) {
			continue // already shown as sharing an address or a device
		}
		key := ""
		for u := range users {
			if key == "" || u < key {
				key = u
			}
		}
		groups = append(groups, Group{Kind: InLockstep, Key: key, members: users})
	}
	for i := range groups {
		g := &groups[i]
		addrs := map[string]bool{}
		for u := range g.members {
			g.add(marks, userMarks[u], addrs)
		}
		g.Users = sortedKeys(g.members)
		g.Addrs = sortedKeys(addrs)
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if len(a.Users) != len(b.Users) {
			return len(a.Users) > len(b.Users)
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Key < b.Key
	})
	return groups
}

// add counts the placements marks[idx] into the group.
func (g *Group) add(marks []Mark, idx []int, addrs map[string]bool) {
	for _, i := range idx {
		m := marks[i]
		if g.Count == 0 {
			g.MinX, g.MinY, g.MaxX, g.MaxY = m.X, m.Y, m.X, m.Y
		}
		g.Count++
		g.MinX, g.MinY = min(g.MinX, m.X), min(g.MinY, m.Y)
		g.MaxX, g.MaxY = max(g.MaxX, m.X), max(g.MaxY, m.Y)
		if m.At.After(g.Last) {
			g.Last = m.At
		}
		if m.Addr != "" {
			addrs[m.Addr] = true
		}
	}
}

// Find returns the group of that kind and key, if it is one now.
func (r *Recent) Find(kind, key string, now time.Time) (Group, bool) {
	for _, g := range r.Groups(now) {
		if g.Kind == kind && g.Key == key {
			return g, true
		}
	}
	return Group{}, false
}

// lockstepSets joins identities that place in lockstep (see the
// constants) into sets of at least two.
func lockstepSets[K comparable](buckets map[K]map[string]bool, perUser map[string]int) []map[string]bool {
	together := map[[2]string]int{}
	for _, users := range buckets {
		if len(users) < 2 || len(users) > lockstepCrowd {
			continue
		}
		ids := sortedKeys(users)
		for i, a := range ids {
			if perUser[a] < lockstepMin {
				continue
			}
			for _, b := range ids[i+1:] {
				if perUser[b] >= lockstepMin {
					together[[2]string{a, b}]++
				}
			}
		}
	}
	parent := map[string]string{}
	var root func(string) string
	root = func(u string) string {
		p, ok := parent[u]
		if !ok || p == u {
			return u
		}
		r := root(p)
		parent[u] = r
		return r
	}
	for pair, n := range together {
		less := min(perUser[pair[0]], perUser[pair[1]])
		if n < lockstepMin || float64(n) < lockstepShare*float64(less) {
			continue
		}
		a, b := root(pair[0]), root(pair[1])
		parent[a], parent[b] = a, a
	}
	sets := map[string]map[string]bool{}
	for u := range parent {
		addTo(sets, root(u), u)
	}
	out := make([]map[string]bool, 0, len(sets))
	for _, s := range sets {
		if len(s) >= 2 {
			out = append(out, s)
		}
	}
	return out
}

// within reports whether every identity of users is in one of groups.
func within(users map[string]bool, groups []Group) bool {
	for _, g := range groups {
		if len(g.members) < len(users) {
			continue
		}
		all := true
		for u := range users {
			if !g.members[u] {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func addTo[K comparable](sets map[K]map[string]bool, key K, user string) {
	s := sets[key]
	if s == nil {
		s = map[string]bool{}
		sets[key] = s
	}
	s[user] = true
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
