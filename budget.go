package place

import (
	"strconv"
	"time"
)

// EADDRESSBUDGET: the identities of one address (IPv6: one /64) have used
// the placements they share for now (docs/fairplay.md).
const EADDRESSBUDGET Code = "ADDRESS_BUDGET"

// ECHALLENGE: the placement needs a solved proof-of-work challenge, as its
// address runs several identities (docs/fairplay.md, docs/protocol.md).
const ECHALLENGE Code = "CHALLENGE_REQUIRED"

// AddressBudget is the placement budget that the identities of one address
// share: together they place at most as much as Players players at their
// cooldown. The address has Players slots, each with the end of a
// cooldown; a placement takes the slot that ended first, if it has, and
// starts its cooldown. So any Players players at their cooldown always
// find a free slot, and any number of identities place, in any stretch of
// time, no more than Players players could.
type AddressBudget struct {
	// Key names the address ("addr:" and the address or /64); "" means the
	// player has a budget of its own (a declared network, an account that
	// earned it).
	Key string
	// Players is how many players' worth the address places (≥ 1).
	Players int
}

// Applies reports whether the budget limits the placement.
func (b AddressBudget) Applies() bool { return b.Key != "" && b.Players > 0 }

// Take applies one placement at now to the address's slots (the ends of
// their cooldowns; missing ones are free): ok with the slots to store, or
// not ok with when the first slot frees. Both stores use it (the cluster
// one as the same steps in its placement script). Without a cooldown
// nothing is limited.
func (b AddressBudget) Take(slots []time.Time, now time.Time, cooldown time.Duration) (next []time.Time, until time.Time, ok bool) {
	if !b.Applies() || cooldown <= 0 {
		return slots, time.Time{}, true
	}
	next = make([]time.Time, b.Players)
	copy(next, slots) // a lowered Players drops the last slots
	first := 0
	for i, end := range next {
		if end.Before(next[first]) {
			first = i
		}
	}
	if next[first].After(now) {
		return slots, next[first], false
	}
	next[first] = now.Add(cooldown)
	return next, time.Time{}, true
}

// AddressBudgetError is the refusal of a placement over its address's
// budget: until when, and what to do.
func AddressBudgetError(now, until time.Time) *Error {
	secs := int((until.Sub(now) + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &Error{Code: EADDRESSBUDGET, RemainingSeconds: secs, Message: "Many players share your network address and have used its pixels for now; try again in " +
		strconv.Itoa(secs) + " seconds. To place on a budget of your own, register an account (after a day it has its own budget), or ask the organiser to declare this network (a classroom, an office)."}
}
