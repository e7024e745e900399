package views

import (
	"strconv"

	"github.com/placecanvas/place"
)

// TeamsView is the team picker: the teams and the player's own.
type TeamsView struct {
	Teams   []place.Team
	Current int64 // 0: no team
	// From is where the no-JavaScript form returns: "account" for the
	// account page, "" for the canvas.
	From string
}

// TeamName is the name of team id among teams ("" when there is none).
func TeamName(teams []place.Team, id int64) string {
	for _, t := range teams {
		if t.ID == id {
			return t.Name
		}
	}
	return ""
}

// TeamForm holds the admin team form's fields as typed.
type TeamForm struct {
	Name  string
	Color int
}

// AdminTeamsData is the data of GET /admin/teams.
type AdminTeamsData struct {
	User         *UserInfo
	Teams        []place.Team
	Palette      [16]place.Color
	Max          int
	Form         TeamForm
	Flash, Error string
}

func teamIDText(id int64) string { return strconv.FormatInt(id, 10) }

func teamChipStyle(color int) string {
	if color < 0 || color >= place.ColorCount {
		return ""
	}
	return "--swatch:" + place.Palette[color].Hex
}

func playersWords(n int64) string {
	if n == 1 {
		return "1 player"
	}
	return strconv.FormatInt(n, 10) + " players"
}
