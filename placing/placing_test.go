package placing_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/placing"
)

// store is a Placer and Users that records what reached it.
type store struct {
	banned  bool
	block   bool // Place waits for the context to end
	placed  []place.Placement
	rolled  []place.Pixel
	wiped   []place.Pixel
	bannedQ int
	guest   bool
	who     place.Player // of the last placement
}

func (s *store) Place(ctx context.Context, who place.Player, x, y int, color uint8, now time.Time) (place.Placement, time.Time, error) {
	if s.block {
		<-ctx.Done()
		return place.Placement{}, time.Time{}, ctx.Err()
	}
	if s.banned {
		return place.Placement{}, time.Time{}, place.Errorf(place.EBANNED, "banned")
	}
	p := place.Placement{Seq: uint64(len(s.placed) + 1), X: x, Y: y, Color: color, UserID: who.UserID, At: now}
	s.placed = append(s.placed, p)
	s.who = who
	return p, now.Add(time.Second), nil
}

func (s *store) PlaceRollback(_ context.Context, _ string, px []place.Pixel, _ time.Time) ([]place.Placement, error) {
	s.rolled = append(s.rolled, px...)
	return make([]place.Placement, len(px)), nil
}
func (s *store) PlaceWipe(_ context.Context, _ string, px []place.Pixel, _ time.Time) ([]place.Placement, error) {
	s.wiped = append(s.wiped, px...)
	return make([]place.Placement, len(px)), nil
}
func (s *store) CooldownUntil(context.Context, string) (time.Time, error)  { return time.Time{}, nil }
func (s *store) SetCooldownUntil(context.Context, string, time.Time) error { return nil }
func (s *store) SetBanned(context.Context, string, bool) error             { return nil }
func (s *store) UserByID(_ context.Context, id string) (place.User, error) {
	s.bannedQ++
	return place.User{ID: id, Banned: s.banned, IsGuest: s.guest}, nil
}

var cfg = place.Config{Width: 10, Height: 5, Cooldown: time.Second}

func TestOrderOfRefusals(t *testing.T) {
	closed := func(context.Context, placing.Attempt) error {
		return place.Errorf(place.EFORBIDDEN, "closed")
	}
	for _, tc := range []struct {
		name   string
		st     store
		open   placing.Rule
		a      placing.Attempt
		want   place.Code
		placed int
	}{
		{"ok", store{}, nil, placing.Attempt{UserID: "u", X: 9, Y: 4, Color: 15}, "", 1},
		{"coords", store{}, nil, placing.Attempt{UserID: "u", X: 10, Y: 0, Color: 1}, place.EINVALIDCOORDS, 0},
		{"coords before color", store{}, nil, placing.Attempt{UserID: "u", X: -1, Y: 0, Color: 99}, place.EINVALIDCOORDS, 0},
		{"color", store{}, nil, placing.Attempt{UserID: "u", X: 0, Y: 0, Color: 16}, place.EINVALIDCOLOR, 0},
		{"banned before range", store{banned: true}, nil, placing.Attempt{UserID: "u", X: -1, Y: 0, Color: 1}, place.EBANNED, 0},
		{"banned by the store", store{banned: true}, nil, placing.Attempt{UserID: "u", X: 1, Y: 1, Color: 1}, place.EBANNED, 0},
		{"canvas open before range", store{}, closed, placing.Attempt{UserID: "u", X: -1, Y: 0, Color: 1}, place.EFORBIDDEN, 0},
		{"banned before canvas open", store{banned: true}, closed, placing.Attempt{UserID: "u", X: 1, Y: 0, Color: 1}, place.EBANNED, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.st
			svc := placing.New(placing.Options{Config: cfg, Placer: &st, Users: &st, CanvasOpen: tc.open})
			_, _, err := svc.Place(context.Background(), tc.a)
			if got := place.ErrorCode(err); got != tc.want {
				t.Fatalf("code %q, want %q (%v)", got, tc.want, err)
			}
			if len(st.placed) != tc.placed {
				t.Fatalf("%d placements reached the store, want %d", len(st.placed), tc.placed)
			}
		})
	}
}

