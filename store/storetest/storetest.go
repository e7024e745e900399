// Package storetest is the contract test suite that every place.Store
// passes: the embedded store and the cluster store run the same tests.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// Flusher is implemented by stores whose history lags acknowledged
// placements (the cluster store writes history from a stream). Flush
// returns once every placement acknowledged so far is readable through
// place.History. The suite calls it before reading history.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Opener returns a new, empty store with the given canvas rules; the store
// must be closed by the opener's cleanup, if at all.
type Opener func(t *testing.T, cfg place.Config) place.Store

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
		{"PlaceWipe", testPlaceWipe},
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
		{"UndoGrowth", testUndoGrowth},
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

// flush makes acknowledged placements visible to history reads.
func flush(t *testing.T, s place.Store) {
	t.Helper()
	if f, ok := s.(Flusher); ok {
		if err := f.Flush(ctx(t)); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
}

// base is a fixed, millisecond-precise starting time near now, so that
// cooldown keys with real expiry and recorded times both behave.
func base() time.Time { return time.Now().Truncate(time.Millisecond) }

func mustPlace(t *testing.T, s place.Store, user string, x, y int, color uint8, now time.Time) place.Placement {
	t.Helper()
	p, _, err := s.Place(ctx(t), place.Player{UserID: user}, x, y, color, now)
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

func canvas(t *testing.T, s place.Store) ([]byte, uint64) {
	t.Helper()
	data, _, seq, err := s.Canvas(ctx(t))
	if err != nil {
		t.Fatalf("Canvas: %v", err)
	}
	return data, seq
}

// newUser creates a registered user, so that history has a name to show.
func newUser(t *testing.T, s place.Store, name string) place.User {
	t.Helper()
	u, err := s.CreateAccount(ctx(t), name, []byte("hash-"+name), base())
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	return u
}
