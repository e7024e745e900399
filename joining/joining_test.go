package joining_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/joining"
	"github.com/placecanvas/place/placing"
)

// memStore keeps a join code and who joined, and counts reads.
type memStore struct {
	mu      sync.Mutex
	code    place.JoinCode
	joined  map[string]int64
	reads   int
	notices []place.Notice
	failing bool
}

func (m *memStore) JoinCode(context.Context) (place.JoinCode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		return place.JoinCode{}, errors.New("down")
	}
	return m.code, nil
}

func (m *memStore) SetJoinCode(_ context.Context, code string) (place.JoinCode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.code = place.JoinCode{Code: code, Version: m.code.Version + 1}
	return m.code, nil
}

func (m *memStore) SetJoinedVersion(_ context.Context, user string, v int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.joined[user] = v
	return nil
}

func (m *memStore) JoinedVersion(_ context.Context, user string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	return m.joined[user], nil
}

func (m *memStore) PublishNotice(_ context.Context, n place.Notice) error {
	m.notices = append(m.notices, n)
	return nil
}

func rule(g *joining.Gate, user string) place.Code {
	return place.ErrorCode(g.Rule(context.Background(), placing.Attempt{UserID: user}))
}

func TestGate(t *testing.T) {
	ctx := context.Background()
	st := &memStore{joined: map[string]int64{}, failing: true}
	g := joining.New(st, st, nil)
	// Not loaded and the store is down: nobody is let in unchecked.
	if got := rule(g, "a"); got != place.EUNAVAILABLE {
		t.Fatalf("unloaded, store down: %q", got)
	}
	st.failing = false
	if got := rule(g, "a"); got != "" {
		t.Fatalf("no code: %q", got)
	}
	j, err := g.Set(ctx, "ROOM")
	if err != nil || j.Version != 1 || len(st.notices) != 1 {
		t.Fatalf("set: %v %v notices %v", j, err, st.notices)
	}
	if v, ok := st.notices[0].JoinCodeVersion(); !ok || v != 1 {
		t.Fatalf("notice %v", st.notices[0])
	}
	if got := rule(g, "a"); got != place.EJOINCODE {
		t.Fatalf("not joined: %q", got)
	}
	if got := rule(g, ""); got != place.EJOINCODE {
		t.Fatalf("no user yet: %q", got)
	}
	if err := g.Join(ctx, "a", "WRONG"); place.ErrorCode(err) != place.EJOINCODE {
		t.Fatalf("wrong code: %v", err)
	}
	if err := g.Join(ctx, "a", "ROOM"); err != nil {
		t.Fatal(err)
	}
	reads := st.reads
	for range 3 {
		if got := rule(g, "a"); got != "" {
			t.Fatalf("joined: %q", got)
		}
	}
	if st.reads != reads {
		t.Errorf("%d store reads for a joined player's placements, want none", st.reads-reads)
	}

	// Another instance changes the code; this one hears of it by a notice.
	other := joining.New(st, st, nil)
	if _, err := other.Set(ctx, "NEXT"); err != nil {
		t.Fatal(err)
	}
	g.OnNotice(place.JoinCodeNotice(2))
	g.OnNotice(place.KickNotice(place.Kick{UserID: "x"})) // not for the gate
	// OnKick reloads in the background.
	for deadline := time.Now().Add(2 * time.Second); g.Current().Version != 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the notice did not reload the code")
		}
	}
	if got := rule(g, "a"); got != place.EJOINCODE {
		t.Fatalf("after the rotation: %q", got)
	}
	// A late, older announcement does not bring the old code back.
	g.OnNotice(place.JoinCodeNotice(1))
	if g.Current().Code != "NEXT" {
		t.Errorf("current %v", g.Current())
	}
	// Removing the code lets everyone in.
	if _, err := g.Set(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got := rule(g, "b"); got != "" {
		t.Fatalf("no code any more: %q", got)
	}
}
