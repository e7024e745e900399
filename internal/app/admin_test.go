package app_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/realtime"
)

// Every state-changing route refuses cross-site requests, even from a
// signed-in admin whose cookie the browser would attach.
func TestCrossSitePostsAreRefusedOnEveryRoute(t *testing.T) {
	srv := startServer(t, nil)
	admin := srv.newAdmin(t, "mod")
	srv.visitor(t).register("victim", "long enough")
	victim := srv.user(t, "victim")

	var posts []string
	for _, r := range srv.Server.Routes().Routes() {
		if r.Method == http.MethodPost {
			posts = append(posts, strings.ReplaceAll(r.Path, ":id", victim.ID))
		}
	}
	if len(posts) < 9 {
		t.Fatalf("only %d POST routes found: %v", len(posts), posts)
	}
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	form := url.Values{"username": {"intruder"}, "password": {"long enough"}, "reason": {"csrf"}, "since": {since}, "confirm": {"1"}, "x": {"1"}, "y": {"1"}, "color": {"3"}}
	for _, path := range posts {
		for _, h := range []http.Header{
			{"Sec-Fetch-Site": {"cross-site"}},
			{"Sec-Fetch-Site": {"same-site"}, "Origin": {"http://sub." + srv.Host}},
			{"Origin": {"https://evil.example"}},
		} {
			r := admin.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), h)
			if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "FORBIDDEN") {
				t.Errorf("POST %s with %v: %d %.200s", path, h, r.StatusCode, r.Body)
			}
			r = admin.do(http.MethodPost, path, "application/json", strings.NewReader(`{"username":"intruder","password":"long enough"}`), h)
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s (JSON) with %v: %d", path, h, r.StatusCode)
			}
		}
	}
	if srv.user(t, "victim").Banned {
		t.Fatal("a cross-site ban went through")
	}
	if _, err := srv.Store.Users.UserByName(context.Background(), "intruder"); err == nil {
		t.Fatal("a cross-site registration went through")
	}
	if status, _ := admin.me(); status != http.StatusOK {
		t.Fatal("a cross-site logout went through")
	}
	if audit, _ := srv.Store.Users.AuditLog(context.Background(), 0, 10); len(audit) != 0 {
		t.Fatalf("cross-site requests reached the audit log: %v", audit)
	}

	// Same-origin requests from a browser pass.
	r := admin.do(http.MethodPost, "/admin/users/"+victim.ID+"/ban", "application/x-www-form-urlencoded",
		strings.NewReader("reason=spam"), http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {srv.URL}})
	if r.StatusCode != http.StatusSeeOther || !srv.user(t, "victim").Banned {
		t.Fatalf("same-origin ban: %d %s", r.StatusCode, r.Body)
	}
	// Behind a proxy that passes Host through, the browser's origin is the
	// public name, which the Host header carries.
	r = admin.do(http.MethodPost, "/api/v1/auth/logout", "application/json", nil, http.Header{"Origin": {"https://place.example"}, "Host": {"place.example"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("same-origin request through a proxy: %d %s", r.StatusCode, r.Body)
	}
}

func adminRoutes(id string) []struct{ method, path string } {
	return []struct{ method, path string }{
		{http.MethodGet, "/admin"},
		{http.MethodGet, "/admin/users?q=a"},
		{http.MethodGet, "/admin/users/" + id},
		{http.MethodGet, "/admin/audit"},
		{http.MethodGet, "/admin/canvas"},
		{http.MethodPost, "/admin/canvas/grow"},
		{http.MethodPost, "/admin/users/" + id + "/ban"},
		{http.MethodPost, "/admin/users/" + id + "/unban"},
		{http.MethodPost, "/admin/users/" + id + "/rollback"},
		{http.MethodGet, "/admin/suspects"},
		{http.MethodGet, "/admin/suspects/list"},
		{http.MethodPost, "/admin/suspects/group"},
	}
}

func TestAdminRoutesAreForAdminsOnly(t *testing.T) {
	srv := startServer(t, nil)
	member := srv.visitor(t)
	member.register("member", "long enough")
	target := srv.visitor(t)
	target.register("target", "long enough")
	id := srv.user(t, "target").ID
	guest := srv.visitor(t)
	guest.mustDialWS()
	nobody := srv.visitor(t)

	form := url.Values{"reason": {"x"}, "since": {time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}, "confirm": {"1"}}
	for who, b := range map[string]*visitor{"no session": nobody, "guest": guest, "member": member} {
		for _, rt := range adminRoutes(id) {
			var r response
			if rt.method == http.MethodGet {
				r = b.get(rt.path)
			} else {
				r = b.postForm(rt.path, form)
			}
			if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "FORBIDDEN") || !strings.Contains(r.Body, "<html") {
				t.Errorf("%s: %s %s: %d %.200s", who, rt.method, rt.path, r.StatusCode, r.Body)
			}
		}
	}
	if srv.user(t, "target").Banned {
		t.Fatal("a non-admin banned someone")
	}

	// A grant from the command line side is honored at the next request,
	// and so is a revoke.
	memberID := srv.user(t, "member").ID
	if err := srv.Store.Users.SetAdmin(context.Background(), memberID, true); err != nil {
		t.Fatal(err)
	}
	for _, rt := range adminRoutes(id)[:4] {
		if r := member.get(rt.path); r.StatusCode != http.StatusOK {
			t.Errorf("admin GET %s: %d", rt.path, r.StatusCode)
		}
	}
	_ = srv.Store.Users.SetAdmin(context.Background(), memberID, false)
	if r := member.get("/admin"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("revoked admin: %d", r.StatusCode)
	}
}

