package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// adminTeams serves GET /admin/teams.
func (s *teamPages) adminTeams(c echo.Context) error {
	return s.renderTeams(c, http.StatusOK, views.TeamForm{Color: 5}, "")
}

func (s *teamPages) renderTeams(c echo.Context, status int, form views.TeamForm, errMsg string) error {
	ts, err := s.roster.Teams(s.ctx(c)) // uncached: the organiser sees every change
	if err != nil {
		return err
	}
	return render(c, status, views.AdminTeams(views.AdminTeamsData{
		User: infoOf(adminOf(c)), Teams: ts, Palette: place.Palette, Max: place.MaxTeams,
		Form: form, Flash: s.sessions.PopString(s.ctx(c), keyFlash), Error: errMsg,
	}))
}

// teamForm reads the name and color fields; a color that is not a
// number is one no palette has.
func teamForm(c echo.Context) views.TeamForm {
	f := views.TeamForm{Name: c.FormValue("name"), Color: -1}
	if n, err := strconv.Atoi(formValue(c, "color")); err == nil {
		f.Color = n
	}
	return f
}

// teamFailed shows the page again with a validation message; other
// errors (an unknown team, a store that is down) are the usual pages.
func (s *teamPages) teamFailed(c echo.Context, form views.TeamForm, err error) error {
	var e *place.Error
	if errors.As(err, &e) && e.Code == place.EVALIDATION {
		return s.renderTeams(c, http.StatusBadRequest, form, e.Message)
	}
	return err
}

func (s *teamPages) afterTeams(c echo.Context, action, detail, msg string) error {
	if err := s.audit(s.ctx(c), adminOf(c), place.User{}, action, detail); err != nil {
		return err
	}
	s.list.invalidate()
	if s.stats != nil {
		s.stats.invalidate()
	}
	s.sessions.Put(s.ctx(c), keyFlash, msg)
	return c.Redirect(http.StatusSeeOther, "/admin/teams")
}

func teamWords(t place.Team) string {
	return fmt.Sprintf("“%s” (%s)", t.Name, place.ColorName(t.Color))
}

// adminTeamCreate serves POST /admin/teams (fields name, color).
func (s *teamPages) adminTeamCreate(c echo.Context) error {
	form := teamForm(c)
	t, err := s.roster.Create(s.ctx(c), form.Name, form.Color)
	if err != nil {
		return s.teamFailed(c, form, err)
	}
	return s.afterTeams(c, "team-create", "created team "+teamWords(t), "Created the team "+t.Name+".")
}

func teamID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, place.Errorf(place.ENOTFOUND, "There is no team “%s”.", c.Param("id"))
	}
	return id, nil
}

// adminTeamUpdate serves POST /admin/teams/{id} (fields name, color).
func (s *teamPages) adminTeamUpdate(c echo.Context) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	form := teamForm(c)
	old, t, err := s.roster.Update(s.ctx(c), id, form.Name, form.Color)
	if err != nil {
		return s.teamFailed(c, views.TeamForm{Color: 5}, err)
	}
	detail := fmt.Sprintf("changed team %d from %s to %s", id, teamWords(old), teamWords(t))
	return s.afterTeams(c, "team-update", detail, "Saved the team "+t.Name+".")
}

// adminTeamDelete serves POST /admin/teams/{id}/delete.
func (s *teamPages) adminTeamDelete(c echo.Context) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	t, err := s.roster.Delete(s.ctx(c), id)
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("deleted team %d %s (%d players left without a team)", id, teamWords(t), t.Players)
	return s.afterTeams(c, "team-delete", detail, "Deleted the team "+t.Name+"; its players have no team now.")
}
