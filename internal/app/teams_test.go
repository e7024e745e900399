package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// teamModes runs a test against an embedded server and, when Redis and
// PostgreSQL are there, a cluster instance.
func teamModes(t *testing.T, fn func(t *testing.T, srv *authServer)) {
	noCooldown := func(c *app.Config) { c.Cooldown = 0 }
	t.Run("embedded", func(t *testing.T) { fn(t, startServer(t, noCooldown)) })
	t.Run("cluster", func(t *testing.T) {
		env := newClusterEnv(t)
		cfg := env.config(t, func(c *app.Config) { c.Width, c.Height = 16, 16; noCooldown(c) })
		fn(t, asAuthServer(startWith(t, cfg), cfg))
	})
}

// teamsOf returns GET /api/v1/teams: team name to its JSON, and the
// visitor's team id (0: none).
func teamsOf(t *testing.T, v *visitor) (map[string]map[string]any, int64) {
	t.Helper()
	r := v.getJSON("/api/v1/teams")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/teams: %d %s", r.StatusCode, r.Body)
	}
	m := r.JSON(t)
	out := map[string]map[string]any{}
	for _, x := range m["teams"].([]any) {
		team := x.(map[string]any)
		out[team["name"].(string)] = team
	}
	id, _ := m["teamId"].(float64)
	return out, int64(id)
}

