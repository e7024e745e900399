package place_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/teststores"
)

// TestChargeRaceNeverOverspends has one player (on one device) spend its
// charges from 40 goroutines at once, several rounds, in both modes: each
// round places exactly what the player had, no more, and a new player has
// one charge.
func TestChargeRaceNeverOverspends(t *testing.T) {
	const limit, cd = 5, time.Minute
	teststores.WithCharges(t, place.Config{Width: 32, Height: 32, Cooldown: cd}, limit, func(t *testing.T, open teststores.Opener) {
		st := open(t)
		ctx := context.Background()
		now := time.Now().Truncate(time.Millisecond)
		race := func(who place.Player, at time.Time) int64 {
			var ok atomic.Int64
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Go(func() {
					_, _, err := st.Placer.Place(ctx, who, i%32, i/32, uint8(i%16), at)
					switch place.ErrorCode(err) {
					case "":
						ok.Add(1)
					case place.ERATELIMITED:
					default:
						t.Errorf("place: %v", err)
					}
				})
			}
			wg.Wait()
			return ok.Load()
		}
		newcomer := place.Player{UserID: "newcomer", DeviceID: "d-new"}
		if n := race(newcomer, now); n != 1 {
			t.Fatalf("a new player placed %d pixels at once, want 1", n)
		}
		// Two cooldowns later it has earned two more.
		if n := race(newcomer, now.Add(2*cd)); n != 2 {
			t.Fatalf("after two cooldowns: %d, want 2", n)
		}
		// A player who has been away long has every charge; a round right
		// after spends none, and a charge comes back per cooldown.
		veteran := place.Player{UserID: "veteran", DeviceID: "d-vet"}
		if err := st.Placer.SetCooldownUntil(ctx, veteran.UserID, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := race(veteran, now); n != limit {
			t.Fatalf("a full player placed %d at once, want %d", n, limit)
		}
		if n := race(veteran, now.Add(cd/2)); n != 0 {
			t.Fatalf("half a cooldown later: %d, want 0", n)
		}
		if n := race(veteran, now.Add(cd)); n != 1 {
			t.Fatalf("a cooldown later: %d, want 1", n)
		}
		clock, err := st.Placer.CooldownUntil(ctx, veteran.UserID)
		if err != nil {
			t.Fatal(err)
		}
		c := place.ChargesAt(clock, now.Add(cd), limit, cd)
		// (The clock started up to a second early: place.ChargeSlack.)
		if c.Available != 0 || c.NextChargeAt.After(now.Add(2*cd)) || c.NextChargeAt.Before(now.Add(2*cd-time.Second)) {
			t.Fatalf("after spending: %+v (clock %v)", c, clock)
		}
		// The device keeps the charges spent across accounts.
		if n := race(place.Player{UserID: "other account", DeviceID: veteran.DeviceID}, now.Add(cd)); n != 0 {
			t.Fatalf("another account on the same device placed %d", n)
		}
	})
}
