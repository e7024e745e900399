package teams

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// unused gives fakeStore the methods of place.Teams these tests do not
// call (they panic).
type unused = place.Teams

// fakeStore keeps the players' teams in a map and counts the reads.
type fakeStore struct {
	unused
	mu      sync.Mutex
	byUser  map[string]int64
	reads   int
	notices []place.Notice
	fail    error
}

func (f *fakeStore) UserTeam(_ context.Context, userID string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.byUser[userID], f.fail
}

func (f *fakeStore) SetUserTeam(_ context.Context, userID string, id int64, _ time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.byUser[userID]
	f.byUser[userID] = id
	return old, nil
}

func (f *fakeStore) DeleteTeam(_ context.Context, id int64) (place.Team, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for u, t := range f.byUser {
		if t == id {
			f.byUser[u] = 0
		}
	}
	return place.Team{ID: id}, nil
}

func (f *fakeStore) PublishNotice(_ context.Context, n place.Notice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, n)
	return nil
}

func (f *fakeStore) set(userID string, id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byUser[userID] = id
}

func teamOf(t *testing.T, r *Roster, userID string) int64 {
	t.Helper()
	id, err := r.TeamOf(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestTeamOfReadsTheStoreOncePerPlayer(t *testing.T) {
	st := &fakeStore{byUser: map[string]int64{"a": 3}}
	r := New(st, st, nil)
	now := time.Unix(1000, 0)
	r.now = func() time.Time { return now }
	for range 5 {
		if id := teamOf(t, r, "a"); id != 3 {
			t.Fatalf("team %d, want 3", id)
		}
	}
	teamOf(t, r, "b")
	if st.reads != 2 {
		t.Fatalf("%d store reads for two players, want 2", st.reads)
	}
	// Changed behind the roster's back (a lost notice): read again once
	// the entry is older than refreshAfter.
	st.set("a", 4)
	now = now.Add(refreshAfter - time.Millisecond)
	if id := teamOf(t, r, "a"); id != 3 {
		t.Fatalf("team %d before refreshAfter, want the cached 3", id)
	}
	now = now.Add(time.Millisecond)
	if id := teamOf(t, r, "a"); id != 4 {
		t.Fatalf("team %d after refreshAfter, want 4", id)
	}
	st.fail = errors.New("down")
	st.set("c", 6)
	if _, err := r.TeamOf(context.Background(), "c"); err == nil {
		t.Fatal("a store that is down gave a team")
	}
	// Meanwhile no team, without asking the store again; then asked again.
	reads := st.reads
	if id := teamOf(t, r, "c"); id != 0 || st.reads != reads {
		t.Fatalf("after a failed read: team %d, %d more reads", id, st.reads-reads)
	}
	st.fail = nil
	now = now.Add(retryAfter)
	if id := teamOf(t, r, "c"); id != 6 {
		t.Fatalf("team %d after retryAfter, want 6", id)
	}
}

func TestNoticesDropCachedTeams(t *testing.T) {
	st := &fakeStore{byUser: map[string]int64{"a": 1, "b": 1}}
	r := New(st, st, nil)
	teamOf(t, r, "a")
	teamOf(t, r, "b")
	st.set("a", 2)
	st.set("b", 2)
	data, _ := json.Marshal("a")
	if !r.OnNotice(place.Notice{Kind: place.NoticeTeam, Data: data}) {
		t.Fatal("a team notice was not taken")
	}
	if r.OnNotice(place.Notice{Kind: place.NoticeEvent}) {
		t.Fatal("an event notice was taken for a team notice")
	}
	if a, b := teamOf(t, r, "a"), teamOf(t, r, "b"); a != 2 || b != 1 {
		t.Fatalf("after a notice for a: a=%d b=%d, want 2 and the cached 1", a, b)
	}
	// An empty user id (a deleted team) drops everyone's.
	r.OnNotice(place.Notice{Kind: place.NoticeTeam, Data: json.RawMessage(`""`)})
	if b := teamOf(t, r, "b"); b != 2 {
		t.Fatalf("after a notice for everyone: b=%d, want 2", b)
	}
}

func TestPickAndDeleteAnnounceTheChange(t *testing.T) {
	st := &fakeStore{byUser: map[string]int64{}}
	r := New(st, st, nil)
	teamOf(t, r, "a") // cached: no team
	if old, err := r.Pick(context.Background(), "a", 5); err != nil || old != 0 {
		t.Fatalf("Pick: %d %v", old, err)
	}
	if id := teamOf(t, r, "a"); id != 5 {
		t.Fatalf("this instance has team %d after the pick, want 5", id)
	}
	// The same team again changes nothing and announces nothing.
	if _, err := r.Pick(context.Background(), "a", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Delete(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	if id := teamOf(t, r, "a"); id != 0 {
		t.Fatalf("team %d after its deletion, want none", id)
	}
	want := []string{`"a"`, `""`}
	if len(st.notices) != len(want) {
		t.Fatalf("notices: %v", st.notices)
	}
	for i, n := range st.notices {
		if n.Kind != place.NoticeTeam || string(n.Data) != want[i] {
			t.Fatalf("notice %d: %s %s, want team %s", i, n.Kind, n.Data, want[i])
		}
	}
}

func TestCreateAndUpdateValidate(t *testing.T) {
	fs := &fakeStore{byUser: map[string]int64{}}
	r := New(fs, fs, nil)
	for _, c := range []struct {
		name  string
		color int
	}{{"", 1}, {"   ", 1}, {string(make([]rune, 33)), 1}, {"ok", -1}, {"ok", place.ColorCount}} {
		if _, err := r.Create(context.Background(), c.name, c.color); place.ErrorCode(err) != place.EVALIDATION {
			t.Errorf("Create(%q, %d): %v, want VALIDATION_ERROR", c.name, c.color, err)
		}
		if _, _, err := r.Update(context.Background(), 1, c.name, c.color); place.ErrorCode(err) != place.EVALIDATION {
			t.Errorf("Update(%q, %d): %v, want VALIDATION_ERROR", c.name, c.color, err)
		}
	}
}

// BenchmarkTeamOf is the cost the team adds to a placement once the
// player's team is cached: what every placement after a player's first pays.
func BenchmarkTeamOf(b *testing.B) {
	st := &fakeStore{byUser: map[string]int64{}}
	r := New(st, st, nil)
	users := make([]string, 10_000)
	for i := range users {
		users[i] = "user" + strconv.Itoa(i)
		st.byUser[users[i]] = int64(i % 8)
		if _, err := r.TeamOf(context.Background(), users[i]); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.TeamOf(context.Background(), users[n.Add(1)%int64(len(users))]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if st.reads != len(users) {
		b.Fatalf("%d store reads, want %d (one per player)", st.reads, len(users))
	}
}
