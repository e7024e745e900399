package place_test

import (
	"slices"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// An address budget of N players lets N players at their cooldown place
// every time, however their placements fall, and no more than N players
// could in any stretch of time, however many identities try.
func TestAddressBudgetTake(t *testing.T) {
	cd := 5 * time.Second
	b := place.AddressBudget{Key: "addr:192.0.2.1", Players: 3}
	t0 := time.UnixMilli(1_700_000_000_000)

	// Three players each placing at their cooldown, offset from each other
	// and a little late each time, are never refused.
	type move struct {
		player int
		at     time.Time
	}
	var moves []move
	for p, offset := range []time.Duration{0, 10 * time.Millisecond, 2 * time.Second} {
		at := t0.Add(offset)
		for range 20 {
			moves = append(moves, move{p, at})
			at = at.Add(cd + time.Duration(p)*time.Millisecond)
		}
	}
	slices.SortFunc(moves, func(a, b move) int { return a.at.Compare(b.at) })
	var slots []time.Time
	for _, m := range moves {
		var ok bool
		if slots, _, ok = b.Take(slots, m.at, cd); !ok {
			t.Fatalf("player %d at its cooldown refused at %v", m.player, m.at.Sub(t0))
		}
	}

	// Thirty identities trying every 100 ms for 8 cooldowns place 3 per
	// cooldown: 24, as three players would.
	slots = nil
	placed := 0
	for at := t0; at.Before(t0.Add(8 * cd)); at = at.Add(100 * time.Millisecond) {
		for range 30 {
			next, until, ok := b.Take(slots, at, cd)
			if ok {
				slots = next
				placed++
			} else if !until.After(at) || until.After(at.Add(cd)) {
				t.Fatalf("refused at %v with a retry time %v, want within a cooldown", at.Sub(t0), until.Sub(t0))
			}
		}
	}
	if placed != 3*8 {
		t.Fatalf("thirty identities placed %d in 8 cooldowns, want 24", placed)
	}

	// No budget, or no cooldown: nothing is limited.
	for _, c := range []struct {
		b  place.AddressBudget
		cd time.Duration
	}{{place.AddressBudget{}, cd}, {b, 0}} {
		var slots []time.Time
		for range 100 {
			var ok bool
			if slots, _, ok = c.b.Take(slots, t0, c.cd); !ok {
				t.Fatalf("budget %+v with cooldown %v refused", c.b, c.cd)
			}
		}
	}
}