func TestNoBanLookupWithoutARefusal(t *testing.T) {
	st := &store{}
	svc := placing.New(placing.Options{Config: cfg, Placer: st, Users: st})
	if _, _, err := svc.Place(context.Background(), placing.Attempt{UserID: "u", X: 1, Y: 1, Color: 1}); err != nil {
		t.Fatal(err)
	}
	if st.bannedQ != 0 {
		t.Fatalf("%d user lookups on the happy path, want 0 (the store checks the ban)", st.bannedQ)
	}
}

func TestStoreTimeoutIsUnavailable(t *testing.T) {
	st := &store{block: true}
	svc := placing.New(placing.Options{Config: cfg, Placer: st, Users: st})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := svc.Place(ctx, placing.Attempt{UserID: "u", X: 1, Y: 1, Color: 1})
	if place.ErrorCode(err) != place.EUNAVAILABLE {
		t.Fatalf("got %v, want SERVICE_UNAVAILABLE", err)
	}
}

func TestRollbackChecksEveryPixelFirst(t *testing.T) {
	st := &store{}
	svc := placing.New(placing.Options{Config: cfg, Placer: st, Users: st})
	_, err := svc.Rollback(context.Background(), "admin", []place.Pixel{{X: 1, Y: 1, Color: 1}, {X: 1, Y: 5, Color: 1}})
	if place.ErrorCode(err) != place.EINVALIDCOORDS || len(st.rolled) != 0 {
		t.Fatalf("got %v with %d pixels written; want INVALID_COORDS and none", err, len(st.rolled))
	}
	if _, err := svc.Rollback(context.Background(), "admin", []place.Pixel{{X: 9, Y: 4, Color: 0}}); err != nil || len(st.rolled) != 1 {
		t.Fatalf("got %v with %d pixels written", err, len(st.rolled))
	}
}

// A wipe is checked like a rollback and written as a wipe, not as a
// rollback: history names it and an area rollback undoes it.
func TestWipeChecksEveryPixelAndIsWrittenAsAWipe(t *testing.T) {
	st := &store{}
	svc := placing.New(placing.Options{Config: cfg, Placer: st, Users: st})
	_, err := svc.Wipe(context.Background(), "admin", []place.Pixel{{X: 10, Y: 0, Color: 1}})
	if place.ErrorCode(err) != place.EINVALIDCOORDS || len(st.wiped) != 0 {
		t.Fatalf("got %v with %d pixels written; want INVALID_COORDS and none", err, len(st.wiped))
	}
	if _, err := svc.Wipe(context.Background(), "admin", []place.Pixel{{X: 9, Y: 4, Color: 3}}); err != nil || len(st.wiped) != 1 || len(st.rolled) != 0 {
		t.Fatalf("got %v with %d wiped and %d rolled back; want 1 wiped", err, len(st.wiped), len(st.rolled))
	}
}

func TestJoinCodeRuleOrder(t *testing.T) {
	closed := func(context.Context, placing.Attempt) error { return place.Errorf(place.EFORBIDDEN, "closed") }
	notJoined := func(context.Context, placing.Attempt) error { return place.Errorf(place.EJOINCODE, "join first") }
	joined := func(context.Context, placing.Attempt) error { return nil }
	for _, tc := range []struct {
		name         string
		st           store
		open, joined placing.Rule
		a            placing.Attempt
		want         place.Code
	}{
		{"joined places", store{}, nil, joined, placing.Attempt{UserID: "u", X: 1, Y: 1, Color: 1}, ""},
		{"not joined", store{}, nil, notJoined, placing.Attempt{UserID: "u", X: 1, Y: 1, Color: 1}, place.EJOINCODE},
		{"join code before range", store{}, nil, notJoined, placing.Attempt{UserID: "u", X: -1, Y: 0, Color: 99}, place.EJOINCODE},
		{"canvas open before join code", store{}, closed, notJoined, placing.Attempt{UserID: "u", X: 1, Y: 1, Color: 1}, place.EFORBIDDEN},
		{"banned before join code", store{banned: true}, nil, notJoined, placing.Attempt{UserID: "u", X: 1, Y: 1, Color: 1}, place.EBANNED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.st
			svc := placing.New(placing.Options{Config: cfg, Placer: &st, Users: &st, CanvasOpen: tc.open, Joined: tc.joined})
			_, _, err := svc.Place(context.Background(), tc.a)
			if got := place.ErrorCode(err); got != tc.want {
				t.Fatalf("code %q, want %q (%v)", got, tc.want, err)
			}
			if placed := len(st.placed) == 1; placed != (tc.want == "") {
				t.Fatalf("%d placements reached the store", len(st.placed))
			}
		})
	}
}

