package leaderboard_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/teststores"
	"github.com/placecanvas/place/leaderboard"
)

// fromHistory counts every stored placement that is not a rollback, in the
// windows of period at now.
func fromHistory(t *testing.T, st place.Stores, period leaderboard.Period, now time.Time) ([]leaderboard.PlayerCount, []leaderboard.TeamCount) {
	t.Helper()
	players, teams := map[string]int64{}, map[int64]int64{}
	nowMin := now.Unix() / 60
	err := st.History.EachPlacement(context.Background(), func(p place.Placement) error {
		m := p.At.Unix() / 60
		switch {
		case p.Rollback:
		case period == leaderboard.Hour && m <= nowMin-60:
		case period == leaderboard.Day && m <= nowMin-1440:
		default:
			players[p.UserID]++
			if p.TeamID != 0 {
				teams[p.TeamID]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ps []leaderboard.PlayerCount
	for u, n := range players {
		ps = append(ps, leaderboard.PlayerCount{UserID: u, Count: n})
	}
	slices.SortFunc(ps, func(a, b leaderboard.PlayerCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.UserID, b.UserID))
	})
	var ts []leaderboard.TeamCount
	for id, n := range teams {
		ts = append(ts, leaderboard.TeamCount{ID: id, Count: n})
	}
	slices.SortFunc(ts, func(a, b leaderboard.TeamCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ID, b.ID))
	})
	return ps[:min(len(ps), 20)], ts
}

func check(t *testing.T, st place.Stores, b *leaderboard.Board, lastSeq uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.Seq() < lastSeq && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := st.History.WaitHistory(context.Background(), lastSeq); err != nil {
		t.Fatal(err)
	}
	for _, period := range []leaderboard.Period{leaderboard.Hour, leaderboard.Day, leaderboard.All} {
		now := time.Now()
		players, teams, err := b.Top(period, 20, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantPlayers, wantTeams := fromHistory(t, st, period, now)
		if fmt.Sprint(players) != fmt.Sprint(wantPlayers) || fmt.Sprint(teams) != fmt.Sprint(wantTeams) {
			t.Fatalf("%s at seq %d:\nboard   %v %v\nhistory %v %v", period, b.Seq(), players, teams, wantPlayers, wantTeams)
		}
		if len(players) == 0 {
			t.Fatalf("%s: nobody counted", period)
		}
	}
}

func TestLeaderboardEqualsHistory(t *testing.T) {
	teststores.Both(t, place.Config{Width: 32, Height: 32}, func(t *testing.T, open teststores.Opener) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st := open(t)
		rng := rand.New(rand.NewPCG(5, 25))
		now := time.Now()
		var teamIDs []int64
		for i := range 3 {
			team, err := st.Teams.CreateTeam(ctx, fmt.Sprintf("team %d", i), i)
			if err != nil {
				t.Fatal(err)
			}
			teamIDs = append(teamIDs, team.ID)
		}
		var players []place.Player
		for i := range 30 {
			u, err := st.Users.CreateGuest(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			players = append(players, place.Player{UserID: u.ID, TeamID: []int64{0, teamIDs[0], teamIDs[1], teamIDs[2]}[i%4]})
		}
		var last uint64
		// play makes n placements, a third of them in the last hour, most
		// in the last day, some older, with a player's rollback now and then.
		play := func(n int) {
			for i := range n {
				who := players[rng.IntN(len(players))]
				ago := []time.Duration{time.Duration(rng.IntN(59)) * time.Minute, time.Duration(rng.IntN(30)) * time.Hour}[rng.IntN(2)]
				p, _, err := st.Placer.Place(ctx, who, rng.IntN(32), rng.IntN(32), uint8(rng.IntN(16)), time.Now().Add(-ago))
				if err != nil {
					t.Fatal(err)
				}
				last = p.Seq
				if i%300 == 299 {
					if err := st.History.WaitHistory(ctx, last); err != nil {
						t.Fatal(err)
					}
					plan, err := st.History.RollbackPlan(ctx, who.UserID, now.Add(-48*time.Hour))
					if err != nil {
						t.Fatal(err)
					}
					if len(plan) > 0 {
						ps, err := st.Placer.PlaceRollback(ctx, "admin", plan, time.Now())
						if err != nil {
							t.Fatal(err)
						}
						last = ps[len(ps)-1].Seq
					}
				}
			}
		}
		play(800)
		b := leaderboard.New(leaderboard.Stores{Feed: st.Feed, Counts: st.Factions}, nil, nil)
		go b.Run(ctx)
		play(1200)
		check(t, st, b, last)
		// A restart loads the counts from history and agrees.
		again := leaderboard.New(leaderboard.Stores{Feed: st.Feed, Counts: st.Factions}, nil, nil)
		go again.Run(ctx)
		play(300)
		check(t, st, b, last)
		check(t, st, again, last)
	})
}