func TestAdminPages(t *testing.T) {
	srv := startServer(t, nil)
	admin := srv.newAdmin(t, "mod")
	srv.visitor(t).register("Painter_1", "long enough")
	srv.visitor(t).register("sculptor", "long enough")
	id := srv.user(t, "Painter_1").ID

	r := admin.get("/admin")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="admin-overview"`) || !strings.Contains(r.Body, "<caption>") {
		t.Fatalf("/admin: %d\n%s", r.StatusCode, r.Body)
	}
	r = admin.get("/admin/users?q=paint")
	if !strings.Contains(r.Body, `data-user-id="`+id+`"`) || strings.Contains(r.Body, "sculptor") {
		t.Fatalf("search for paint:\n%s", r.Body)
	}
	r = admin.get("/admin/users/" + id)
	for _, want := range []string{`data-testid="ban-form"`, `data-testid="rollback-form"`, `<label for="ban-reason">`, `<label for="rollback-since">`, `data-testid="user-placements"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("user page lacks %s", want)
		}
	}
	if r := admin.get("/admin/users/nope"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown user: %d", r.StatusCode)
	}
	r = admin.postForm("/admin/users/"+id+"/ban", url.Values{"reason": {" "}})
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "Give a reason") || srv.user(t, "Painter_1").Banned {
		t.Fatalf("ban without reason: %d", r.StatusCode)
	}
	r = admin.postForm("/admin/users/"+id+"/rollback", url.Values{"since": {"yesterday"}})
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "RFC 3339") {
		t.Fatalf("rollback with a bad time: %d", r.StatusCode)
	}
	r = admin.postForm("/admin/users/"+srv.user(t, "mod").ID+"/ban", url.Values{"reason": {"oops"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("self-ban: %d", r.StatusCode)
	}
}

func TestBanIsImmediate(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	admin := srv.newAdmin(t, "mod")
	phone := srv.visitor(t)
	phone.register("vandal", "vandal password")
	laptop := srv.visitor(t)
	laptop.login("vandal", "vandal password")
	vandal := srv.user(t, "vandal")
	tokens := []string{phone.token(), laptop.token()}
	phoneWS, laptopWS := phone.mustDialWS(), laptop.mustDialWS()

	start := time.Now()
	r := admin.postForm("/admin/users/"+vandal.ID+"/ban", url.Values{"reason": {"slur across the canvas"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/users/"+vandal.ID {
		t.Fatalf("ban: %d %s", r.StatusCode, r.Body)
	}
	for _, ws := range []*wsPeer{phoneWS, laptopWS} {
		if code, reason := ws.waitClosed(t, time.Second-time.Since(start)); code != 1008 {
			t.Fatalf("close %d %q, want 1008", code, reason)
		}
	}
	t.Logf("both sockets closed %v after the ban request began", time.Since(start))

	for _, tok := range tokens {
		if _, found, _ := srv.Store.Sessions.Find(tok); found {
			t.Fatal("a session of the banned user survived")
		}
	}
	if idx, _ := srv.Store.SessionIndex.UserSessions(context.Background(), vandal.ID); len(idx) != 0 {
		t.Fatalf("session index after ban: %v", idx)
	}
	if status, _ := phone.me(); status != http.StatusUnauthorized {
		t.Fatalf("banned session still signed in: %d", status)
	}

	// Login is refused with BANNED, but only for the right password.
	b := srv.visitor(t)
	r = b.postJSON("/api/v1/auth/login", map[string]string{"username": "vandal", "password": "vandal password"})
	if r.StatusCode != http.StatusForbidden || errorCode(t, r) != "BANNED" {
		t.Fatalf("banned login: %d %s", r.StatusCode, r.Body)
	}
	if r := b.postJSON("/api/v1/auth/login", map[string]string{"username": "vandal", "password": "wrong"}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("banned user, wrong password: %d", r.StatusCode)
	}
	if r := b.postForm("/login", url.Values{"username": {"vandal"}, "password": {"vandal password"}}); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "banned") {
		t.Fatalf("banned form login: %d", r.StatusCode)
	}

	// A connection the kick did not reach (another instance's, in a race)
	// has its placements refused.
	leftover := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = srv.Hub.ServeWS(w, r, realtime.Identity{UserID: vandal.ID, Username: vandal.Username, Token: "gone"}, 0, false)
	}))
	defer leftover.Close()
	ws, _, err := dialWS(srv.visitor(t), "ws"+strings.TrimPrefix(leftover.URL, "http"))
	if err != nil {
		t.Fatal(err)
	}
	ws.next(t, "welcome")
	if m := ws.place(t, 1, 1, 1); m["code"] != "BANNED" {
		t.Fatalf("placement of a banned user: %v", m)
	}
	if m := ws.place(t, 99, 1, 1); m["code"] != "BANNED" {
		t.Fatalf("BANNED comes before INVALID_COORDS: %v", m)
	}

	r = admin.get("/admin/users/" + vandal.ID)
	if !strings.Contains(r.Body, "slur across the canvas") || !strings.Contains(r.Body, `data-testid="unban-form"`) || !strings.Contains(r.Body, "2 session(s) ended") {
		t.Fatalf("user page after ban:\n%s", r.Body)
	}

	if r := admin.postForm("/admin/users/"+vandal.ID+"/unban", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("unban: %d", r.StatusCode)
	}
	b.login("vandal", "vandal password")
	if m := b.mustDialWS().place(t, 2, 2, 2); m["type"] != "success" {
		t.Fatalf("placement after unban: %v", m)
	}

	audit, err := srv.Store.Users.AuditLog(context.Background(), 0, 10)
	if err != nil || len(audit) != 2 {
		t.Fatalf("audit: %v %v", audit, err)
	}
	if a := audit[1]; a.Action != "ban" || a.TargetID != vandal.ID || a.ActorName != "mod" || a.Detail != "slur across the canvas" {
		t.Fatalf("ban entry: %+v", a)
	}
	if a := audit[0]; a.Action != "unban" || a.TargetID != vandal.ID {
		t.Fatalf("unban entry: %+v", a)
	}
	if r := admin.get("/admin/audit"); strings.Count(r.Body, `data-testid="audit-entry"`) != 2 {
		t.Fatalf("audit page:\n%s", r.Body)
	}
}

