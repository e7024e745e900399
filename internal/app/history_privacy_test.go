package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/placecanvas/place/internal/app"
)

// The history names a placer to everyone only if they chose to be named:
// a registered player who has not taken their name off the statistics. A
// guest's and a private player's placements show neither name nor id, in
// the JSON API, the HTML history and the live panel, so that crawling the
// history cannot rebuild what they placed. Moderators see every placer.
func TestHistoryFollowsThePlayersPrivacyChoice(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	listed := srv.visitor(t)
	listed.register("listedplayer", "a fine password")
	private := srv.visitor(t)
	private.register("privateplayer", "a fine password")
	if r := private.postForm("/account/stats", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("opting out: %d %s", r.StatusCode, r.Body)
	}
	guest := srv.visitor(t)
	for _, p := range []struct {
		v    *visitor
		x, y int
	}{{listed, 1, 1}, {private, 2, 2}, {guest, 3, 3}} {
		if m := p.v.mustDialWS().place(t, p.x, p.y, 5); m["type"] != "success" {
			t.Fatalf("placing at %d,%d: %v", p.x, p.y, m)
		}
	}
	var me struct{ UserID, Username string }
	if r := guest.getJSON("/api/v1/auth/me"); r.StatusCode != http.StatusOK || json.Unmarshal([]byte(r.Body), &me) != nil || me.UserID == "" {
		t.Fatalf("the guest: %d %s", r.StatusCode, r.Body)
	}
	guestName, guestID := me.Username, me.UserID
	privateID := srv.user(t, "privateplayer").ID
	listedID := srv.user(t, "listedplayer").ID
	hidden := []string{"privateplayer", privateID, guestName, guestID}

	type placement struct {
		UserID    string `json:"userId"`
		Username  string `json:"username"`
		Anonymous bool   `json:"anonymous"`
	}
	lastPlacer := func(v *visitor, x, y string) placement {
		t.Helper()
		r := v.getJSON("/api/v1/history/pixel?x=" + x + "&y=" + y)
		var out struct{ Placements []placement }
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil || r.StatusCode != http.StatusOK || len(out.Placements) != 1 {
			t.Fatalf("history of %s,%s: %d %s", x, y, r.StatusCode, r.Body)
		}
		return out.Placements[0]
	}
	anon := placement{Username: "an anonymous player", Anonymous: true}
	for _, viewer := range []struct {
		name string
		v    *visitor
	}{{"a visitor", srv.visitor(t)}, {"a player", listed}} {
		if got := lastPlacer(viewer.v, "1", "1"); got != (placement{UserID: listedID, Username: "listedplayer"}) {
			t.Errorf("%s: the listed player's placement: %+v", viewer.name, got)
		}
		for _, xy := range []string{"2", "3"} {
			if got := lastPlacer(viewer.v, xy, xy); got != anon {
				t.Errorf("%s: placement at %s,%s: %+v, want anonymous", viewer.name, xy, xy, got)
			}
		}
		for _, page := range []string{"/history/recent", "/history?x=2&y=2", "/history?x=3&y=3", "/"} {
			body := viewer.v.get(page).Body
			for _, h := range hidden {
				if strings.Contains(body, h) {
					t.Errorf("%s: %s names %q", viewer.name, page, h)
				}
			}
		}
		if body := viewer.v.get("/history/recent").Body; !strings.Contains(body, "listedplayer") || strings.Count(body, "an anonymous player") != 2 {
			t.Errorf("%s: /history/recent does not name the listed player alone", viewer.name)
		}
	}

	// Moderators see who placed what, to act on it.
	admin := srv.newAdmin(t, "moderator")
	if got := lastPlacer(admin, "2", "2"); got != (placement{UserID: privateID, Username: "privateplayer"}) {
		t.Errorf("a moderator: the private player's placement: %+v", got)
	}
	if got := lastPlacer(admin, "3", "3"); got != (placement{UserID: guestID, Username: guestName}) {
		t.Errorf("a moderator: the guest's placement: %+v", got)
	}
	if body := admin.get("/history/recent").Body; !strings.Contains(body, "privateplayer") || !strings.Contains(body, guestName) {
		t.Error("a moderator's /history/recent does not name every placer")
	}
}
