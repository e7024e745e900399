package placing_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/placing"
)

// Accepted placements, and only those, are remembered with their address
// (an IPv6 /64) and device for /admin/suspects.
func TestPlacementsAreRememberedForSuspects(t *testing.T) {
	st := &store{}
	now := time.Now()
	svc := placing.New(placing.Options{Config: cfg, Placer: st, Users: st, Now: func() time.Time { return now }})
	ctx := context.Background()
	for i, ip := range []string{"2001:db8::1", "2001:db8::2"} {
		a := placing.Attempt{UserID: []string{"u1", "u2"}[i], Device: "dev", IP: netip.MustParseAddr(ip), X: i, Y: 1, Color: 3}
		if _, _, err := svc.Place(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// Refused: off the canvas, and by the store.
	if _, _, err := svc.Place(ctx, placing.Attempt{UserID: "u3", Device: "dev", IP: netip.MustParseAddr("2001:db8::3"), X: 99, Y: 1, Color: 3}); err == nil {
		t.Fatal("a pixel off the canvas was placed")
	}
	st.banned = true
	if _, _, err := svc.Place(ctx, placing.Attempt{UserID: "u4", Device: "dev", IP: netip.MustParseAddr("2001:db8::4"), X: 2, Y: 1, Color: 3}); err == nil {
		t.Fatal("a banned placement was placed")
	}
	groups := svc.Recent().Groups(now)
	if len(groups) != 2 {
		t.Fatalf("groups %+v", groups)
	}
	for _, g := range groups {
		if len(g.Users) != 2 || g.Count != 2 || g.Users[0] != "u1" || g.Users[1] != "u2" {
			t.Errorf("%s group: %+v", g.Kind, g)
		}
	}
	if _, ok := svc.Recent().Find(fairplay.ByAddress, "addr:2001:db8::/64", now); !ok {
		t.Errorf("no group for the /64: %+v", groups)
	}
	if _, ok := svc.Recent().Find(fairplay.ByDevice, "dev", now); !ok {
		t.Errorf("no group for the device: %+v", groups)
	}
}