func storedTeams(t *testing.T, srv *authServer) []place.Team {
	t.Helper()
	ts, err := srv.Store.Teams.Teams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestTeamAdminPageValidatesAndAudits(t *testing.T) {
	teamModes(t, func(t *testing.T, srv *authServer) {
		admin := srv.newAdmin(t, "mod")
		if r := srv.visitor(t).get("/admin/teams"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("teams page for a visitor: %d", r.StatusCode)
		}
		r := admin.get("/admin/teams")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `href="/admin/teams" aria-current="page"`) || !strings.Contains(r.Body, "No teams yet.") {
			t.Fatalf("teams page: %d %.400s", r.StatusCode, r.Body)
		}
		for _, name := range []string{"Red", "Blue"} {
			if r := admin.postForm("/admin/teams", url.Values{"name": {"  " + name + " "}, "color": {"5"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("create %s: %d %.300s", name, r.StatusCode, r.Body)
			}
		}
		teams := storedTeams(t, srv)
		if len(teams) != 2 || teams[0].Name != "Red" {
			t.Fatalf("teams: %+v", teams)
		}
		red := teams[0]
		bad := []struct {
			path string
			form url.Values
			want string
		}{
			{"/admin/teams", url.Values{"name": {"   "}, "color": {"1"}}, "1 to 32 characters"},
			{"/admin/teams", url.Values{"name": {strings.Repeat("é", 33)}, "color": {"1"}}, "1 to 32 characters"},
			{"/admin/teams", url.Values{"name": {"rED"}, "color": {"1"}}, "already a team called"},
			{"/admin/teams", url.Values{"name": {"Green"}, "color": {"16"}}, "palette colors"},
			{"/admin/teams", url.Values{"name": {"Green"}, "color": {"green"}}, "palette colors"},
			{fmt.Sprintf("/admin/teams/%d", red.ID), url.Values{"name": {"BLUE"}, "color": {"1"}}, "already a team called"},
			{fmt.Sprintf("/admin/teams/%d", red.ID), url.Values{"name": {""}, "color": {"1"}}, "1 to 32 characters"},
		}
		for _, b := range bad {
			r := admin.postForm(b.path, b.form)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, b.want) || !strings.Contains(r.Body, `role="alert"`) {
				t.Fatalf("POST %s %v: %d, want 400 with %q: %.600s", b.path, b.form, r.StatusCode, b.want, r.Body)
			}
		}
		for _, path := range []string{"/admin/teams/999", "/admin/teams/999/delete", "/admin/teams/x"} {
			if r := admin.postForm(path, url.Values{"name": {"Ghost"}, "color": {"1"}}); r.StatusCode != http.StatusNotFound {
				t.Fatalf("POST %s: %d, want 404", path, r.StatusCode)
			}
		}
		if got := storedTeams(t, srv); len(got) != 2 || got[0] != teams[0] || got[1] != teams[1] {
			t.Fatalf("refused changes changed the teams: %+v", got)
		}
		if r := admin.postForm(fmt.Sprintf("/admin/teams/%d", red.ID), url.Values{"name": {"Crimson"}, "color": {"4"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("rename: %d %.300s", r.StatusCode, r.Body)
		}
		if r := admin.postForm(fmt.Sprintf("/admin/teams/%d/delete", teams[1].ID), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d %.300s", r.StatusCode, r.Body)
		}
		audit := auditActions(t, srv)
		if len(audit) != 4 || audit[1].Action != "team-update" ||
			!strings.Contains(audit[1].Detail, `from “Red” (red) to “Crimson” (pink)`) ||
			audit[0].Action != "team-delete" || !strings.Contains(audit[0].Detail, `“Blue”`) || audit[3].Action != "team-create" {
			t.Fatalf("audit: %+v", audit)
		}
		if r := admin.get("/admin/teams"); !strings.Contains(r.Body, "Crimson") || strings.Contains(r.Body, ">Blue<") {
			t.Fatalf("teams page after the changes: %.600s", r.Body)
		}
	})
}

func TestTeamPickCountsPlacementsAndPlayers(t *testing.T) {
	teamModes(t, func(t *testing.T, srv *authServer) {
		admin := srv.newAdmin(t, "mod")
		for _, f := range []url.Values{{"name": {"Red"}, "color": {"5"}}, {"name": {"Blue"}, "color": {"12"}}} {
			admin.postForm("/admin/teams", f)
		}
		teams := storedTeams(t, srv)
		red, blue := teams[0].ID, teams[1].ID

		player := srv.visitor(t)
		if got, id := teamsOf(t, player); len(got) != 2 || id != 0 || got["Red"]["color"] != 5.0 {
			t.Fatalf("teams for a visitor: %v %d", got, id)
		}
		pickThroughAPI(t, player, red, blue)
		ws := player.mustDialWS()
		for i := range 3 {
			if m := ws.place(t, i, 0, 3); m["type"] != "success" {
				t.Fatalf("place: %v", m)
			}
		}
		// A moderator's rollback counts for no team.
		if r := admin.postForm("/admin/areas/wipe", url.Values{"x": {"0"}, "y": {"0"}, "w": {"2"}, "h": {"2"}, "color": {"0"}, "confirm": {"1"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("wipe: %d %.300s", r.StatusCode, r.Body)
		}

		pickThroughForms(t, srv, red, blue)

		waitFor(t, "the team counts", 5*time.Second, func() bool {
			got, _ := teamsOf(t, player)
			return got["Red"]["placements"] == 3.0 && got["Red"]["players"] == 2.0 && got["Blue"]["players"] == 1.0 && got["Blue"]["placements"] == 0.0
		})
		if _, id := teamsOf(t, player); id != red {
			t.Fatalf("the player's team: %d, want %d", id, red)
		}
		waitFor(t, "the statistics page", 5*time.Second, func() bool {
			page := player.get("/stats").Body
			return strings.Contains(page, `data-testid="stats-teams"`) &&
				strings.Contains(page, "Red</td><td>2</td><td>3</td>")
		})
	})
}

func TestTeamClusterChangeReachesTheOtherInstancesPlacements(t *testing.T) {
	env := newClusterEnv(t)
	cfg := env.config(t, func(c *app.Config) { c.Width, c.Height, c.Cooldown = 16, 16, 0 })
	one := asAuthServer(startWith(t, cfg), cfg)
	two := asAuthServer(startWith(t, cfg), cfg)
	admin := one.newAdmin(t, "mod")
	admin.postForm("/admin/teams", url.Values{"name": {"Red"}, "color": {"5"}})
	red := storedTeams(t, one)[0].ID

	player := one.visitor(t)
	if r := player.postJSON("/api/v1/session", nil); r.StatusCode != http.StatusCreated {
		t.Fatalf("session: %d", r.StatusCode)
	}
	userID := player.postJSON("/api/v1/session", nil).JSON(t)["userId"].(string)
	onTwo := two.visitor(t)
	onTwo.setToken(player.token())
	ws := onTwo.mustDialWS()
	// Placed while teamless: instance two now holds "no team" for the player.
	if m := ws.place(t, 0, 0, 3); m["type"] != "success" {
		t.Fatalf("place: %v", m)
	}
	if r := player.postJSON("/api/v1/team", map[string]any{"teamId": red}); r.StatusCode != http.StatusOK {
		t.Fatalf("pick: %d %s", r.StatusCode, r.Body)
	}
	start := time.Now()
	waitFor(t, "instance two to see the new team", time.Second, func() bool {
		id, err := two.Teams.TeamOf(context.Background(), userID)
		return err == nil && id == red
	})
	t.Logf("the team change reached the other instance after %v", time.Since(start).Round(time.Millisecond))
	if m := ws.place(t, 1, 0, 3); m["type"] != "success" {
		t.Fatalf("place: %v", m)
	}
	waitFor(t, "the placement to count for the team", 5*time.Second, func() bool {
		ts := storedTeams(t, two)
		return len(ts) == 1 && ts[0].Placements == 1 && ts[0].Players == 1
	})
	// A deleted team leaves every instance's players teamless.
	if r := admin.postForm(fmt.Sprintf("/admin/teams/%d/delete", red), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	waitFor(t, "instance two to forget the deleted team", time.Second, func() bool {
		id, err := two.Teams.TeamOf(context.Background(), userID)
		return err == nil && id == 0
	})
}

// pickThroughAPI checks POST /api/v1/team's refusals, then has player (no
// session yet) join red, and checks that a change to blue is too soon.
func pickThroughAPI(t *testing.T, player *visitor, red, blue int64) {
	t.Helper()
	if r := player.postJSON("/api/v1/team", map[string]any{"teamId": red}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("pick without a session: %d %s", r.StatusCode, r.Body)
	}
	if r := player.postJSON("/api/v1/session", nil); r.StatusCode != http.StatusCreated {
		t.Fatalf("session: %d", r.StatusCode)
	}
	for _, b := range []struct {
		body   any
		status int
	}{
		{map[string]any{}, 400}, {map[string]any{"teamId": "red"}, 400}, {map[string]any{"teamId": -1}, 400},
		{map[string]any{"teamId": 1.5}, 400}, {[]int{1}, 400}, {nil, 400}, {map[string]any{"teamId": 4242}, 404},
	} {
		if r := player.postJSON("/api/v1/team", b.body); r.StatusCode != b.status {
			t.Fatalf("pick %v: %d, want %d: %s", b.body, r.StatusCode, b.status, r.Body)
		}
	}
	// null is no team: the player is in none already, so nothing changes.
	if r := player.postJSON("/api/v1/team", map[string]any{"teamId": nil}); r.StatusCode != http.StatusOK || r.JSON(t)["teamId"] != nil {
		t.Fatalf("pick no team: %d %s", r.StatusCode, r.Body)
	}
	if r := player.postJSON("/api/v1/team", map[string]any{"teamId": red}); r.StatusCode != http.StatusOK || r.JSON(t)["teamId"] != float64(red) {
		t.Fatalf("pick: %d %s", r.StatusCode, r.Body)
	}
	r := player.postJSON("/api/v1/team", map[string]any{"teamId": blue})
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, "once a minute") {
		t.Fatalf("second change within a minute: %d %s", r.StatusCode, r.Body)
	}
}

// pickThroughForms has two players without JavaScript pick through the
// /team form, from the canvas page (blue) and from the account page (red).
func pickThroughForms(t *testing.T, srv *authServer, red, blue int64) {
	t.Helper()
	// A player without JavaScript picks through the form, which gives
	// them a guest session.
	nojs := srv.visitor(t)
	r := nojs.postForm("/team", url.Values{"team": {fmt.Sprint(blue)}})
	if r.StatusCode != http.StatusSeeOther || nojs.token() == "" {
		t.Fatalf("form pick: %d %.300s", r.StatusCode, r.Body)
	}
	if page := nojs.get("/"); !strings.Contains(page.Body, "You play for Blue now.") ||
		!strings.Contains(page.Body, fmt.Sprintf(`value="%d" checked`, blue)) {
		t.Fatalf("canvas page after the form: %.2000s", page.Body)
	}
	// The account page's form returns there.
	other := srv.visitor(t)
	r = other.postForm("/team", url.Values{"team": {fmt.Sprint(red)}, "from": {"account"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("form pick from the account page: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if page := other.get("/account"); !strings.Contains(page.Body, "You play for Red now.") ||
		!strings.Contains(page.Body, fmt.Sprintf(`value="%d" checked`, red)) || !strings.Contains(page.Body, `name="from" value="account"`) {
		t.Fatalf("account page after the form: %.3000s", page.Body)
	}
	if r := other.postForm("/team", url.Values{"team": {"0"}, "from": {"account"}}); r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.Body, "once a minute") {
		t.Fatalf("second form change within a minute: %d %.300s", r.StatusCode, r.Body)
	}
	if r := nojs.postForm("/team", url.Values{"team": {"x"}}); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("form with a bad team: %d", r.StatusCode)
	}
}

// The counts are history: a restart (embedded: the same data directory;
// cluster: a new instance on the same Redis and PostgreSQL) keeps them and
// every player's team.
func TestTeamCountsSurviveRestarts(t *testing.T) {
	configs := map[string]func(t *testing.T) app.Config{
		"embedded": func(t *testing.T) app.Config {
			cfg := app.Defaults()
			cfg.DataDir, cfg.Width, cfg.Height, cfg.Cooldown, cfg.GuestLimit = t.TempDir(), 16, 16, 0, 0
			cfg.ShutdownTimeout, cfg.DrainPeriod = 5*time.Second, 0
			return cfg
		},
		"cluster": func(t *testing.T) app.Config {
			return newClusterEnv(t).config(t, func(c *app.Config) { c.Width, c.Height, c.Cooldown = 16, 16, 0 })
		},
	}
	for _, mode := range []string{"embedded", "cluster"} {
		t.Run(mode, func(t *testing.T) {
			cfg := configs[mode](t)
			first := startWith(t, cfg)
			srv := asAuthServer(first, cfg)
			team, err := srv.Teams.Create(context.Background(), "Red", 5)
			if err != nil {
				t.Fatal(err)
			}
			player := srv.visitor(t)
			player.postJSON("/api/v1/session", nil)
			if r := player.postJSON("/api/v1/team", map[string]any{"teamId": team.ID}); r.StatusCode != http.StatusOK {
				t.Fatalf("pick: %d %s", r.StatusCode, r.Body)
			}
			ws := player.mustDialWS()
			for i := range 4 {
				if m := ws.place(t, i, 1, 2); m["type"] != "success" {
					t.Fatalf("place: %v", m)
				}
			}
			first.Stop(t) // flushes history
			again := asAuthServer(startWith(t, cfg), cfg)
			later := again.visitor(t)
			later.setToken(player.token())
			got, id := teamsOf(t, later)
			if id != team.ID || got["Red"]["players"] != 1.0 || got["Red"]["placements"] != 4.0 {
				t.Fatalf("after a restart: team %d, %v", id, got["Red"])
			}
		})
	}
}
