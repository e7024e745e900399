package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// RunTeams runs the contract of place.Teams, and of the per-team counts
// of placements, against stores made by open.
func RunTeams(t *testing.T, open Opener) {
	for _, tt := range []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"CreateRenameDelete", testTeamsAdmin},
		{"AtMostMaxTeams", testMaxTeams},
		{"PlayersPickOncePerMinute", testUserTeam},
		{"PlacementsCountForTheirTeam", testTeamPlacements},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

func mustTeam(t *testing.T, s place.Stores, name string, color int) place.Team {
	t.Helper()
	team, err := s.Teams.CreateTeam(ctx(t), name, color)
	if err != nil || team.ID == 0 || team.Name != name || team.Color != color {
		t.Fatalf("CreateTeam(%s): %+v %v", name, team, err)
	}
	return team
}

func listTeams(t *testing.T, s place.Stores) []place.Team {
	t.Helper()
	teams, err := s.Teams.Teams(ctx(t))
	if err != nil {
		t.Fatalf("Teams: %v", err)
	}
	return teams
}

func testTeamsAdmin(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	if got := listTeams(t, s); len(got) != 0 {
		t.Fatalf("a new store has teams: %+v", got)
	}
	red := mustTeam(t, s, "Red", 5)
	blue := mustTeam(t, s, "Blue", 12)
	_, err := s.Teams.CreateTeam(ctx(t), "rED", 1)
	wantCode(t, err, place.EVALIDATION)
	old, upd, err := s.Teams.UpdateTeam(ctx(t), red.ID, "Crimson", 4)
	if err != nil || old.Name != "Red" || old.Color != 5 || upd.Name != "Crimson" || upd.Color != 4 {
		t.Fatalf("UpdateTeam: %+v %+v %v", old, upd, err)
	}
	// Another team's name, in any case, is refused and changes nothing;
	// a team may change the case of its own name.
	_, _, err = s.Teams.UpdateTeam(ctx(t), red.ID, "BLUE", 4)
	wantCode(t, err, place.EVALIDATION)
	if _, _, err := s.Teams.UpdateTeam(ctx(t), red.ID, "CRIMSON", 4); err != nil {
		t.Fatalf("recase own name: %v", err)
	}
	_, _, err = s.Teams.UpdateTeam(ctx(t), 9999, "Ghost", 1)
	wantCode(t, err, place.ENOTFOUND)
	got := listTeams(t, s)
	if len(got) != 2 || got[0].Name != "CRIMSON" || got[0].Color != 4 || got[1].ID != blue.ID {
		t.Fatalf("Teams: %+v", got)
	}

	u := newUser(t, s, "teamdel")
	if _, err := s.Teams.SetUserTeam(ctx(t), u.ID, blue.ID, base()); err != nil {
		t.Fatal(err)
	}
	del, err := s.Teams.DeleteTeam(ctx(t), blue.ID)
	if err != nil || del.Name != "Blue" || del.Players != 1 {
		t.Fatalf("DeleteTeam: %+v %v", del, err)
	}
	_, err = s.Teams.DeleteTeam(ctx(t), blue.ID)
	wantCode(t, err, place.ENOTFOUND)
	if id, err := s.Teams.UserTeam(ctx(t), u.ID); err != nil || id != 0 {
		t.Fatalf("a deleted team's player is in team %d (%v), want none", id, err)
	}
	// The name is free again.
	mustTeam(t, s, "blue", 3)
}

func testMaxTeams(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	var wg sync.WaitGroup
	errs := make([]error, place.MaxTeams+8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Teams.CreateTeam(ctx(t), fmt.Sprintf("team %d", i), i%place.ColorCount)
		}()
	}
	wg.Wait()
	refused := 0
	for _, err := range errs {
		if err != nil {
			wantCode(t, err, place.EVALIDATION)
			refused++
		}
	}
	if n := len(listTeams(t, s)); n != place.MaxTeams || refused != 8 {
		t.Fatalf("%d teams, %d refused; want %d and 8", n, refused, place.MaxTeams)
	}
}