func TestRollbackRestoresExactlyTheExpectedPixels(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	ctx := context.Background()
	admin := srv.newAdmin(t, "mod")
	artist, err := srv.Store.Users.CreateAccount(ctx, "artist", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	vandal, err := srv.Store.Users.CreateAccount(ctx, "vandal", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	since := now.Add(-time.Hour)
	for _, p := range []struct {
		who     place.User
		ago     time.Duration
		x, y, c int
	}{
		{artist, 120 * time.Minute, 1, 1, 5},
		{artist, 120 * time.Minute, 2, 2, 6},
		{vandal, 90 * time.Minute, 5, 5, 7}, // before since: stays theirs
		{vandal, 30 * time.Minute, 1, 1, 3},
		{vandal, 30 * time.Minute, 2, 2, 3},
		{vandal, 30 * time.Minute, 3, 3, 3},
		{artist, 10 * time.Minute, 3, 3, 9}, // painted over: not the vandal's any more
		{vandal, 8 * time.Minute, 4, 4, 3},
		{vandal, 7 * time.Minute, 4, 4, 4},
		{vandal, 6 * time.Minute, 5, 5, 3},
		{vandal, 40 * time.Minute, 6, 6, 3},
		{artist, 20 * time.Minute, 6, 6, 10},
		{vandal, 4 * time.Minute, 6, 6, 3},
	} {
		if _, _, err := srv.Store.Placer.Place(ctx, place.Player{UserID: p.who.ID}, p.x, p.y, uint8(p.c), now.Add(-p.ago)); err != nil {
			t.Fatal(err)
		}
	}
	want := make([]byte, 16*16)
	for xy, c := range map[[2]int]byte{{1, 1}: 5, {2, 2}: 6, {3, 3}: 9, {4, 4}: 0, {5, 5}: 7, {6, 6}: 10} {
		want[xy[1]*16+xy[0]] = c
	}
	before := waitCanvas(t, srv, 13)

	sinceText := since.UTC().Format(time.RFC3339)
	r := admin.postForm("/admin/users/"+vandal.ID+"/rollback", url.Values{"since": {sinceText}})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-count="5"`) || !strings.Contains(r.Body, `name="confirm" value="1"`) {
		t.Fatalf("preview: %d\n%s", r.StatusCode, r.Body)
	}
	if got := waitCanvas(t, srv, 13); !bytes.Equal(got, before) {
		t.Fatal("the preview changed the canvas")
	}
	r = admin.postForm("/admin/users/"+vandal.ID+"/rollback", url.Values{"since": {sinceText}, "confirm": {"1"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rollback: %d %s", r.StatusCode, r.Body)
	}

	got := waitCanvas(t, srv, 18)
	if !bytes.Equal(got, want) {
		t.Fatalf("canvas after rollback differs from the expected colors:\n got %v\nwant %v", got[:7*16], want[:7*16])
	}
	replay := make([]byte, 16*16)
	var rollbacks []place.Placement
	err = srv.Store.History.EachPlacement(ctx, func(p place.Placement) error {
		replay[p.Y*16+p.X] = p.Color
		if p.Rollback {
			rollbacks = append(rollbacks, p)
		}
		return nil
	})
	if err != nil || !bytes.Equal(replay, got) {
		t.Fatalf("canvas differs from the replay of history (%v)", err)
	}
	modID := srv.user(t, "mod").ID
	if len(rollbacks) != 5 {
		t.Fatalf("%d rollback placements in history, want 5", len(rollbacks))
	}
	for _, p := range rollbacks {
		if p.UserID != modID || p.Seq <= 13 {
			t.Fatalf("rollback placement %+v: not the moderator's or no new seq", p)
		}
	}
	audit, _ := srv.Store.Users.AuditLog(ctx, 0, 1)
	if len(audit) != 1 || audit[0].Action != "rollback" || audit[0].TargetID != vandal.ID || !strings.HasPrefix(audit[0].Detail, "5 pixels") {
		t.Fatalf("audit: %+v", audit)
	}

	// Nothing is left to undo.
	r = admin.postForm("/admin/users/"+vandal.ID+"/rollback", url.Values{"since": {sinceText}})
	if !strings.Contains(r.Body, `data-count="0"`) || strings.Contains(r.Body, `name="confirm"`) {
		t.Fatalf("second preview:\n%s", r.Body)
	}
}

// waitCanvas polls GET /api/v1/canvas until it includes seq.
func waitCanvas(t *testing.T, srv *authServer, seq uint64) []byte {
	t.Helper()
	b := srv.visitor(t)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := b.getJSON("/api/v1/canvas")
		got, _ := strconv.ParseUint(r.Header.Get("X-Canvas-Seq"), 10, 64)
		if got == seq {
			return []byte(r.Body)
		}
		if got > seq || time.Now().After(deadline) {
			t.Fatalf("canvas seq %d, want %d", got, seq)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
