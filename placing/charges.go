package placing

import (
	"time"

	"github.com/placecanvas/place"
)

// ChargeRule gives the event's live charge limit and cooldown, the values
// the store applies to each placement.
type ChargeRule func() (limit int, cooldown time.Duration)

// ChargesAt reads a player's charge clock (what Place and CooldownUntil
// return) at now: the charges to tell the player (place.Charges).
func (s *Service) ChargesAt(clock, now time.Time) place.Charges {
	limit, cd := 1, s.cfg.Cooldown
	if s.charges != nil {
		limit, cd = s.charges()
	}
	return place.ChargesAt(clock, now, limit, cd)
}
