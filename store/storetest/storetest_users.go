package storetest

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func testUsers(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	g1, g2 := checkGuests(t, s, now)
	alice := checkCreateAccount(t, s, now)
	checkUpgradeGuest(t, s, g1, g2)
	checkSetAdmin(t, s, alice)
	checkSetBan(t, s, g2)
}

// checkGuests creates two guests and checks them and the lookups of users
// that do not exist.
func checkGuests(t *testing.T, s place.Stores, now time.Time) (g1, g2 place.User) {
	t.Helper()
	g1, err := s.Users.CreateGuest(ctx(t), now)
	if err != nil {
		t.Fatal(err)
	}
	g2, err = s.Users.CreateGuest(ctx(t), now)
	if err != nil {
		t.Fatal(err)
	}
	if !guestName.MatchString(g1.Username) || !g1.IsGuest || g1.ID == "" || g1.ID == g2.ID || g1.Username == g2.Username {
		t.Errorf("guests %+v and %+v", g1, g2)
	}
	if !g1.CreatedAt.Equal(now) {
		t.Errorf("guest created at %v, want %v", g1.CreatedAt, now)
	}
	if u, err := s.Users.UserByID(ctx(t), g1.ID); err != nil || u.Username != g1.Username || !u.IsGuest {
		t.Errorf("UserByID(guest) = %+v, %v", u, err)
	}
	_, err = s.Users.UserByID(ctx(t), "no-such-id")
	wantCode(t, err, place.ENOTFOUND)
	_, err = s.Users.UserByName(ctx(t), "nobody")
	wantCode(t, err, place.ENOTFOUND)
	return g1, g2
}

// checkCreateAccount registers Alice and checks that names are unique
// regardless of case.
func checkCreateAccount(t *testing.T, s place.Stores, now time.Time) place.User {
	t.Helper()
	alice, err := s.Users.CreateAccount(ctx(t), "Alice", []byte("h1"), now)
	if err != nil {
		t.Fatal(err)
	}
	if alice.IsGuest || alice.IsAdmin || alice.Banned || string(alice.PasswordHash) != "h1" || alice.Username != "Alice" {
		t.Errorf("CreateAccount = %+v", alice)
	}
	if u, err := s.Users.UserByName(ctx(t), "aLiCe"); err != nil || u.ID != alice.ID || u.Username != "Alice" {
		t.Errorf("UserByName is not case-insensitive: %+v, %v", u, err)
	}
	_, err = s.Users.CreateAccount(ctx(t), "ALICE", []byte("h2"), now)
	wantCode(t, err, place.EUSERNAMETAKEN)
	return alice
}

// checkUpgradeGuest registers g1 as Carol, keeping its id, and checks that
// a failed upgrade of g2 changes nothing.
func checkUpgradeGuest(t *testing.T, s place.Stores, g1, g2 place.User) {
	t.Helper()
	up, err := s.Users.UpgradeGuest(ctx(t), g1.ID, "Carol", []byte("h3"))
	if err != nil {
		t.Fatal(err)
	}
	if up.ID != g1.ID || up.IsGuest || up.Username != "Carol" || string(up.PasswordHash) != "h3" {
		t.Errorf("UpgradeGuest = %+v, want id %s kept, registered as Carol", up, g1.ID)
	}
	if u, err := s.Users.UserByName(ctx(t), "carol"); err != nil || u.ID != g1.ID {
		t.Errorf("upgraded guest by name: %+v, %v", u, err)
	}
	_, err = s.Users.UpgradeGuest(ctx(t), g2.ID, "alice", []byte("h4"))
	wantCode(t, err, place.EUSERNAMETAKEN)
	if u, _ := s.Users.UserByID(ctx(t), g2.ID); !u.IsGuest || u.Username != g2.Username {
		t.Errorf("a failed upgrade changed the guest: %+v", u)
	}
	_, err = s.Users.UpgradeGuest(ctx(t), "no-such-id", "Dave", []byte("h5"))
	wantCode(t, err, place.ENOTFOUND)
}

