// Package storetest is the contract test suite that every place.Stores
// passes: the embedded store and the cluster store run the same tests.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// Opener returns a new, empty store with the given canvas rules; the store
// must be closed by the opener's cleanup, if at all.
type Opener func(t *testing.T, cfg place.Config) place.Stores

// DefaultConfig is the configuration most tests use.
var DefaultConfig = place.Config{Width: 64, Height: 48, Cooldown: 5 * time.Second}

// Run runs the whole contract against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"PlaceAndCooldown", testPlaceAndCooldown},
		{"NoCooldown", testNoCooldown},
		{"CooldownCarriesOver", testSetCooldownUntil},
		{"Ban", testBan},
		{"DeviceCooldown", testDeviceCooldown},
		{"DeviceBans", testDeviceBans},
		{"SeqGapFreeUnderConcurrency", testConcurrentSeq},
		{"OneOfConcurrentPlacementsBySameUser", testSameUserConcurrent},
		{"Follow", testFollow},
		{"Since", testSince},
		{"CanvasEqualsReplay", testCanvasEqualsReplay},
		{"PixelHistory", testPixelHistory},
		{"RecentAndUserPlacements", testRecentAndUserPlacements},
		{"RollbackPlan", testRollbackPlan},
		{"PlaceRollback", testPlaceRollback},
		{"Users", testUsers},
		{"SearchUsers", testSearchUsers},
		{"AuditLog", testAuditLog},
		{"SessionIndex", testSessionIndex},
		{"Kicks", testKicks},
		{"Notices", testNotices},
		{"Counters", testCounters},
		{"TakeIsAtomic", testTake},
		{"Secrets", testSecrets},
		{"NetworkBans", testNetworkBans},
		{"Sessions", testSessions},
		{"Ready", testReady},
		{"Grow", testGrow},
		{"AddressBudget", testAddressBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// ctx returns a context bounded so that a hung store fails the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// flush makes acknowledged placements visible to history reads (the
// cluster store writes history from a stream, a moment after the canvas):
// it waits for history up to the canvas's last seq.
func flush(t *testing.T, s place.Stores) {
	t.Helper()
	_, _, seq, err := s.Feed.Canvas(ctx(t))
	if err != nil {
		t.Fatalf("Canvas: %v", err)
	}
	if err := s.History.WaitHistory(ctx(t), seq); err != nil {
		t.Fatalf("WaitHistory(%d): %v", seq, err)
	}
}

// base is a fixed, millisecond-precise starting time near now, so that
// cooldown keys with real expiry and recorded times both behave.
func base() time.Time { return time.Now().Truncate(time.Millisecond) }

func mustPlace(t *testing.T, s place.Stores, user string, x, y int, color uint8, now time.Time) place.Placement {
	t.Helper()
	p, _, err := s.Placer.Place(ctx(t), place.Player{UserID: user}, x, y, color, now)
	if err != nil {
		t.Fatalf("Place(%s, %d, %d, %d): %v", user, x, y, color, err)
	}
	return p
}

func wantCode(t *testing.T, err error, code place.Code) {
	t.Helper()
	if got := place.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func canvas(t *testing.T, s place.Stores) ([]byte, uint64) {
	t.Helper()
	data, _, seq, err := s.Feed.Canvas(ctx(t))
	if err != nil {
		t.Fatalf("Canvas: %v", err)
	}
	return data, seq
}

// newUser creates a registered user, so that history has a name to show.
func newUser(t *testing.T, s place.Stores, name string) place.User {
	t.Helper()
	u, err := s.Users.CreateAccount(ctx(t), name, []byte("hash-"+name), base())
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	return u
}
