package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/leaderboard"
)

// leaderboardTop is how many players and teams a leaderboard lists.
const leaderboardTop = 20

// Leaders is the leaderboard the handlers read.
type Leaders interface {
	Top(period leaderboard.Period, n int, maxAge time.Duration) ([]leaderboard.PlayerCount, []leaderboard.TeamCount, error)
}

// leaderboardAPI serves GET /api/v1/leaderboard.
type leaderboardAPI struct {
	board Leaders
	names *publicNames
	// teams lists the teams (nil: no teams).
	teams func(context.Context) ([]place.Team, error)
}

// leaderJSON is one player of a leaderboard; Username is null for a
// player who may not be named (a guest, or one who opted out).
type leaderJSON struct {
	Username   *string `json:"username"`
	Placements int64   `json:"placements"`
}

type teamLeaderJSON struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Color      int    `json:"color"`
	Placements int64  `json:"placements"`
}

type leaderboardJSON struct {
	Period  leaderboard.Period `json:"period"`
	Players []leaderJSON       `json:"players"`
	Teams   []teamLeaderJSON   `json:"teams"`
}

func (l *leaderboardAPI) get(c echo.Context) error {
	period, err := leaderboard.ParsePeriod(cmp.Or(c.QueryParam("period"), string(leaderboard.All)))
	if err != nil {
		return err
	}
	out, err := l.read(c.Request().Context(), period)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, out)
}

// read names the leaderboard of period.
func (l *leaderboardAPI) read(ctx context.Context, period leaderboard.Period) (leaderboardJSON, error) {
	out := leaderboardJSON{Period: period, Players: []leaderJSON{}, Teams: []teamLeaderJSON{}}
	players, teams, err := l.board.Top(period, leaderboardTop, leaderboard.TopReuse)
	if errors.Is(err, leaderboard.ErrNotReady) {
		return out, place.ErrUnavailable
	}
	if err != nil {
		return out, err
	}
	ids := make([]string, len(players))
	for i, p := range players {
		ids[i] = p.UserID
	}
	names, err := l.names.lookup(ctx, ids)
	if err != nil {
		return out, err
	}
	for _, p := range players {
		e := leaderJSON{Placements: p.Count}
		if n := names[p.UserID]; n != "" {
			e.Username = &n
		}
		out.Players = append(out.Players, e)
	}
	if l.teams == nil || len(teams) == 0 {
		return out, nil
	}
	list, err := l.teams(ctx)
	if err != nil {
		return out, err
	}
	byID := make(map[int64]place.Team, len(list))
	for _, t := range list {
		byID[t.ID] = t
	}
	for _, tc := range teams { // a deleted team's placements count for no one
		if t, ok := byID[tc.ID]; ok && len(out.Teams) < leaderboardTop {
			out.Teams = append(out.Teams, teamLeaderJSON{ID: t.ID, Name: t.Name, Color: t.Color, Placements: tc.Count})
		}
	}
	return out, nil
}
