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
	// Fill the free room the pages have left.
	var full error
	for i := 0; i < 10000 && full == nil; i++ {
		_, full = s.CreateGuest(ctx, time.Now())
	}
	if full == nil {
		t.Fatal("the database never filled up")
	}
	if got := place.ErrorCode(full); got != place.EUNAVAILABLE {
		t.Errorf("a new guest on a full database: %q (%v), want %q", got, full, place.EUNAVAILABLE)
	}
	if _, err := s.CreateAccount(ctx, "someone", []byte("hash"), time.Now()); place.ErrorCode(err) != place.EUNAVAILABLE {
		t.Errorf("a new account on a full database: %v", err)
	}
	if err := s.Sessions().Commit("token-1", make([]byte, 8192), time.Now().Add(time.Hour)); place.ErrorCode(err) != place.EUNAVAILABLE {
		t.Errorf("a new session on a full database: %v", err)
	}
	if err := s.Ready(ctx); place.ErrorCode(err) != place.EUNAVAILABLE {
		t.Errorf("ready on a full database: %v, want SERVICE_UNAVAILABLE", err)
	}

	if _, err := s.wdb.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("ready once the database can grow: %v", err)
	}
	if _, err := s.CreateGuest(ctx, time.Now()); err != nil {
		t.Errorf("a new guest once the database can grow: %v", err)
	}
}