func testUserTeam(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	red, blue := mustTeam(t, s, "Red", 5), mustTeam(t, s, "Blue", 12)
	u := newUser(t, s, "picker")
	now := base()
	if id, err := s.Teams.UserTeam(ctx(t), u.ID); err != nil || id != 0 {
		t.Fatalf("a new player is in team %d (%v)", id, err)
	}
	_, err := s.Teams.SetUserTeam(ctx(t), u.ID, 424242, now)
	wantCode(t, err, place.ENOTFOUND)
	if old, err := s.Teams.SetUserTeam(ctx(t), u.ID, red.ID, now); err != nil || old != 0 {
		t.Fatalf("first pick: %d %v", old, err)
	}
	// The same team again is no change and is not limited.
	if old, err := s.Teams.SetUserTeam(ctx(t), u.ID, red.ID, now.Add(time.Second)); err != nil || old != red.ID {
		t.Fatalf("same team: %d %v", old, err)
	}
	_, err = s.Teams.SetUserTeam(ctx(t), u.ID, blue.ID, now.Add(59*time.Second))
	wantCode(t, err, place.ERATELIMITED)
	if pe := err.(*place.Error); pe.RemainingSeconds != 1 {
		t.Fatalf("remaining %d s, want 1", pe.RemainingSeconds)
	}
	_, err = s.Teams.SetUserTeam(ctx(t), u.ID, 0, now.Add(30*time.Second))
	wantCode(t, err, place.ERATELIMITED)
	if id, _ := s.Teams.UserTeam(ctx(t), u.ID); id != red.ID {
		t.Fatalf("a refused change moved the player to %d", id)
	}
	if old, err := s.Teams.SetUserTeam(ctx(t), u.ID, blue.ID, now.Add(time.Minute)); err != nil || old != red.ID {
		t.Fatalf("change after a minute: %d %v", old, err)
	}
	if old, err := s.Teams.SetUserTeam(ctx(t), u.ID, 0, now.Add(2*time.Minute)); err != nil || old != blue.ID {
		t.Fatalf("leave: %d %v", old, err)
	}
	players := map[int64]int64{}
	for _, team := range listTeams(t, s) {
		players[team.ID] = team.Players
	}
	if players[red.ID] != 0 || players[blue.ID] != 0 {
		t.Fatalf("players per team after leaving: %v", players)
	}
}

func testTeamPlacements(t *testing.T, open Opener) {
	cfg := DefaultConfig
	cfg.Cooldown = 0
	s := open(t, cfg)
	red, blue := mustTeam(t, s, "Red", 5), mustTeam(t, s, "Blue", 12)
	a, b, c := newUser(t, s, "ta"), newUser(t, s, "tb"), newUser(t, s, "tc")
	now := base()
	for _, u := range []place.User{a, b} {
		if _, err := s.Teams.SetUserTeam(ctx(t), u.ID, red.ID, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Teams.SetUserTeam(ctx(t), c.ID, blue.ID, now); err != nil {
		t.Fatal(err)
	}
	place3 := func(u place.User, team int64, n int) {
		for i := range n {
			p, _, err := s.Placer.Place(ctx(t), place.Player{UserID: u.ID, TeamID: team}, i, 1, 3, now.Add(time.Duration(i)*time.Millisecond))
			if err != nil || p.TeamID != team {
				t.Fatalf("Place: %+v %v", p, err)
			}
		}
	}
	place3(a, red.ID, 3)
	place3(b, red.ID, 2)
	place3(c, blue.ID, 4)
	place3(c, 0, 1) // placed while in no team
	if _, err := s.Placer.PlaceRollback(ctx(t), a.ID, []place.Pixel{{X: 0, Y: 1, Color: 0}, {X: 1, Y: 1}}, now); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	want := map[int64][2]int64{red.ID: {2, 5}, blue.ID: {1, 4}}
	check := func(teams []place.Team, what string) {
		t.Helper()
		if len(teams) != 2 {
			t.Fatalf("%s: %+v", what, teams)
		}
		for _, team := range teams {
			if got := [2]int64{team.Players, team.Placements}; got != want[team.ID] {
				t.Fatalf("%s: team %s has players, placements %v, want %v", what, team.Name, got, want[team.ID])
			}
		}
	}
	check(listTeams(t, s), "Teams")
	st, err := s.Stats.EventStats(ctx(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	check(st.Teams, "EventStats")
	// A placement counts for the team the player was in when placing: a
	// player who moves on takes no placements along.
	if _, err := s.Teams.SetUserTeam(ctx(t), c.ID, red.ID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	want = map[int64][2]int64{red.ID: {3, 5}, blue.ID: {0, 4}}
	check(listTeams(t, s), "after a change")
}
