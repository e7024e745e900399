package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

// TestChargeRaceOverSockets has one player, full with 3 charges, place from
// 12 sockets at once, in both modes: exactly 3 placements are accepted,
// their answers count the charges down, and the welcome of a new socket
// says none is left and when the next comes.
func TestChargeRaceOverSockets(t *testing.T) {
	withCharges := func(c *app.Config) { c.Cooldown, c.Charges = time.Minute, 3 }
	run := func(t *testing.T, srv *authServer) {
		player := srv.visitor(t)
		player.register("hoarder", "hoarder password")
		// Away for long: every charge is in.
		if err := srv.Store.Placer.SetCooldownUntil(context.Background(), srv.user(t, "hoarder").ID, time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		peers := make([]*wsPeer, 12)
		for i := range peers {
			p, res, err := player.dialWS()
			if err != nil {
				t.Fatalf("dial: %v %v", err, res)
			}
			if w := p.next(t, "welcome"); w["charges"] != float64(3) || w["nextChargeAt"] != float64(0) {
				t.Fatalf("welcome of a full player: %v", w)
			}
			peers[i] = p
		}
		answers := make([]map[string]any, len(peers))
		var wg sync.WaitGroup
		for i, p := range peers {
			wg.Go(func() { answers[i] = p.place(t, i, 0, 5) })
		}
		wg.Wait()
		left := map[float64]bool{}
		for _, a := range answers {
			switch a["type"] {
			case "success":
				left[a["charges"].(float64)] = true
				if a["nextChargeAt"].(float64) <= 0 {
					t.Errorf("a success without the next charge's time: %v", a)
				}
			case "error":
				if a["code"] != "RATE_LIMITED" {
					t.Errorf("refused with %v", a)
				}
			}
		}
		if len(left) != 3 || !left[2] || !left[1] || !left[0] {
			t.Fatalf("accepted with charges left %v, want 2, 1 and 0: %v", left, answers)
		}
		p, _, err := player.dialWS()
		if err != nil {
			t.Fatal(err)
		}
		w := p.next(t, "welcome")
		if w["charges"] != float64(0) || w["nextChargeAt"].(float64) <= 0 || w["cooldown"].(float64) <= 0 {
			t.Fatalf("welcome after spending every charge: %v", w)
		}
	}
	t.Run("embedded", func(t *testing.T) { run(t, startServer(t, withCharges)) })
	t.Run("cluster", func(t *testing.T) {
		env := newClusterEnv(t)
		cfg := env.config(t, func(c *app.Config) { c.Width, c.Height = 16, 16; withCharges(c) })
		run(t, asAuthServer(startWith(t, cfg), cfg))
	})
}
