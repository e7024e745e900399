package app_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// A ban sticks: the banned player's open socket is told why and closed with
// 1008 "banned"; the browser they played from cannot place as a new guest;
// lifting the ban frees the browser again.
func TestBanFollowsTheBrowser(t *testing.T) {
	inBothModes(t, nil, func(t *testing.T, srv *authServer, from func(string) *visitor) {
		admin := srv.newAdmin(t, "moderator")
		b := from("198.51.100.50")
		b.register("vandal", "long enough")
		ws := b.mustDialWS()
		victim := srv.user(t, "vandal")

		start := time.Now()
		r := admin.postForm("/admin/users/"+victim.ID+"/ban", url.Values{"reason": {"slur across the canvas"}})
		if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusOK {
			t.Fatalf("ban: %d %s", r.StatusCode, r.Body)
		}
		select {
		case err := <-ws.closed:
			var ce *gws.CloseError
			if !errors.As(err, &ce) || ce.Code != 1008 || string(ce.Reason) != "banned" {
				t.Fatalf("close: %v; want 1008 banned", err)
			}
		case <-time.After(time.Second):
			t.Fatal("the banned player's socket is still open a second after the ban")
		}
		var told map[string]any
		for len(ws.msgs) > 0 {
			if m := <-ws.msgs; m["type"] == "error" {
				told = m
			}
		}
		if told["code"] != "BANNED" || !strings.Contains(told["message"].(string), "slur across the canvas") {
			t.Fatalf("the banned tab was told %v before the close; want BANNED with the moderator's reason", told)
		}
		t.Logf("told and closed %v after the ban request", time.Since(start))

		// The same browser, now logged out, as a new guest.
		if b.token() != "" {
			b.setToken("") // the session was ended with the ban
		}
		again := b.mustDialWS()
		if m := again.place(t, 1, 1, 1); m["code"] != "BANNED" {
			t.Fatalf("a new guest from the banned browser placed: %v", m)
		}
		// Another browser on the same network is not affected.
		if m := from("198.51.100.50").mustDialWS().place(t, 2, 2, 2); m["type"] != "success" {
			t.Fatalf("another browser: %v", m)
		}
		if !strings.Contains(admin.get("/admin/audit").Body, `data-action="ban"`) {
			t.Error("the ban is not in the audit log")
		}

		if r := admin.postForm("/admin/users/"+victim.ID+"/unban", nil); r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusOK {
			t.Fatalf("unban: %d", r.StatusCode)
		}
		if m := again.place(t, 3, 3, 3); m["type"] != "success" {
			t.Fatalf("after the ban was lifted, the browser's guest: %v", m)
		}
	})
}

// A network ban stops the guests already on that network from placing (they
// are told until when and that logging in works); registered players there
// go on placing.
func TestNetworkBanStopsItsGuests(t *testing.T) {
	inBothModes(t, nil, func(t *testing.T, srv *authServer, from func(string) *visitor) {
		admin := srv.newAdmin(t, "moderator")
		guest := from("203.0.113.60").mustDialWS()
		member := from("203.0.113.61")
		member.register("member", "long enough")
		memberWS := member.mustDialWS()
		if r := banNetwork(t, admin, "203.0.113.0/24", "1h", "raid"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("ban: %d %s", r.StatusCode, r.Body)
		}
		m := guest.place(t, 1, 1, 1)
		msg, _ := m["message"].(string)
		if m["code"] != "BANNED" || !strings.Contains(msg, "raid") || !strings.Contains(msg, "Log in") {
			t.Fatalf("a guest on the banned network: %v; want BANNED saying why, until when and to log in", m)
		}
		if m := memberWS.place(t, 2, 2, 2); m["type"] != "success" {
			t.Fatalf("a registered player on the banned network: %v", m)
		}
	})
}
