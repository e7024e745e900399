package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// FairPlay counts the decisions of the fair-play rules (docs/fairplay.md)
// by rule and outcome:
//   - address_budget: "shared" (a placement drew on its address's shared
//     budget), "refused" (the budget was spent: ADDRESS_BUDGET);
//   - challenge: "issued", "solved" (a placement came with a valid
//     solution), "refused" (CHALLENGE_REQUIRED: none, a wrong or a used one).
var FairPlay = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "place_fairplay_total", Help: "Fair-play rule decisions by rule and outcome.",
}, []string{"rule", "outcome"})
