package place_test

import (
	"testing"

	"github.com/placecanvas/place"
)

// A refused team name is shown as the organiser typed it, not with Go's
// string escapes.
func TestTeamNameTakenShowsTheNameAsTyped(t *testing.T) {
	for name, want := range map[string]string{
		`Les "Bleus"`: `There is already a team called “Les "Bleus"” (names compare without case).`,
		`Ünité\Rouge`: `There is already a team called “Ünité\Rouge” (names compare without case).`,
	} {
		if got := place.ErrorMessage(place.TeamNameTaken(name)); got != want {
			t.Errorf("TeamNameTaken(%s):\n got %s\nwant %s", name, got, want)
		}
	}
}
