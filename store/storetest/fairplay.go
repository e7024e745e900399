package storetest

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// testTake checks that Take's check and count are one step: of many
// concurrent takes against a limit, exactly the limit's worth pass; a full
// counter stops the others from counting; Give takes one back.
func testTake(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := time.Now()
	limits := []place.Limit{
		{Key: "take:pair", Max: 5, Window: time.Minute},
		{Key: "take:ip", Max: 100, Window: time.Minute},
	}
	var passed atomic.Int64
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, until, err := s.Counters.Take(ctx(t), limits, time.Now())
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				passed.Add(1)
			} else if until.Before(now.Add(50*time.Second)) || until.After(time.Now().Add(time.Minute)) {
				t.Errorf("a refused Take says the window ends at %v, want about a minute from %v", until, now)
			}
		}()
	}
	wg.Wait()
	if passed.Load() != 5 {
		t.Fatalf("%d of 40 concurrent Takes passed a limit of 5", passed.Load())
	}
	// Refused takes counted nothing on the other counter.
	if n, _, _ := s.Counters.Count(ctx(t), "take:ip", time.Now()); n != 5 {
		t.Errorf("the second counter holds %d, want 5 (refused takes must not count)", n)
	}
	if err := s.Counters.Give(ctx(t), "take:pair"); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := s.Counters.Take(ctx(t), limits, time.Now()); !ok {
		t.Error("a Take after Give was refused")
	}
	if ok, _, _ := s.Counters.Take(ctx(t), limits, time.Now()); ok {
		t.Error("a Take beyond the limit passed after Give")
	}
	// Give never goes below zero.
	for range 3 {
		if err := s.Counters.Give(ctx(t), "take:unused"); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _, _ := s.Counters.Take(ctx(t), []place.Limit{{Key: "take:unused", Max: 1, Window: time.Minute}}, time.Now()); !ok {
		t.Error("first Take of a counter given back below zero was refused")
	}
	if ok, _, _ := s.Counters.Take(ctx(t), []place.Limit{{Key: "take:unused", Max: 1, Window: time.Minute}}, time.Now()); ok {
		t.Error("Give let a counter go below zero")
	}
	// A window that ends starts afresh.
	short := []place.Limit{{Key: "take:short", Max: 1, Window: 300 * time.Millisecond}}
	s.Counters.Take(ctx(t), short, time.Now())
	time.Sleep(500 * time.Millisecond)
	if ok, _, _ := s.Counters.Take(ctx(t), short, time.Now()); !ok {
		t.Error("Take in a new window was refused")
	}
}

// testSecrets checks that a secret is made once: concurrent first calls
// and later calls all get the same bytes, and names do not share.
func testSecrets(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	got := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.Secrets.Secret(ctx(t), "test-key", 32)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	wg.Wait()
	for i, v := range got {
		if len(v) != 32 || string(v) != string(got[0]) {
			t.Fatalf("call %d got %x, call 0 got %x; want the same 32 bytes", i, v, got[0])
		}
	}
	again, err := s.Secrets.Secret(ctx(t), "test-key", 32)
	if err != nil || string(again) != string(got[0]) {
		t.Errorf("a later call got %x, %v", again, err)
	}
	other, err := s.Secrets.Secret(ctx(t), "other-key", 32)
	if err != nil || string(other) == string(got[0]) {
		t.Errorf("another name got the same secret (%x, %v)", other, err)
	}
}

func testNetworkBans(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	add := func(network, reason string, ends time.Time) place.NetworkBan {
		t.Helper()
		b, err := s.NetworkBans.AddNetworkBan(ctx(t), place.NetworkBan{
			Network: netip.MustParsePrefix(network), Reason: reason,
			ActorID: "mod1", ActorName: "Mod", CreatedAt: now, EndsAt: ends,
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v4 := add("203.0.113.0/24", "spam from a dorm", now.Add(time.Hour))
	v6 := add("2001:db8:1::/64", "bot", now.Add(2*time.Hour))
	add("198.51.100.0/24", "over", now.Add(-time.Second))
	if v4.ID == 0 || v6.ID == v4.ID {
		t.Fatalf("ids %d and %d", v4.ID, v6.ID)
	}
	bans, err := s.NetworkBans.NetworkBans(ctx(t), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(bans) != 2 || bans[0].ID != v6.ID || bans[1].ID != v4.ID {
		t.Fatalf("bans in force: %+v; want the two current ones, newest first", bans)
	}
	got := bans[1]
	if got.Network != v4.Network || got.Reason != "spam from a dorm" || got.ActorID != "mod1" || got.ActorName != "Mod" ||
		!got.CreatedAt.Equal(now) || !got.EndsAt.Equal(now.Add(time.Hour)) {
		t.Errorf("stored ban %+v, want %+v", got, v4)
	}
	for ip, want := range map[string]int64{"203.0.113.9": v4.ID, "2001:db8:1::5": v6.ID, "::ffff:203.0.113.200": v4.ID, "203.0.114.1": 0, "198.51.100.1": 0} {
		b, ok := place.NetworkBanOf(bans, netip.MustParseAddr(ip))
		if (want == 0) == ok || (ok && b.ID != want) {
			t.Errorf("NetworkBanOf(%s) = %d, %v; want %d", ip, b.ID, ok, want)
		}
	}
	if _, err := s.NetworkBans.LiftNetworkBan(ctx(t), v4.ID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NetworkBans.LiftNetworkBan(ctx(t), v4.ID, now.Add(2*time.Minute)); place.ErrorCode(err) != place.ENOTFOUND {
		t.Errorf("lifting a lifted ban: %v, want NOT_FOUND", err)
	}
	if bans, _ := s.NetworkBans.NetworkBans(ctx(t), now.Add(2*time.Minute)); len(bans) != 1 || bans[0].ID != v6.ID {
		t.Errorf("after lifting one: %+v", bans)
	}
	if bans, _ := s.NetworkBans.NetworkBans(ctx(t), now.Add(3*time.Hour)); len(bans) != 0 {
		t.Errorf("after every ban ended: %+v", bans)
	}
}
