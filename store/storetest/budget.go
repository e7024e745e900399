package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// testAddressBudget checks the address budget of docs/fairplay.md: many
// identities sharing an address place, together, the budget's players'
// worth per cooldown; the check and the take are one step with the
// placement (concurrent placements cannot pass it together); a refusal is
// ADDRESS_BUDGET with when to come back and changes nothing; another
// address and players without a budget are not held by it.
func testAddressBudget(t *testing.T, open Opener) {
	cfg := DefaultConfig // 5 s cooldown
	s := open(t, cfg)
	budget := place.AddressBudget{Key: "addr:192.0.2.7", Players: 3}
	now := base()
	_, seqBefore := canvas(t, s)

	// 30 identities at once: exactly three pass.
	var passed atomic.Int64
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := place.Player{UserID: fmt.Sprintf("crowd-%d", i), DeviceID: fmt.Sprintf("dev-%d", i), Budget: budget}
			_, _, err := s.Placer.Place(ctx(t), who, i, 0, 5, now)
			switch place.ErrorCode(err) {
			case "":
				passed.Add(1)
			case place.EADDRESSBUDGET:
				var e *place.Error
				if !asError(err, &e) || e.RemainingSeconds != 5 {
					t.Errorf("ADDRESS_BUDGET %v, want remainingSeconds 5 (the first slot frees in 5 s)", err)
				}
			default:
				t.Errorf("crowd placement: %v", err)
			}
		}()
	}
	wg.Wait()
	if passed.Load() != 3 {
		t.Fatalf("%d of 30 concurrent identities on one address placed, want 3", passed.Load())
	}
	if _, seq := canvas(t, s); seq != seqBefore+3 {
		t.Fatalf("seq moved by %d, want 3: a refusal must change nothing", seq-seqBefore)
	}
	// A refused identity kept no cooldown: once a slot frees, it places.
	if _, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "crowd-late", Budget: budget}, 0, 1, 1, now.Add(4900*time.Millisecond)); place.ErrorCode(err) != place.EADDRESSBUDGET {
		t.Fatalf("placement before a slot frees: %v, want ADDRESS_BUDGET", err)
	}
	if _, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "crowd-late", Budget: budget}, 0, 1, 1, now.Add(5*time.Second)); err != nil {
		t.Fatalf("placement once a slot frees: %v", err)
	}
	// Over the next cooldown the address gets the two other slots, not thirty.
	got := 0
	for step := range 10 {
		at := now.Add(5*time.Second + time.Duration(step)*500*time.Millisecond) // 5 to 9.5 s
		for i := range 5 {
			who := place.Player{UserID: fmt.Sprintf("round-%d-%d", step, i), Budget: budget}
			if _, _, err := s.Placer.Place(ctx(t), who, i, 2, 3, at); err == nil {
				got++
			} else {
				wantCode(t, err, place.EADDRESSBUDGET)
			}
		}
	}
	if got != 2 {
		t.Fatalf("%d placed from the address from 5 s to 9.5 s, want 2 (the slots freed at 5 s)", got)
	}
	// Another address, and a player without a budget, are not held.
	other := place.AddressBudget{Key: "addr:198.51.100.1", Players: 3}
	if _, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "neighbour", Budget: other}, 3, 3, 1, now.Add(time.Second)); err != nil {
		t.Fatalf("placement from another address: %v", err)
	}
	if _, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "own-budget"}, 4, 3, 1, now.Add(time.Second)); err != nil {
		t.Fatalf("placement without a budget: %v", err)
	}
	// The player's own cooldown comes first: a player in cooldown is told RATE_LIMITED.
	if _, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "crowd-late", Budget: budget}, 0, 1, 1, now.Add(9*time.Second)); place.ErrorCode(err) != place.ERATELIMITED {
		t.Fatalf("a player in cooldown on a spent address: %v, want RATE_LIMITED", err)
	}
}

func asError(err error, target **place.Error) bool {
	e, ok := err.(*place.Error)
	if ok {
		*target = e
	}
	return ok
}
