package place

import "time"

// MaxCharges bounds the charges setting.
const MaxCharges = 100

// Charges are the placements a player has stored (docs/protocol.md,
// "Charges"). A player earns one charge per cooldown, up to the event's
// limit, and spends one per pixel; with a limit of one this is the plain
// cooldown.
//
// The stores keep one time per player, its charge clock: the time at which
// every spent charge will have come back. A placement at now is allowed
// when the clock is at most (limit−1) cooldowns after now, and moves the
// clock to max(clock, now) + one cooldown: with a limit of one, the clock
// is the end of the cooldown, as it always was. A player the store keeps
// no clock for (a new one) has one charge: the clock starts at
// now + (limit−1) cooldowns.
type Charges struct {
	// Available is how many the player may place now.
	Available int
	// NextPlacement is when the player may place next (now when Available > 0).
	NextPlacement time.Time
	// NextChargeAt is when the next charge comes (zero: all are in).
	NextChargeAt time.Time
}

// ChargesAt reads a charge clock at now, for a limit of limit charges
// (below 1: one) and cooldown cd. A zero clock is a player the store keeps
// none for.
func ChargesAt(clock, now time.Time, limit int, cd time.Duration) Charges {
	limit = max(1, limit)
	if cd <= 0 {
		return Charges{Available: limit, NextPlacement: now}
	}
	if clock.IsZero() {
		return Charges{Available: 1, NextPlacement: now}
	}
	if clock.Before(now) {
		clock = now
	}
	owed := int((clock.Sub(now) + cd - 1) / cd) // charges still coming back
	c := Charges{Available: max(0, limit-owed), NextPlacement: clock.Add(-time.Duration(limit-1) * cd)}
	if c.NextPlacement.Before(now) {
		c.NextPlacement = now
	}
	if owed > 0 {
		c.NextChargeAt = clock.Add(-time.Duration(owed-1) * cd)
	}
	return c
}

// ChargeSlack is how far before now a full player's clock starts when it
// spends a charge, with more than one charge (spare > 0): placements of one
// player made at once from several sockets reach the store a few
// milliseconds out of the order of their times, and the slack keeps a
// later-stamped one that came first from costing the others a charge. It
// brings that first charge back up to a second early, once per time the
// player was full; it never lets more than the limit be spent at once.
func ChargeSlack(spare, cd time.Duration) time.Duration {
	if spare <= 0 {
		return 0
	}
	return min(time.Second, cd)
}

// ChargeLimit is the number of charges a player may store (at least one).
func (s Settings) ChargeLimit() int { return max(1, s.Charges) }