// banList is a fixed list of network bans.
type banList []place.NetworkBan

func (l banList) Banned(_ context.Context, ip netip.Addr) (place.NetworkBan, bool) {
	return place.NetworkBanOf(l, ip)
}

func TestNetworkBanRefusesGuestsOnly(t *testing.T) {
	banned := netip.MustParsePrefix("203.0.113.0/24")
	ends := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	lookup := banList{place.NetworkBan{Network: banned, Reason: "raid", EndsAt: ends}}
	inside, outside := netip.MustParseAddr("203.0.113.9"), netip.MustParseAddr("198.51.100.1")
	for _, tc := range []struct {
		name  string
		guest bool
		ip    netip.Addr
		want  place.Code
	}{
		{"guest on the banned network", true, inside, place.EBANNED},
		{"account on the banned network", false, inside, ""},
		{"guest elsewhere", true, outside, ""},
		{"guest, address unknown", true, netip.Addr{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &store{guest: tc.guest}
			svc := placing.New(placing.Options{Config: cfg, Placer: st, Users: st, NetworkBans: lookup})
			_, _, err := svc.Place(context.Background(), placing.Attempt{UserID: "u", Device: "d", IP: tc.ip, X: 1, Y: 1, Color: 1})
			if got := place.ErrorCode(err); got != tc.want {
				t.Fatalf("code %q, want %q (%v)", got, tc.want, err)
			}
			if tc.want != "" {
				msg := place.ErrorMessage(err)
				for _, part := range []string{"2030-01-02 03:04 UTC", "raid", "Log in"} {
					if !strings.Contains(msg, part) {
						t.Errorf("message %q does not say %q", msg, part)
					}
				}
				return
			}
			if st.who != (place.Player{UserID: "u", DeviceID: "d"}) {
				t.Errorf("the store placed for %+v, want the user and the device", st.who)
			}
		})
	}
}

// The player's team reaches the store with the placement; a team that
// cannot be read leaves the placement teamless rather than refused.
func TestPlacementCarriesThePlayersTeam(t *testing.T) {
	st := &store{}
	var teamErr error
	team := func(_ context.Context, userID string) (int64, error) {
		if userID != "u" {
			t.Fatalf("team of %q", userID)
		}
		return 7, teamErr
	}
	svc := placing.New(placing.Options{Config: cfg, Placer: st, Users: st, Team: team})
	if _, _, err := svc.Place(context.Background(), placing.Attempt{UserID: "u", X: 1, Y: 1, Color: 1}); err != nil {
		t.Fatal(err)
	}
	if st.who.TeamID != 7 {
		t.Fatalf("the store got team %d, want 7", st.who.TeamID)
	}
	teamErr = place.ErrUnavailable
	if _, _, err := svc.Place(context.Background(), placing.Attempt{UserID: "u", X: 2, Y: 1, Color: 1}); err != nil {
		t.Fatalf("a team that cannot be read refused the placement: %v", err)
	}
	if st.who.TeamID != 0 || len(st.placed) != 2 {
		t.Fatalf("with the team unreadable: team %d, %d placed", st.who.TeamID, len(st.placed))
	}
}
