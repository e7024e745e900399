package place

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of teams.
const (
	MaxTeams       = 64
	MaxTeamNameLen = 32
	// TeamChangeInterval is how long a player waits between two changes of
	// team, so that nobody flips between teams to lend each one placements.
	TeamChangeInterval = time.Minute
)

// Team is a side organisers create; players pick one (or none), and the
// statistics count each team's players and placements.
type Team struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color int    `json:"color"` // a palette index
	// Players is the number of players in the team now; Placements the
	// placements made by players while they were in it, rollbacks not
	// counted. Both are filled by Teams.Teams only.
	Players    int64 `json:"players"`
	Placements int64 `json:"placements"`
}

// CleanTeamName trims a team name and checks its length.
func CleanTeamName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxTeamNameLen {
		return "", Errorf(EVALIDATION, "A team name must be 1 to %d characters long.", MaxTeamNameLen)
	}
	return name, nil
}

// CheckTeamColor checks that c is a palette index.
func CheckTeamColor(c int) error {
	if c < 0 || c >= ColorCount {
		return Errorf(EVALIDATION, "A team's color must be one of the %d palette colors.", ColorCount)
	}
	return nil
}

// TeamNameTaken is the refusal of a name another team has.
func TeamNameTaken(name string) *Error {
	// The name as typed, in typographic quotes: %q would show Go's escapes
	// (a quote in the name as \", a control character as \u0007).
	return Errorf(EVALIDATION, "There is already a team called “%s” (names compare without case).", name)
}

// TeamNotFound is the refusal of an unknown team id.
func TeamNotFound(id int64) *Error {
	return Errorf(ENOTFOUND, "There is no team %d.", id)
}

// TeamChangeTooSoon is the refusal of a change of team less than
// TeamChangeInterval after the last one, at now.
func TeamChangeTooSoon(now, last time.Time) *Error {
	next := last.Add(TeamChangeInterval)
	secs := max(int((next.Sub(now)+time.Second-1)/time.Second), 1)
	return &Error{Code: ERATELIMITED, RemainingSeconds: secs,
		Message: "You can change team once a minute: wait " + strconv.Itoa(secs) + " seconds."}
}

// NoticeTeam is the kind of the notice that a player's team changed or a
// team was deleted; Data is the user id as a JSON string, or "" for every
// player (a deleted team).
const NoticeTeam = "team"

// Teams stores teams and each player's choice. Placements carry the team
// of the player when they were made (Player.TeamID), so the counts hold
// across restarts in both modes.
type Teams interface {
	// CreateTeam stores a team with a new id (EVALIDATION when the name is
	// taken or MaxTeams teams exist).
	CreateTeam(ctx context.Context, name string, color int) (Team, error)
	// UpdateTeam renames and recolors a team and returns it before and
	// after (ENOTFOUND, EVALIDATION for a taken name).
	UpdateTeam(ctx context.Context, id int64, name string, color int) (old, updated Team, err error)
	// DeleteTeam removes a team; its players become teamless (the returned
	// team's Players says how many). Its placements stay in history but
	// are no longer counted for any team.
	DeleteTeam(ctx context.Context, id int64) (Team, error)
	// Teams lists the teams, oldest first, with their counts.
	Teams(ctx context.Context) ([]Team, error)
	// UserTeam returns the team a user is in (0: none).
	UserTeam(ctx context.Context, userID string) (int64, error)
	// SetUserTeam puts the user in team id (0: none) and returns the team
	// it was in. Refused with ERATELIMITED (TeamChangeTooSoon) less than
	// TeamChangeInterval after the user's last change, and with ENOTFOUND
	// for an unknown team; choosing the team one is in changes nothing.
	SetUserTeam(ctx context.Context, userID string, id int64, now time.Time) (old int64, err error)
}
