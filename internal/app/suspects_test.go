package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

// suspectsConfig lets 30 guests of one address all paint (no address
// budget, no challenge: the suspects page is what finds them), with a
// short cooldown, behind a trusted proxy so that each client chooses its
// address.
func suspectsConfig(c *app.Config) {
	c.TrustedProxies = mustPrefixes("127.0.0.1/32")
	c.Cooldown = time.Second
	c.AddressPlayers = 0
	c.ChallengeBits = 0
	c.Width, c.Height = 32, 32
}

// The measure of done for the suspects page, in both modes: 30
// scripted guests on one address paint over an honest player's work while
// the honest player paints elsewhere; /admin/suspects shows the 30 as one
// group; its bulk action (preview, confirm) bans all 30 and the address,
// and restores the canvas exactly: the honest player's pixels, and only
// them, remain.
func TestSuspectsGroupBanAndRollback(t *testing.T) {
	modes := map[string]func(t *testing.T) *authServer{
		"embedded": func(t *testing.T) *authServer { return startServer(t, suspectsConfig) },
		"cluster": func(t *testing.T) *authServer {
			cfg := newClusterEnv(t).config(t, func(c *app.Config) {
				c.BatchInterval = 5 * time.Millisecond
				suspectsConfig(c)
			})
			ts := startWith(t, cfg)
			return &authServer{App: ts.App, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "http://"), Cfg: cfg}
		},
	}
	for name, startMode := range modes {
		t.Run(name, func(t *testing.T) {
			srv := startMode(t)
			ctx := context.Background()
			const w = 32
			expected := make([]byte, w*w)
			placed := 0
			honestV := srv.visitor(t)
			honestV.header.Set("X-Forwarded-For", "198.51.100.9")
			honest := honestV.mustDialWS()
			paint := func(x, y, c int) {
				t.Helper()
				for {
					m := honest.place(t, x, y, c)
					if m["type"] == "success" {
						expected[y*w+x] = byte(c)
						placed++
						return
					}
					if m["code"] != "RATE_LIMITED" {
						t.Fatalf("honest placement: %v", m)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			// The honest player's art, which the script paints over.
			for i, xy := range [][2]int{{2, 2}, {3, 2}, {4, 2}, {2, 3}} {
				paint(xy[0], xy[1], 5+i)
			}

			// The script: 30 guests on one address, 3 rounds each, over
			// x 0–19, y 0–5 (painting over each other too).
			const bots, rounds = 30, 3
			var mu sync.Mutex
			var wg sync.WaitGroup
			botPlaced := 0
			for i := range bots {
				v := srv.visitor(t)
				v.header.Set("X-Forwarded-For", "203.0.113.50")
				p := v.mustDialWS()
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := 0; r < rounds; {
						m := p.place(t, (i+r*7)%20, (i+r)%6, 1+(i+r)%10)
						if m["type"] == "success" {
							r++
							mu.Lock()
							botPlaced++
							mu.Unlock()
							next, _ := m["nextPlacement"].(float64)
							time.Sleep(time.Until(time.UnixMilli(int64(next))))
							continue
						}
						if m["code"] != "RATE_LIMITED" {
							t.Errorf("bot %d: %v", i, m)
							return
						}
						time.Sleep(100 * time.Millisecond)
					}
				}()
			}
			// Meanwhile the honest player paints elsewhere.
			for i := range 3 {
				paint(25+i, 25, 12)
			}
			wg.Wait()
			if botPlaced != bots*rounds {
				t.Fatalf("the bots placed %d, want %d", botPlaced, bots*rounds)
			}
			// And then paints over one of the bots' pixels: it stays.
			paint(0, 0, 15)
			placed += botPlaced
			waitCanvasSeq(t, srv, uint64(placed))

			admin := srv.newAdmin(t, "mod")
			key := "addr:203.0.113.50"
			row := regexp.MustCompile(`data-kind="address" data-key="` + regexp.QuoteMeta(key) + `" data-size="(\d+)" data-placements="(\d+)"`)
			deadline := time.Now().Add(time.Minute)
			for {
				r := admin.get("/admin/suspects/list")
				if r.StatusCode != http.StatusOK {
					t.Fatalf("list: %d %.300s", r.StatusCode, r.Body)
				}
				if m := row.FindStringSubmatch(r.Body); m != nil {
					if m[1] != "30" || m[2] != strconv.Itoa(bots*rounds) {
						t.Fatalf("the group has %s identities and %s placements, want 30 and %d", m[1], m[2], bots*rounds)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no group of the script's address within a minute:\n%s", r.Body)
				}
				time.Sleep(time.Second)
			}
			if r := admin.get("/admin/suspects"); r.StatusCode != http.StatusOK || !row.MatchString(r.Body) {
				t.Fatalf("page: %d %.500s", r.StatusCode, r.Body)
			}
			if strings.Contains(admin.get("/admin/suspects/list").Body, "198.51.100.9") {
				t.Fatal("the honest player's address is listed")
			}
			groupURL := "/admin/suspects/group?" + url.Values{"kind": {"address"}, "key": {key}}.Encode()
			if r := admin.get(groupURL); r.StatusCode != http.StatusOK || strings.Count(r.Body, `data-testid="group-member"`) != 30 {
				t.Fatalf("group page: %d %.500s", r.StatusCode, r.Body)
			}

			// A refused form changes nothing and says why.
			since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
			r := admin.postForm("/admin/suspects/group", url.Values{"kind": {"address"}, "key": {key}, "reason": {""}, "duration": {"1h"}, "since": {since}})
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "Give a reason") {
				t.Fatalf("no reason: %d %.300s", r.StatusCode, r.Body)
			}
			canvasBefore := waitCanvasSeq(t, srv, uint64(placed))

			// Preview.
			form := url.Values{"kind": {"address"}, "key": {key}, "reason": {"one script"}, "duration": {"1h"}, "since": {since}}
			r = admin.postForm("/admin/suspects/group", form)
			m := regexp.MustCompile(`data-members="(\d+)" data-restore="(\d+)"`).FindStringSubmatch(r.Body)
			if r.StatusCode != http.StatusOK || m == nil || m[1] != "30" {
				t.Fatalf("preview: %d %.2000s", r.StatusCode, r.Body)
			}
			restore, _ := strconv.Atoi(m[2])
			if !strings.Contains(r.Body, "203.0.113.50") {
				t.Fatalf("the preview does not name the address: %.2000s", r.Body)
			}
			if got := waitCanvasSeq(t, srv, uint64(placed)); !bytes.Equal(got, canvasBefore) {
				t.Fatal("the preview changed the canvas")
			}
			// Confirm, with what the preview page carries.
			confirm := url.Values{"confirm": {"1"}}
			for _, f := range regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)"`).FindAllStringSubmatch(r.Body, -1) {
				if f[1] != "confirm" {
					confirm.Add(f[1], htmlUnescape(f[2]))
				}
			}
			if len(confirm["user"]) != 30 || fmt.Sprint(confirm["address"]) != "[203.0.113.50]" {
				t.Fatalf("the confirmation carries %d users and addresses %v", len(confirm["user"]), confirm["address"])
			}
			r = admin.postForm("/admin/suspects/group", confirm)
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/suspects" {
				t.Fatalf("confirm: %d %.500s", r.StatusCode, r.Body)
			}
			got := waitCanvasSeq(t, srv, uint64(placed+restore))
			if !bytes.Equal(got, expected) {
				t.Fatalf("the canvas after the action differs from the honest player's pixels alone:\n got %v\nwant %v", got[:6*w], expected[:6*w])
			}
			for _, id := range confirm["user"] {
				u, err := srv.Store.Users.UserByID(ctx, id)
				if err != nil || !u.Banned {
					t.Fatalf("bot %s not banned (%v)", id, err)
				}
			}
			if u := srv.user(t, "mod"); u.Banned {
				t.Fatal("the moderator is banned")
			}
			bans, err := srv.Store.NetworkBans.NetworkBans(ctx, time.Now())
			if err != nil || len(bans) != 1 || bans[0].Network != netip.MustParsePrefix("203.0.113.50/32") || time.Until(bans[0].EndsAt) < 59*time.Minute {
				t.Fatalf("network bans: %+v %v", bans, err)
			}
			audit, _ := srv.Store.Users.AuditLog(ctx, 0, 5)
			if len(audit) != 1 || audit[0].Action != "ban-group" || !strings.Contains(audit[0].Detail, "30 identities banned") || !strings.Contains(audit[0].Detail, fmt.Sprintf("%d pixels restored", restore)) {
				t.Fatalf("audit: %+v", audit)
			}
			if page := admin.get("/admin/suspects"); !strings.Contains(page.Body, "Banned 30 identities") {
				t.Fatalf("no message after the action: %.1000s", page.Body)
			}
			// The honest player goes on placing.
			paint(30, 30, 3)
		})
	}
}

