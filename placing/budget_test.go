package placing_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/placing"
)

// users answers UserByID from a map.
type users map[string]place.User

func (u users) UserByID(_ context.Context, id string) (place.User, error) {
	if user, ok := u[id]; ok {
		return user, nil
	}
	return place.User{}, place.Errorf(place.ENOTFOUND, "no such user")
}

// Which budget a placement draws on: the address's (IPv6: its /64), except
// on a declared network and for an account old enough to have earned its
// own; none when the budget is off or the address unknown.
func TestAddressBudgetOfAnAttempt(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	us := users{
		"guest":    {ID: "guest", IsGuest: true, CreatedAt: now.Add(-48 * time.Hour)},
		"new":      {ID: "new", CreatedAt: now.Add(-time.Hour)},
		"veteran":  {ID: "veteran", CreatedAt: now.Add(-25 * time.Hour)},
		"no-age":   {ID: "no-age"},
		"upgraded": {ID: "upgraded", CreatedAt: now.Add(-24 * time.Hour)},
	}
	on := placing.AddressBudget{Players: 3, Networks: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, EarnAfter: 24 * time.Hour}
	for _, tc := range []struct {
		name   string
		budget placing.AddressBudget
		user   string
		ip     string
		want   string
	}{
		{"guest", on, "guest", "203.0.113.5", "addr:203.0.113.5"},
		{"IPv4-mapped", on, "guest", "::ffff:203.0.113.5", "addr:203.0.113.5"},
		{"IPv6 per /64", on, "guest", "2001:db8:1:2:aaaa::1", "addr:2001:db8:1:2::/64"},
		{"young account", on, "new", "203.0.113.5", "addr:203.0.113.5"},
		{"account without a known age", on, "no-age", "203.0.113.5", "addr:203.0.113.5"},
		{"unknown user", on, "ghost", "203.0.113.5", "addr:203.0.113.5"},
		{"account a day old", on, "upgraded", "203.0.113.5", ""},
		{"veteran account", on, "veteran", "203.0.113.5", ""},
		{"declared network", on, "guest", "10.20.30.40", ""},
		{"no earning", placing.AddressBudget{Players: 3}, "veteran", "203.0.113.5", "addr:203.0.113.5"},
		{"budget off", placing.AddressBudget{}, "guest", "203.0.113.5", ""},
		{"address unknown", on, "guest", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &store{}
			svc := placing.New(placing.Options{Config: cfg, Placer: st, Users: us, AddressBudget: tc.budget, Now: func() time.Time { return now }})
			var ip netip.Addr
			if tc.ip != "" {
				ip = netip.MustParseAddr(tc.ip)
			}
			if _, _, err := svc.Place(context.Background(), placing.Attempt{UserID: tc.user, IP: ip, X: 1, Y: 1, Color: 1}); err != nil {
				t.Fatal(err)
			}
			if st.who.Budget.Key != tc.want {
				t.Fatalf("budget key %q, want %q", st.who.Budget.Key, tc.want)
			}
			if tc.want != "" && st.who.Budget.Players != 3 {
				t.Fatalf("budget of %d players, want 3", st.who.Budget.Players)
			}
		})
	}
}
