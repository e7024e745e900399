package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/testenv"
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

// subscribe runs sub (a SubscribeNotices or SubscribeKicks) in the
// background and returns once it listens (place.WithSubscribed), with a
// channel that receives what sub returns.
func subscribe(t *testing.T, ctx context.Context, sub func(context.Context) error) <-chan error {
	t.Helper()
	ready := make(chan struct{})
	var once sync.Once
	ctx = place.WithSubscribed(ctx, func() { once.Do(func() { close(ready) }) })
	done := make(chan error, 1)
	go func() { done <- sub(ctx) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("the subscription ended before it listened: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the subscription did not start to listen within 10 s")
	}
	return done
}

func testKicks(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan place.Kick, 100)
	done := subscribe(t, sctx, func(ctx context.Context) error {
		return s.Kicks.SubscribeKicks(ctx, func(k place.Kick) { got <- k })
	})

	want := place.Kick{UserID: "u1", Token: "tok", Tokens: []string{"t1", "t2"}, Reason: "banned"}
	if err := s.Kicks.PublishKick(ctx(t), want); err != nil {
		t.Fatal(err)
	}
	select {
	case k := <-got:
		if !reflect.DeepEqual(k, want) {
			t.Fatalf("received kick %+v, want %+v", k, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no kick delivered")
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
	subscribe(t, sctx, func(ctx context.Context) error {
		return s.Notices.SubscribeNotices(ctx, func(n place.Notice) { got <- n })
	})
	subscribe(t, sctx, func(ctx context.Context) error {
		return s.Kicks.SubscribeKicks(ctx, func(k place.Kick) { kicks <- k })
	})
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
	// Delivery is in order: what comes next after a last notice and kick
	// shows whether anything came twice or a kick subscriber saw another kind.
	last := place.Kick{UserID: "u3", Reason: "last"}
	if err := s.Kicks.PublishKick(ctx(t), last); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-got:
		if k, ok := n.Kick(); !ok || !reflect.DeepEqual(k, last) {
			t.Errorf("after the notices sent: %s %s, want the last kick", n.Kind, n.Data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the last kick not delivered as a notice")
	}
	select {
	case k := <-kicks:
		if !reflect.DeepEqual(k, last) {
			t.Errorf("kick subscriber got %+v, want %+v", k, last)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the last kick not delivered")
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
	// The window's end is what is tested, and the cluster store leaves it to
	// Redis's own clock (a key's TTL): real time must pass.
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
		// Ready is right to report a misconfigured shared service (the
		// cluster store's own tests check that), but the store cannot be
		// tested on it: skip, or fail where the services are required.
		testenv.Missing(t, "the test service is misconfigured: %v", err)
	}
	if err != nil {
		t.Errorf("Ready: %v", err)
	}
}
