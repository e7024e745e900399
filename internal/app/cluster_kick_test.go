package app_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/store/cluster"
)

// killNoticeReader closes the Redis connection on which ts reads notices
// (kicks), as a network fault or a Redis restart would, and returns how
// many connections were killed.
func killNoticeReader(t *testing.T, redisURL string, ts *testServer) int {
	t.Helper()
	name := ts.App.Store.Notices.(*cluster.Notices).NoticeClient()
	c, err := redis.DialURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list, err := redis.String(c.Do("CLIENT", "LIST"))
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		var id string
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if f == "name="+name && id != "" {
				n, err := redis.Int(c.Do("CLIENT", "KILL", "ID", id))
				if err != nil {
					t.Fatal(err)
				}
				killed += n
			}
		}
	}
	return killed
}

// A ban issued on one instance while the other's notice connection is being
// re-established still closes the victim's socket there within a second.
func TestClusterKickDuringNoticeReconnect(t *testing.T) {
	env := newClusterEnv(t)
	one := startWith(t, env.config(t, nil))
	two := startWith(t, env.config(t, nil))
	mod := client()
	if r := postJSON(t, mod, one.URL+"/api/v1/auth/register", map[string]string{"username": "moderator", "password": "another long password"}); r.StatusCode != 200 {
		t.Fatalf("register: %d", r.StatusCode)
	}
	ctx := context.Background()
	m, _ := one.App.Store.Users.UserByName(ctx, "moderator")
	if err := one.App.Store.Users.SetAdmin(ctx, m.ID, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "instance two's notice reader", 5*time.Second, func() bool { return len(noticeReaders(t, env.redisURL, two)) == 1 })
	for round := range 5 {
		victim, w, _ := two.dialReady(t, wstest.Options{})
		if n := killNoticeReader(t, env.redisURL, two); n != 1 {
			t.Fatalf("round %d: killed %d notice connections of instance two, want 1", round, n)
		}
		id := w.UserID
		start := time.Now()
		resp, err := mod.PostForm(one.URL+"/admin/users/"+id+"/ban", url.Values{"reason": {"vandalism"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusOK {
			t.Fatalf("ban: %d", resp.StatusCode)
		}
		if code := victim.WaitClosed(t, 3*time.Second); code != 1008 {
			t.Errorf("round %d: victim's socket closed with %d, want 1008", round, code)
		}
		d := time.Since(start)
		t.Logf("round %d: banned during the reconnect; socket on the other instance closed %v after the ban", round, d.Round(time.Millisecond))
		if d > time.Second {
			t.Errorf("round %d: socket closed %v after the ban, want ≤ 1s", round, d)
		}
	}
}

// noticeReaders lists the Redis client ids of ts's notice connections.
func noticeReaders(t *testing.T, redisURL string, ts *testServer) []string {
	t.Helper()
	c, err := redis.DialURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list, err := redis.String(c.Do("CLIENT", "LIST"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, " name="+ts.App.Store.Notices.(*cluster.Notices).NoticeClient()+" ") {
			id, _, _ := strings.Cut(strings.TrimPrefix(line, "id="), " ")
			ids = append(ids, id)
		}
	}
	return ids
}

// Kicks at random intervals of 0.5–11 s, some of them right after the
// notice connection was killed: every one closes its socket on the other
// instance within a second. PLACE_SOAK=1 runs it for 60 s instead of 20 s.
func TestClusterKickSoak(t *testing.T) {
	env := newClusterEnv(t)
	one := startWith(t, env.config(t, nil))
	two := startWith(t, env.config(t, nil))
	length := 20 * time.Second
	if os.Getenv("PLACE_SOAK") == "1" {
		length = 60 * time.Second
	}
	waitFor(t, "instance two's notice reader", 5*time.Second, func() bool { return len(noticeReaders(t, env.redisURL, two)) == 1 })
	end := time.Now().Add(length)
	var kicks, killed int
	var worst time.Duration
	for time.Now().Before(end) {
		before := noticeReaders(t, env.redisURL, two)
		time.Sleep(time.Duration(500+rand.IntN(10_500)) * time.Millisecond)
		// A quiet channel keeps its connection.
		if after := noticeReaders(t, env.redisURL, two); len(after) != 1 || len(before) != 1 || after[0] != before[0] {
			t.Errorf("the notice connection changed on a quiet channel: %v, then %v", before, after)
		}
		sock, w, _ := two.dialReady(t, wstest.Options{})
		if rand.IntN(3) == 0 {
			killed += killNoticeReader(t, env.redisURL, two)
		}
		start := time.Now()
		if err := one.App.Store.Kicks.PublishKick(context.Background(), place.Kick{UserID: w.UserID, Reason: "banned"}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-sock.Closed():
		case <-time.After(5 * time.Second):
			t.Fatalf("kick %d was not delivered within 5s", kicks+1)
		}
		d := time.Since(start)
		kicks++
		worst = max(worst, d)
		if d > time.Second {
			t.Errorf("kick %d closed its socket after %v, want ≤ 1s", kicks, d)
		}
	}
	t.Logf("%v soak: %d kicks, %d right after the notice connection was killed, none missed, slowest %v", length, kicks, killed, worst.Round(time.Millisecond))
}