// waitCanvasSeq polls GET /api/v1/canvas until it includes seq (the
// canvas of a bigger size than waitCanvas's).
func waitCanvasSeq(t *testing.T, srv *authServer, seq uint64) []byte {
	t.Helper()
	b := srv.visitor(t)
	deadline := time.Now().Add(10 * time.Second)
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

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(s)
}

// Every bad input to the suspects pages gets a clear error and changes
// nothing: an unknown group, a confirmation that names no identity, a bad
// address or ban length, and a moderator in the group they ban.
func TestSuspectsBadInput(t *testing.T) {
	srv := startServer(t, suspectsConfig)
	ctx := context.Background()
	admin := srv.newAdmin(t, "mod")
	mod := srv.user(t, "mod")
	v := srv.visitor(t)
	v.header.Set("X-Forwarded-For", "203.0.113.70")
	if m := v.mustDialWS().place(t, 1, 1, 3); m["type"] != "success" {
		t.Fatalf("placement: %v", m)
	}
	_, me := v.me()
	name, _ := me["username"].(string)
	guest := srv.user(t, name)
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		says   string
	}{
		{"unknown kind", url.Values{"kind": {"nope"}, "key": {"x"}}, http.StatusNotFound, "No such group"},
		{"not a group", url.Values{"kind": {"address"}, "key": {"addr:203.0.113.70"}, "reason": {"r"}, "duration": {"1h"}, "since": {since}}, http.StatusNotFound, "placed nothing in the last hour"},
		{"no identities", url.Values{"kind": {"address"}, "key": {"addr:203.0.113.70"}, "reason": {"r"}, "duration": {"1h"}, "since": {since}, "confirm": {"1"}}, http.StatusBadRequest, "Preview the action again"},
		{"bad address", url.Values{"kind": {"address"}, "key": {"addr:203.0.113.70"}, "reason": {"r"}, "duration": {"1h"}, "since": {since}, "confirm": {"1"}, "user": {guest.ID}, "address": {"not an address"}}, http.StatusBadRequest, "Give an address"},
		{"bad length", url.Values{"kind": {"address"}, "key": {"addr:203.0.113.70"}, "reason": {"r"}, "duration": {"5s"}, "since": {since}, "confirm": {"1"}, "user": {guest.ID}, "address": {"203.0.113.70"}}, http.StatusBadRequest, "how long the address ban lasts"},
		{"bad since", url.Values{"kind": {"address"}, "key": {"addr:203.0.113.70"}, "reason": {"r"}, "duration": {"0"}, "since": {"yesterday"}, "confirm": {"1"}, "user": {guest.ID}}, http.StatusBadRequest, "since must be a time"},
		{"oneself", url.Values{"kind": {"address"}, "key": {"addr:203.0.113.70"}, "reason": {"r"}, "duration": {"0"}, "since": {since}, "confirm": {"1"}, "user": {guest.ID, mod.ID}}, http.StatusBadRequest, "cannot ban yourself"},
	} {
		r := admin.postForm("/admin/suspects/group", c.form)
		if r.StatusCode != c.status || !strings.Contains(r.Body, c.says) {
			t.Errorf("%s: %d, want %d saying %q: %.400s", c.name, r.StatusCode, c.status, c.says, r.Body)
		}
	}
	if r := admin.get("/admin/suspects/group?kind=device&key=nothing"); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET of no group: %d", r.StatusCode)
	}
	if srv.user(t, guest.Username).Banned || srv.user(t, "mod").Banned {
		t.Fatal("a refused action banned someone")
	}
	if bans, _ := srv.Store.NetworkBans.NetworkBans(ctx, time.Now()); len(bans) != 0 {
		t.Fatalf("a refused action banned %v", bans)
	}
	if audit, _ := srv.Store.Users.AuditLog(ctx, 0, 5); len(audit) != 0 {
		t.Fatalf("a refused action wrote %+v", audit)
	}
}
