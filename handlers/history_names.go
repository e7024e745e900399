package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// anonymousPlacer is how the history names a placer who is not named to
// everyone. It has spaces, so it cannot be anyone's username.
const anonymousPlacer = "an anonymous player"

// publicEntries is the history as everyone may see it: a placer is named
// only if they chose to be (HistoryEntry.Named: a registered player who has
// not taken their name off the statistics); the others lose their name and
// their id, so that crawling the history cannot rebuild a guest's or a
// private player's placements. entries is changed in place.
func publicEntries(entries []place.HistoryEntry) []place.HistoryEntry {
	for i := range entries {
		if !entries[i].Named {
			entries[i].Username, entries[i].UserID = anonymousPlacer, ""
		}
	}
	return entries
}

// entriesFor is the history as the viewer of c may see it: moderators see
// every placer, to act on what they see; everyone else the public view.
func (s *historyPages) entriesFor(c echo.Context, entries []place.HistoryEntry) []place.HistoryEntry {
	if s.viewerIsAdmin(c) {
		return entries
	}
	return publicEntries(entries)
}
