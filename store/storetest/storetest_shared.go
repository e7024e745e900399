package storetest

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func testSessionIndex(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	exp := time.Now().Add(time.Hour)
	for _, tok := range []string{"t1", "t2", "t3"} {
		if err := s.SessionIndex.AddUserSession(ctx(t), "u1", tok, exp); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SessionIndex.AddUserSession(ctx(t), "u2", "other", exp); err != nil {
		t.Fatal(err)
	}
	if err := s.SessionIndex.AddUserSession(ctx(t), "u1", "expired", time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SessionIndex.RemoveUserSession(ctx(t), "u1", "t2"); err != nil {
		t.Fatal(err)
	}
	got, err := s.SessionIndex.UserSessions(ctx(t), "u1")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if !slices.Equal(got, []string{"t1", "t3"}) {
		t.Errorf("UserSessions = %v, want [t1 t3]", got)
	}
	if got, err := s.SessionIndex.UserSessions(ctx(t), "nobody"); err != nil || len(got) != 0 {
		t.Errorf("UserSessions of a user without sessions = %v, %v", got, err)
	}
}

func testKicks(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan place.Kick, 100)
	done := make(chan error, 1)
	go func() { done <- s.Kicks.SubscribeKicks(sctx, func(k place.Kick) { got <- k }) }()

	want := place.Kick{UserID: "u1", Token: "tok", Reason: "banned"}
	// A subscription takes a moment to start: publish until one arrives.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		if err := s.Kicks.PublishKick(ctx(t), want); err != nil {
			t.Fatal(err)
		}
		select {
		case k := <-got:
			if k != want {
				t.Fatalf("received kick %+v, want %+v", k, want)
			}
			break wait
		case <-tick.C:
		case <-deadline:
			t.Fatal("no kick delivered")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("SubscribeKicks returned %v after its context ended", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("SubscribeKicks did not return after its context ended")
	}
}

// testNotices: notices of any kind arrive in order, once each, and a kick
// subscriber sees only kicks.
func testNotices(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan place.Notice, 100)
	kicks := make(chan place.Kick, 100)
	go func() { _ = s.Notices.SubscribeNotices(sctx, func(n place.Notice) { got <- n }) }()
	go func() { _ = s.Kicks.SubscribeKicks(sctx, func(k place.Kick) { kicks <- k }) }()
	// A subscription takes a moment to start: announce until one arrives.
	hello := place.Notice{Kind: "hello", Data: []byte(`{}`)}
	deadline := time.After(10 * time.Second)
wait:
	for {
		if err := s.Notices.PublishNotice(ctx(t), hello); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			break wait
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("no notice delivered")
		}
	}
	time.Sleep(100 * time.Millisecond) // both subscriptions are up
	for len(got) > 0 {
		<-got
	}
	sent := []place.Notice{
		{Kind: "settings", Data: []byte(`{"cooldown":5}`)},
		place.KickNotice(place.Kick{UserID: "u2", Reason: "banned"}),
		{Kind: "version", Data: []byte(`"v2"`)},
	}
	for _, n := range sent {
		if err := s.Notices.PublishNotice(ctx(t), n); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range sent {
		select {
		case n := <-got:
			if n.Kind != want.Kind || string(n.Data) != string(want.Data) {
				t.Errorf("notice %d = %s %s, want %s %s", i, n.Kind, n.Data, want.Kind, want.Data)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("notice %d not delivered", i)
		}
	}
	select {
	case k := <-kicks:
		if k.UserID != "u2" {
			t.Errorf("kick subscriber got %+v", k)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("kick not delivered")
	}
	select {
	case n := <-got:
		t.Errorf("unexpected notice %s %s", n.Kind, n.Data)
	case k := <-kicks:
		t.Errorf("unexpected kick %+v", k)
	case <-time.After(200 * time.Millisecond):
	}
}

func testCounters(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	const window = 400 * time.Millisecond
	start := time.Now()
	for i := int64(1); i <= 3; i++ {
		n, end, err := s.Counters.Incr(ctx(t), "ip:1", window, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if n != i {
			t.Errorf("Incr #%d = %d", i, n)
		}
		if end.Before(start) || end.After(time.Now().Add(window)) {
			t.Errorf("window ends at %v, want within %v of %v", end, window, start)
		}
	}
	if n, _, err := s.Counters.Count(ctx(t), "ip:1", time.Now()); err != nil || n != 3 {
		t.Errorf("Count = %d, %v; want 3", n, err)
	}
	if n, _, err := s.Counters.Count(ctx(t), "ip:2", time.Now()); err != nil || n != 0 {
		t.Errorf("Count of an unused key = %d, %v; want 0", n, err)
	}
	if n, _, _ := s.Counters.Incr(ctx(t), "ip:2", window, time.Now()); n != 1 {
		t.Errorf("keys share a counter: Incr(ip:2) = %d", n)
	}
	if err := s.Counters.Reset(ctx(t), "ip:1"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := s.Counters.Count(ctx(t), "ip:1", time.Now()); n != 0 {
		t.Errorf("Count after Reset = %d", n)
	}
	s.Counters.Incr(ctx(t), "ip:3", window, time.Now())
	time.Sleep(window + 200*time.Millisecond)
	if n, _, _ := s.Counters.Count(ctx(t), "ip:3", time.Now()); n != 0 {
		t.Errorf("Count after the window = %d, want 0", n)
	}
	if n, _, _ := s.Counters.Incr(ctx(t), "ip:3", window, time.Now()); n != 1 {
		t.Errorf("Incr in a new window = %d, want 1", n)
	}
}

func testSessions(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	ss := s.Sessions
	if err := ss.Commit("tok1", []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, ok, err := ss.Find("tok1")
	if err != nil || !ok || string(b) != "data" {
		t.Errorf("Find = %q, %v, %v", b, ok, err)
	}
	if err := ss.Delete("tok1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ss.Find("tok1"); err != nil || ok {
		t.Errorf("Find after Delete = %v, %v", ok, err)
	}
}

func testReady(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	err := s.Health.Ready(ctx(t))
	if err != nil && strings.Contains(err.Error(), "maxmemory-policy") {
		// Reporting a misconfigured shared service is Ready doing its job.
		t.Skipf("the test service is misconfigured: %v", err)
	}
	if err != nil {
		t.Errorf("Ready: %v", err)
	}
}