func checkSetAdmin(t *testing.T, s place.Stores, alice place.User) {
	t.Helper()
	if err := s.Users.SetAdmin(ctx(t), alice.ID, true); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Users.UserByID(ctx(t), alice.ID); !u.IsAdmin {
		t.Error("SetAdmin(true) did not make an admin")
	}
	if err := s.Users.SetAdmin(ctx(t), alice.ID, false); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Users.UserByID(ctx(t), alice.ID); u.IsAdmin {
		t.Error("SetAdmin(false) did not revoke")
	}
	wantCode(t, s.Users.SetAdmin(ctx(t), "no-such-id", true), place.ENOTFOUND)
}

func checkSetBan(t *testing.T, s place.Stores, g2 place.User) {
	t.Helper()
	if err := s.Users.SetBan(ctx(t), g2.ID, true, "spam"); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Users.UserByID(ctx(t), g2.ID); !u.Banned || u.BanReason != "spam" {
		t.Errorf("after SetBan: %+v", u)
	}
	if err := s.Users.SetBan(ctx(t), g2.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Users.UserByID(ctx(t), g2.ID); u.Banned {
		t.Errorf("after lifting the ban: %+v", u)
	}
	wantCode(t, s.Users.SetBan(ctx(t), "no-such-id", true, "x"), place.ENOTFOUND)
}

func testSearchUsers(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	for _, name := range []string{"painter", "Painter2", "bob", "a_b"} {
		newUser(t, s, name)
	}
	guest, err := s.Users.CreateGuest(ctx(t), base())
	if err != nil {
		t.Fatal(err)
	}
	names := func(q string, limit int) []string {
		users, err := s.Users.SearchUsers(ctx(t), q, limit)
		if err != nil {
			t.Fatalf("SearchUsers(%q): %v", q, err)
		}
		var out []string
		for _, u := range users {
			out = append(out, u.Username)
		}
		sort.Strings(out)
		return out
	}
	if got := names("PAINT", 10); !slices.Equal(got, []string{"Painter2", "painter"}) {
		t.Errorf("search PAINT = %v", got)
	}
	if got := names("paint", 1); len(got) != 1 {
		t.Errorf("search with limit 1 = %v", got)
	}
	if got := names("_", 10); !slices.Contains(got, "a_b") || !slices.Contains(got, guest.Username) || slices.Contains(got, "bob") {
		t.Errorf("search _ (a literal underscore) = %v", got)
	}
	if got := names(guest.Username[6:], 10); !slices.Equal(got, []string{guest.Username}) {
		t.Errorf("guests are found too: %v", got)
	}
	if got := names("zzz", 10); len(got) != 0 {
		t.Errorf("search zzz = %v", got)
	}
}

func testAuditLog(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	for i, action := range []string{"ban", "rollback", "unban"} {
		if err := s.Users.AddAudit(ctx(t), place.AuditEntry{
			At: now.Add(time.Duration(i) * time.Second), ActorID: "m1", ActorName: "mod",
			Action: action, TargetID: "u1", TargetName: "vandal", Detail: fmt.Sprintf("detail %d", i),
		}); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.Users.AuditLog(ctx(t), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[0].Action != "unban" || log[1].Action != "rollback" || log[2].Action != "ban" {
		t.Fatalf("AuditLog = %+v, want unban, rollback, ban", log)
	}
	e := log[2]
	if e.ID == 0 || !e.At.Equal(now) || e.ActorID != "m1" || e.ActorName != "mod" || e.TargetID != "u1" || e.TargetName != "vandal" || e.Detail != "detail 0" {
		t.Errorf("audit entry = %+v", e)
	}
	older, err := s.Users.AuditLog(ctx(t), log[0].ID, 1)
	if err != nil || len(older) != 1 || older[0].ID != log[1].ID {
		t.Errorf("AuditLog before %d = %+v, %v", log[0].ID, older, err)
	}
}
