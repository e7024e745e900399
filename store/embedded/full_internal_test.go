package embedded

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// A database that cannot grow (a full disk, simulated with max_page_count
// on the single writer connection) answers SERVICE_UNAVAILABLE, not an
// internal error, for new guests, accounts and sessions, and is not ready;
// once it can grow again, both recover.
func TestFullDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: t.TempDir(), Config: place.Config{Width: 8, Height: 8}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("ready before: %v", err)
	}
	var pages int
	if err := s.wdb.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.ExecContext(ctx, `PRAGMA max_page_count = `+strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	// Each kind of write fills the room its pages have left, then fails.
	fill := func(what string, write func(i int) error) {
		t.Helper()
		for i := range 10000 {
			if err := write(i); err != nil {
				if got := place.ErrorCode(err); got != place.EUNAVAILABLE {
					t.Errorf("%s on a full database: %q (%v), want %q", what, got, err, place.EUNAVAILABLE)
				}
				return
			}
		}
		t.Errorf("%s: the database never filled up", what)
	}
	fill("a new guest", func(int) error { _, err := s.Users.CreateGuest(ctx, time.Now()); return err })
	fill("a new account", func(i int) error {
		_, err := s.Users.CreateAccount(ctx, "someone"+strconv.Itoa(i), []byte("hash"), time.Now())
		return err
	})
	fill("a new session", func(i int) error {
		return s.sessions.Commit("token-"+strconv.Itoa(i), make([]byte, 512), time.Now().Add(time.Hour))
	})
	if err := s.Ready(ctx); place.ErrorCode(err) != place.EUNAVAILABLE {
		t.Errorf("ready on a full database: %v, want SERVICE_UNAVAILABLE", err)
	}

	if _, err := s.wdb.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("ready once the database can grow: %v", err)
	}
	if _, err := s.Users.CreateGuest(ctx, time.Now()); err != nil {
		t.Errorf("a new guest once the database can grow: %v", err)
	}
}
