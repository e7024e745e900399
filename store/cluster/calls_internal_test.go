package cluster

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/placecanvas/place"
)

// startingPostgres is a server that answers every connection as a
// PostgreSQL that is starting up does: FATAL 57P03.
func startingPostgres(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				be := pgproto3.NewBackend(c, c)
				for {
					msg, err := be.ReceiveStartupMessage()
					if err != nil {
						return
					}
					if _, ok := msg.(*pgproto3.SSLRequest); ok {
						_, _ = c.Write([]byte("N"))
						continue
					}
					break
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"})
				_ = be.Flush()
			}()
		}
	}()
	return "postgres://postgres@" + ln.Addr().String() + "/place?connect_timeout=5"
}

// A PostgreSQL that is starting up (or shutting down, or out of
// resources) is unavailable, not an internal error; a wrong statement
// stays an internal error.
func TestPostgresUnavailableSQLStates(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := pgx.Connect(ctx, startingPostgres(t))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57P03" {
		t.Fatalf("connecting to a starting server: %v", err)
	}
	if got := place.ErrorCode(pgError(err)); got != place.EUNAVAILABLE {
		t.Errorf("starting up: %q, want %q (%v)", got, place.EUNAVAILABLE, pgError(err))
	}
	for code, want := range map[string]place.Code{
		"57P01": place.EUNAVAILABLE, // admin shutdown
		"57P02": place.EUNAVAILABLE, // crash shutdown
		"08006": place.EUNAVAILABLE, // connection failure
		"53100": place.EUNAVAILABLE, // disk full
		"53300": place.EUNAVAILABLE, // too many connections
		"42P01": place.EINTERNAL,    // undefined table
		"57014": place.EINTERNAL,    // query cancelled
	} {
		if got := place.ErrorCode(pgError(&pgconn.PgError{Code: code})); got != want {
			t.Errorf("SQLSTATE %s: %q, want %q", code, got, want)
		}
	}
	if err := pgError(&pgconn.PgError{Code: "23505"}); !isUniqueViolation(err) {
		t.Errorf("a unique violation is no longer recognisable: %v", err)
	}
}
