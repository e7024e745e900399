package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/embedded"
)

// seedUsers creates a registered user and a guest in a database made with
// a canvas size other than the default, as a running server would have.
func seedUsers(t *testing.T, dir string) (account, guest place.User) {
	t.Helper()
	ctx := context.Background()
	st, err := embedded.Open(ctx, embedded.Options{DataDir: dir, Config: place.Config{Width: 64, Height: 32, Cooldown: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	account, err = st.Users.CreateAccount(ctx, "Alice", []byte("hash"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	guest, err = st.Users.CreateGuest(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return account, guest
}

func storedUser(t *testing.T, dir, name string) place.User {
	t.Helper()
	st, err := embedded.Open(context.Background(), embedded.Options{DataDir: dir, Config: place.Config{Width: 64, Height: 32}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.Users.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAdminGrantAndRevoke(t *testing.T) {
	dir := t.TempDir()
	_, guest := seedUsers(t, dir)
	noEnv := func(string) string { return "" }

	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		admin  bool
		output string
	}{
		// Only the storage flags are needed: the canvas size is not.
		{"grant", []string{"admin", "grant", "alice", "--data-dir", dir}, nil, 0, true, "Alice: admin rights granted"},
		{"revoke with flags first", []string{"admin", "revoke", "--data-dir", dir, "ALICE"}, nil, 0, false, "revoked"},
		{"grant from the environment", []string{"admin", "grant", "Alice"}, map[string]string{"PLACE_DATA_DIR": dir}, 0, true, "granted"},
		{"unknown user", []string{"admin", "grant", "bob", "--data-dir", dir}, nil, 1, true, "No such user"},
		{"guest", []string{"admin", "grant", guest.Username, "--data-dir", dir}, nil, 1, true, "is a guest"},
		{"no user", []string{"admin", "grant", "--data-dir", dir}, nil, 2, true, "Usage"},
		{"bad action", []string{"admin", "promote", "alice"}, nil, 2, true, "Usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := noEnv
			if tc.env != nil {
				getenv = func(k string) string { return tc.env[k] }
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, getenv, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, stdout.String(), stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tc.output) {
				t.Fatalf("output %q lacks %q", out, tc.output)
			}
			if u := storedUser(t, dir, "alice"); u.IsAdmin != tc.admin {
				t.Fatalf("IsAdmin = %v, want %v", u.IsAdmin, tc.admin)
			}
		})
	}

	st, err := embedded.Open(context.Background(), embedded.Options{DataDir: dir, Config: place.Config{Width: 64, Height: 32}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	audit, _ := st.Users.AuditLog(context.Background(), 0, 10)
	if len(audit) != 3 || audit[2].Action != "grant" || audit[1].Action != "revoke" || audit[0].ActorName != "command line" {
		t.Fatalf("audit log: %+v", audit)
	}
}

// On an empty data directory the command records no canvas size, so that
// a later `serve --width …` is not refused.
func TestAdminOnEmptyDataDirLeavesTheSizeOpen(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if code := run(context.Background(), []string{"admin", "grant", "nobody", "--data-dir", dir}, func(string) string { return "" }, &out, &out); code != 1 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	st, err := embedded.Open(context.Background(), embedded.Options{DataDir: dir, Config: place.Config{Width: 7, Height: 9}})
	if err != nil {
		t.Fatalf("serve after admin on an empty directory: %v", err)
	}
	st.Close()
}
