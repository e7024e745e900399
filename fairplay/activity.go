package fairplay

import (
	"math/bits"
	"sync"
	"time"
)

// Bits is the difficulty of the challenge for one of the given number of
// identities active on an address: none for a lone player, base for two,
// and one bit (twice the work) more each time the number doubles, so that
// one machine running n identities pays about n times what each of n
// people on their own devices pays. base 0 turns the challenge off.
func Bits(base, identities int) int {
	if base <= 0 || identities <= 1 {
		return 0
	}
	return min(MaxBits, base+bits.Len(uint(identities))-2)
}

// Activity remembers which identities placed from each address lately (on
// this instance), to set the challenge's difficulty.
type Activity struct {
	mu     sync.Mutex
	addrs  map[string]map[string]time.Time // address → user → last attempt
	pruned time.Time
}

// NewActivity returns an empty record.
func NewActivity() *Activity {
	return &Activity{addrs: map[string]map[string]time.Time{}}
}

// Seen records an attempt by user from addr and returns how many
// identities attempted from addr within window, the user included.
func (a *Activity) Seen(addr, user string, now time.Time, window time.Duration) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pruneLocked(now, window)
	users := a.addrs[addr]
	if users == nil {
		users = map[string]time.Time{}
		a.addrs[addr] = users
	}
	users[user] = now
	return countLocked(users, now, window)
}

// Count returns how many identities attempted from addr within window,
// counting user too whether or not it did.
func (a *Activity) Count(addr, user string, now time.Time, window time.Duration) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	users := a.addrs[addr]
	n := countLocked(users, now, window)
	if t, ok := users[user]; !ok || now.Sub(t) > window {
		n++
	}
	return n
}

func countLocked(users map[string]time.Time, now time.Time, window time.Duration) int {
	n := 0
	for _, t := range users {
		if now.Sub(t) <= window {
			n++
		}
	}
	return n
}

// pruneLocked forgets, at most once a window, the attempts older than it.
func (a *Activity) pruneLocked(now time.Time, window time.Duration) {
	if now.Sub(a.pruned) < window {
		return
	}
	a.pruned = now
	for addr, users := range a.addrs {
		for u, t := range users {
			if now.Sub(t) > window {
				delete(users, u)
			}
		}
		if len(users) == 0 {
			delete(a.addrs, addr)
		}
	}
}
