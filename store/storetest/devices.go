package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// testDeviceCooldown checks that the cooldown follows the device as well as
// the user: another user on the same device waits for what is left.
func testDeviceCooldown(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	if _, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "u1", DeviceID: "d1"}, 1, 1, 1, now); err != nil {
		t.Fatal(err)
	}
	// Another account on that browser, 2 s later: 3 s left.
	_, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "u2", DeviceID: "d1"}, 2, 2, 2, now.Add(2*time.Second))
	wantCode(t, err, place.ERATELIMITED)
	var pe *place.Error
	if errors.As(err, &pe); pe == nil || pe.RemainingSeconds != 3 {
		t.Errorf("another user on the device: %v, want 3 seconds remaining", err)
	}
	// The same user from another browser: still the user's cooldown.
	_, _, err = s.Placer.Place(ctx(t), place.Player{UserID: "u1", DeviceID: "d2"}, 2, 2, 2, now.Add(time.Second))
	wantCode(t, err, place.ERATELIMITED)
	if until, err := s.Placer.CooldownUntil(ctx(t), place.DeviceKey("d1")); err != nil || !until.Equal(now.Add(DefaultConfig.Cooldown)) {
		t.Errorf("device cooldown = %v, %v; want %v", until, err, now.Add(DefaultConfig.Cooldown))
	}
	if _, seq := canvas(t, s); seq != 1 {
		t.Errorf("seq %d after refused placements, want 1", seq)
	}
	// Once it ends, anyone on the device places, and sets both cooldowns.
	later := now.Add(DefaultConfig.Cooldown)
	if _, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "u2", DeviceID: "d1"}, 2, 2, 2, later); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Placer.Place(ctx(t), place.Player{UserID: "u3", DeviceID: "d1"}, 3, 3, 3, later.Add(time.Second))
	wantCode(t, err, place.ERATELIMITED)
	_, _, err = s.Placer.Place(ctx(t), place.Player{UserID: "u2"}, 3, 3, 3, later.Add(time.Second))
	wantCode(t, err, place.ERATELIMITED)
}

// testDeviceBans checks that a banned user's devices are banned for every
// user on them (a new guest from that browser), that a device the banned
// user uses later is banned at once, and that lifting the ban frees them.
func testDeviceBans(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	bad, err := s.Users.CreateGuest(ctx(t), now)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := s.Users.CreateGuest(ctx(t), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"dA", "dA"} { // noting twice changes nothing
		if err := s.Devices.NoteDevice(ctx(t), bad.ID, d, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Devices.NoteDevice(ctx(t), fresh.ID, "dC", now); err != nil {
		t.Fatal(err)
	}
	ban := func(banned bool) {
		t.Helper()
		if err := s.Users.SetBan(ctx(t), bad.ID, banned, "griefing"); err != nil {
			t.Fatal(err)
		}
		if err := s.Placer.SetBanned(ctx(t), bad.ID, banned); err != nil {
			t.Fatal(err)
		}
		if err := s.Devices.SyncDeviceBans(ctx(t), bad.ID); err != nil {
			t.Fatal(err)
		}
	}
	ban(true)
	_, _, err = s.Placer.Place(ctx(t), place.Player{UserID: fresh.ID, DeviceID: "dA"}, 1, 1, 1, now)
	wantCode(t, err, place.EBANNED)
	// The banned user logs in on another browser: it is banned as well.
	if err := s.Devices.NoteDevice(ctx(t), bad.ID, "dB", now); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Placer.Place(ctx(t), place.Player{UserID: fresh.ID, DeviceID: "dB"}, 1, 1, 1, now)
	wantCode(t, err, place.EBANNED)
	// A browser the banned user never used is not.
	mustPlaceAs(t, s, place.Player{UserID: fresh.ID, DeviceID: "dC"}, now)
	if _, seq := canvas(t, s); seq != 1 {
		t.Errorf("seq %d after refused placements, want 1", seq)
	}
	ban(false)
	mustPlaceAs(t, s, place.Player{UserID: "other", DeviceID: "dA"}, now)
	mustPlaceAs(t, s, place.Player{UserID: "another", DeviceID: "dB"}, now)
}

func mustPlaceAs(t *testing.T, s place.Stores, who place.Player, now time.Time) {
	t.Helper()
	if _, _, err := s.Placer.Place(ctx(t), who, 0, 0, 1, now); err != nil {
		t.Fatalf("place as %+v: %v", who, err)
	}
}
