package app_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/internal/wstest"
)

// TestClusterRestoresFromPgDump follows the README's cluster backup: a
// pg_dump taken while the instance runs, restored with pg_restore into a
// new database, and an instance started on it with an empty Redis (the
// worst case: Redis lost too). The canvas, the sequence and the accounts
// come back; only sessions and cooldowns, which live in Redis, are gone.
func TestClusterRestoresFromPgDump(t *testing.T) {
	pgDump := testenv.LookPath(t, "pg_dump", "apt-get install postgresql-client")
	pgRestore := testenv.LookPath(t, "pg_restore", "apt-get install postgresql-client")
	env := newClusterEnv(t)
	cluster := func(databaseURL, prefix string) func(*app.Config) {
		return func(c *app.Config) {
			c.RedisURL, c.DatabaseURL, c.RedisPrefix = env.redisURL, databaseURL, prefix
			c.Cooldown = 0
		}
	}
	srv := startServer(t, cluster(env.databaseURL, env.prefix))
	alice := srv.visitor(t)
	alice.register("alice", "a long enough password")
	ws := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	c := wstest.MustDial(t, ws, wstest.Options{Player: true})
	c.Expect(t, "welcome", 5*time.Second)
	c.Expect(t, "canvas", 5*time.Second)
	const n = 20
	for i := range n {
		if err := c.Place(i%16, i/16, 1+i%15, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
		c.Expect(t, "success", 3*time.Second)
		if i%15 == 14 {
			time.Sleep(time.Second) // the flood limit
		}
	}
	waitFor(t, "history in PostgreSQL", 10*time.Second, func() bool { got, _ := env.storedPlacements(t); return got == n })
	before := alice.get("/api/v1/canvas").Body

	// The dump is taken online, while the instance runs.
	dump := filepath.Join(t.TempDir(), "place.dump")
	if out, err := exec.Command(pgDump, "--format=custom", "--file", dump, env.databaseURL).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	restoredURL := testenv.NewPostgresDatabase(t)
	if out, err := exec.Command(pgRestore, "--no-owner", "--exit-on-error", "--dbname", restoredURL, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}

	// A new instance on the restored database and a Redis that knows
	// nothing of the event.
	restored := startServer(t, cluster(restoredURL, testenv.RedisPrefix(t)))
	r := restored.visitor(t).get("/api/v1/canvas")
	if r.Header.Get("X-Canvas-Seq") != fmt.Sprint(n) || r.Body != before {
		t.Fatalf("the instance on the restored dump: seq %q, canvas equal %v", r.Header.Get("X-Canvas-Seq"), r.Body == before)
	}
	// The account is in the dump; the session was in Redis.
	old := restored.visitor(t)
	old.setToken(alice.token())
	if code, me := old.me(); code == 200 && me["username"] == "alice" {
		t.Errorf("a session from before the restore still works: %v", me)
	}
	back := restored.visitor(t)
	back.login("alice", "a long enough password")
	// The sequence goes on after the restored history.
	d := wstest.MustDial(t, "ws"+strings.TrimPrefix(restored.URL, "http")+"/ws", wstest.Options{Player: true})
	d.Expect(t, "welcome", 5*time.Second)
	d.Expect(t, "canvas", 5*time.Second)
	if err := d.Place(15, 15, 3, "after"); err != nil {
		t.Fatal(err)
	}
	d.Expect(t, "success", 3*time.Second)
	if r := restored.visitor(t).get("/api/v1/canvas"); r.Header.Get("X-Canvas-Seq") != fmt.Sprint(n+1) {
		t.Errorf("the next placement after the restore is at seq %s, want %d", r.Header.Get("X-Canvas-Seq"), n+1)
	}
}
