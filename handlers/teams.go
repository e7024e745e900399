package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/teams"
	"github.com/placecanvas/place/views"
)

// teamsTTL is how long this instance serves one reading of the teams and
// their counts (which count the placements) before reading them again; a
// change made here is shown at once.
const teamsTTL = 2 * time.Second

// teamList caches the teams with their counts.
type teamList struct {
	roster *teams.Roster
	now    func() time.Time

	mu    sync.Mutex
	teams []place.Team
	at    time.Time
}

func (l *teamList) get(ctx context.Context) ([]place.Team, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.teams != nil && l.now().Sub(l.at) < teamsTTL {
		return l.teams, nil
	}
	ts, err := l.roster.Teams(ctx)
	if err != nil {
		return nil, err
	}
	l.teams, l.at = ts, l.now()
	return ts, nil
}

func (l *teamList) invalidate() {
	l.mu.Lock()
	l.teams = nil
	l.mu.Unlock()
}

// teamPages are the routes of the teams: the players' choice (the API and
// the form) and the organisers' page. Without a roster there are none, and
// the pages show no picker.
type teamPages struct {
	*web
	auditLog
	guests *identities
	roster *teams.Roster // nil: no teams
	list   *teamList
	stats  *statsCache // nil: no statistics page
}

// teamsView is the picker's data for the request's player (none: no
// session yet, or teams off).
func (s *teamPages) teamsView(ctx context.Context, userID, from string) (views.TeamsView, error) {
	v := views.TeamsView{From: from}
	if s.roster == nil {
		return v, nil
	}
	ts, err := s.list.get(ctx)
	if err != nil {
		return v, err
	}
	v.Teams = ts
	if userID != "" {
		if v.Current, err = s.roster.TeamOf(ctx, userID); err != nil {
			return v, err
		}
	}
	return v, nil
}

// pickerData is the picker of a page; teams that cannot be read leave
// the page without a picker rather than failing it.
func (s *teamPages) pickerData(c echo.Context, from string) views.TeamsView {
	var userID string
	if u := s.viewUser(c); u != nil {
		userID = u.ID
	}
	v, err := s.teamsView(s.ctx(c), userID, from)
	if err != nil {
		s.log.Warn("teams not read; the page has no team picker", "err", err)
		return views.TeamsView{From: from}
	}
	return v
}

// teamJSON is the answer of both team routes.
type teamJSON struct {
	Teams []place.Team `json:"teams"`
	// TeamID is the session's player's team (null: none or no session).
	TeamID *int64 `json:"teamId"`
	// ChangeEverySeconds is the least time between two changes of team.
	ChangeEverySeconds int `json:"changeEverySeconds"`
}

func (s *teamPages) teamAnswer(ctx context.Context, userID string) (teamJSON, error) {
	v, err := s.teamsView(ctx, userID, "")
	out := teamJSON{Teams: v.Teams, ChangeEverySeconds: int(place.TeamChangeInterval / time.Second)}
	if v.Current != 0 {
		out.TeamID = &v.Current
	}
	return out, err
}

// teamsAPI serves GET /api/v1/teams: the teams with their players and
// placements, and the session's player's team.
func (s *teamPages) teamsAPI(c echo.Context) error {
	ctx := s.ctx(c)
	u, _, err := s.currentUser(ctx)
	if err != nil {
		return err
	}
	out, err := s.teamAnswer(ctx, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// pickTeamAPI serves POST /api/v1/team {"teamId": id or null}: the
// session's player joins the team, or leaves theirs with null.
func (s *teamPages) pickTeamAPI(c echo.Context) error {
	ctx := s.ctx(c)
	var body map[string]json.RawMessage // to tell null from absent
	err := decodeOneJSON(c.Request().Body, &body)
	var tooLarge *echo.HTTPError
	if errors.As(err, &tooLarge) {
		return err
	}
	raw, ok := body["teamId"]
	if err != nil || !ok {
		return place.Errorf(place.EVALIDATION, `The body must be one JSON object {"teamId": a team's id, or null for no team}.`)
	}
	var id int64
	if string(raw) != "null" {
		if err := json.Unmarshal(raw, &id); err != nil || id <= 0 {
			return place.Errorf(place.EVALIDATION, "teamId must be a team's id (a positive whole number) or null.")
		}
	}
	u, ok, err := s.currentUser(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return place.Errorf(place.EUNAUTHORIZED, "No session yet; one is created when you first connect or place.")
	}
	if err := s.pickTeam(ctx, u.ID, id); err != nil {
		return err
	}
	out, err := s.teamAnswer(ctx, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// pickTeam changes the player's team and shows the new counts at once.
func (s *teamPages) pickTeam(ctx context.Context, userID string, id int64) error {
	if _, err := s.roster.Pick(ctx, userID, id); err != nil {
		return err
	}
	s.list.invalidate()
	return nil
}

// pickTeamByForm serves POST /team (field team: an id, or 0 for none),
// the picker without JavaScript. A visitor without a session gets a guest
// one, as a first placement would give them. It returns to the canvas
// (or, with from=account, the account page) with the outcome.
func (s *teamPages) pickTeamByForm(c echo.Context) error {
	ctx := s.ctx(c)
	id, err := strconv.ParseInt(formValue(c, "team"), 10, 64)
	if err != nil || id < 0 {
		return place.Errorf(place.EVALIDATION, "Choose a team, or no team.")
	}
	u, ok, err := s.currentUser(ctx)
	if err != nil {
		return err
	}
	if !ok {
		if u, err = s.guests.newGuestSession(ctx, c); err != nil {
			return err
		}
	}
	if err := s.pickTeam(ctx, u.ID, id); err != nil {
		return err
	}
	msg := "You play for no team now."
	if id != 0 {
		ts, err := s.list.get(ctx)
		if err != nil {
			return err
		}
		msg = "You play for " + views.TeamName(ts, id) + " now."
	}
	if formValue(c, "from") == "account" {
		s.sessions.Put(ctx, keyAccountFlash, msg)
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	s.sessions.Put(ctx, keyPlaceFlash, msg)
	return c.Redirect(http.StatusSeeOther, "/#flash")
}
