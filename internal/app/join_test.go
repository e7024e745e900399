package app_test

import (
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/placecanvas/place/internal/app"
)

// scanQR fetches a QR code PNG as this visitor and decodes it.
func scanQR(t *testing.T, v *visitor) string {
	t.Helper()
	r := v.get("/join/qr.png")
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("/join/qr.png: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	img, err := png.Decode(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode QR code: %v", err)
	}
	return res.GetText()
}

// setJoinCode has the admin change the join code and returns the code now
// in force (from the admin page).
func setJoinCode(t *testing.T, admin *visitor, form url.Values) string {
	t.Helper()
	if r := admin.postForm("/admin/join", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin join %v: %d %s", form, r.StatusCode, r.Body)
	}
	page := admin.get("/admin/join").Body
	i := strings.Index(page, `data-testid="admin-join-code">`)
	if i < 0 {
		return ""
	}
	rest := page[i+len(`data-testid="admin-join-code">`):]
	return rest[:strings.Index(rest, "<")]
}

// joinedPlayer starts a server whose organiser set the join code ROOM-42,
// with a player who placed before it was set and joined after.
func joinedPlayer(t *testing.T) (srv *authServer, admin, player *visitor, ws *wsPeer) {
	t.Helper()
	srv = startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	admin = srv.newAdmin(t, "organiser")
	player = srv.visitor(t)
	ws = player.mustDialWS()
	if m := ws.place(t, 1, 1, 3); m["type"] != "success" {
		t.Fatal(m)
	}
	setJoinCode(t, admin, url.Values{"action": {"set"}, "code": {"ROOM-42"}})
	if r := player.get("/join/ROOM-42"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("join: %d", r.StatusCode)
	}
	return srv, admin, player, ws
}

func TestJoinCode(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = 0 })
	admin := srv.newAdmin(t, "organiser")
	player := srv.visitor(t)
	ws := player.mustDialWS()

	// No code: everyone places, and the QR code leads to the site.
	if m := ws.place(t, 1, 1, 3); m["type"] != "success" {
		t.Fatal(m)
	}
	if got := scanQR(t, player); got != srv.URL+"/" {
		t.Errorf("QR code without a join code: %q", got)
	}

	code := setJoinCode(t, admin, url.Values{"action": {"set"}, "code": {"room-42"}})
	if code != "ROOM-42" {
		t.Fatalf("code = %q", code)
	}
	// The organiser's QR code holds the join link; anyone else's does not
	// give the code away.
	if got := scanQR(t, admin); got != srv.URL+"/join/ROOM-42" {
		t.Errorf("organiser's QR code: %q", got)
	}
	if got := scanQR(t, player); got != srv.URL+"/" {
		t.Errorf("player's QR code: %q", got)
	}

	// Without joining: refused with a clear message, over the WebSocket and
	// the no-JavaScript form; watching goes on.
	m := ws.place(t, 2, 2, 3)
	if m["type"] != "error" || m["code"] != "JOIN_CODE_REQUIRED" || !strings.Contains(m["message"].(string), "join code") {
		t.Fatalf("placing without the code: %v", m)
	}
	if r := player.postForm("/place", url.Values{"x": {"2"}, "y": {"2"}, "color": {"3"}}); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "needs a join code") {
		t.Errorf("form placement without the code: %d", r.StatusCode)
	}
	if r := player.get("/api/v1/canvas"); r.StatusCode != http.StatusOK {
		t.Errorf("watching: %d", r.StatusCode)
	}
	// Wrong codes change nothing.
	if r := player.get("/join/ROOM-41"); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "not valid") {
		t.Errorf("wrong code: %d", r.StatusCode)
	}
	if r := player.postForm("/join", url.Values{"code": {"no"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed code: %d", r.StatusCode)
	}
	if m := ws.place(t, 2, 2, 3); m["code"] != "JOIN_CODE_REQUIRED" {
		t.Fatalf("after wrong codes: %v", m)
	}

	// The link from the QR code (any case) lets this player place, on the
	// connection they already had.
	if r := player.get("/join/room-42"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/#flash" {
		t.Fatalf("join: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if m := ws.place(t, 2, 2, 3); m["type"] != "success" {
		t.Fatalf("after joining: %v", m)
	}
	// A phone with no session yet joins by the form.
	phone := srv.visitor(t)
	if r := phone.postForm("/join", url.Values{"code": {"ROOM-42"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("join by form: %d %s", r.StatusCode, r.Body)
	}
	if m := phone.mustDialWS().place(t, 3, 3, 4); m["type"] != "success" {
		t.Fatalf("phone after joining: %v", m)
	}
}

func TestJoinCodeRotationAndRemoval(t *testing.T) {
	srv, admin, player, ws := joinedPlayer(t)
	code := "ROOM-42"
	// Rotating: the old code and who joined with it stop at once.
	newCode := setJoinCode(t, admin, url.Values{"action": {"rotate"}})
	if newCode == "" || newCode == code {
		t.Fatalf("rotated code %q", newCode)
	}
	if m := ws.place(t, 4, 4, 3); m["code"] != "JOIN_CODE_REQUIRED" {
		t.Fatalf("after rotation: %v", m)
	}
	if r := player.get("/join/ROOM-42"); r.StatusCode != http.StatusForbidden {
		t.Errorf("old code after rotation: %d", r.StatusCode)
	}
	if r := player.get("/join/" + newCode); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new code: %d", r.StatusCode)
	}
	if m := ws.place(t, 4, 4, 3); m["type"] != "success" {
		t.Fatalf("with the new code: %v", m)
	}
	// Removing the code opens placing to all; the audit log has each change.
	setJoinCode(t, admin, url.Values{"action": {"clear"}})
	if m := srv.visitor(t).mustDialWS().place(t, 5, 5, 4); m["type"] != "success" {
		t.Fatalf("after removing the code: %v", m)
	}
	if n := strings.Count(admin.get("/admin/audit").Body, `data-action="join-code"`); n != 3 {
		t.Errorf("%d join-code audit entries, want 3", n)
	}
	if r := admin.postForm("/admin/join", url.Values{"action": {"set"}, "code": {"a b"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad code from the admin: %d", r.StatusCode)
	}
	if r := player.postForm("/admin/join", url.Values{"action": {"rotate"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("a player changing the code: %d", r.StatusCode)
	}
}

func TestClusterJoinCodeRotationReachesEveryInstance(t *testing.T) {
	env := newClusterEnv(t)
	cluster := func(c *app.Config) {
		c.Cooldown = 0
		c.RedisURL, c.DatabaseURL, c.RedisPrefix = env.redisURL, env.databaseURL, env.prefix
	}
	one, two := startServer(t, cluster), startServer(t, cluster)
	admin := one.newAdmin(t, "organiser")
	code := setJoinCode(t, admin, url.Values{"action": {"rotate"}})
	// A player on the other instance joins there and places there.
	player := two.visitor(t)
	ws := player.mustDialWS()
	waitFor(t, "the code to reach the other instance", time.Second, func() bool {
		return two.App.Join.Current().Code == code
	})
	if r := player.get("/join/" + code); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("join on instance two: %d %s", r.StatusCode, r.Body)
	}
	if m := ws.place(t, 1, 1, 5); m["type"] != "success" {
		t.Fatalf("after joining: %v", m)
	}
	// The organiser rotates on instance one; instance two refuses the old
	// code's players within a second.
	rotated := time.Now()
	setJoinCode(t, admin, url.Values{"action": {"rotate"}})
	var m map[string]any
	for {
		m = ws.place(t, 1, 2, 5)
		if m["code"] == "JOIN_CODE_REQUIRED" {
			break
		}
		if time.Since(rotated) > time.Second {
			t.Fatalf("instance two still accepts the old code's player %v after the rotation: %v", time.Since(rotated), m)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("rotation refused on the other instance after %v", time.Since(rotated))
	if r := two.visitor(t).get("/join/" + code); r.StatusCode != http.StatusForbidden {
		t.Errorf("old code on instance two: %d", r.StatusCode)
	}
}

// Wrong join codes are throttled per address (30 per 10 minutes) and per
// player (10), so that a code cannot be guessed by trying them all; a
// correct code does not count, and a full counter refuses even the right
// code, so that the refusal gives nothing away.
func TestWrongJoinCodesAreThrottled(t *testing.T) {
	srv, from := fairServer(t, nil)
	admin := srv.newAdmin(t, "organiser")
	setJoinCode(t, admin, url.Values{"action": {"set"}, "code": {"ROOM-42"}})

	// Per address: visitors without a session, each a new client.
	for i := range 30 {
		if r := from("198.51.100.1").postForm("/join", url.Values{"code": {"GUESS-" + strconv.Itoa(i)}}); r.StatusCode != http.StatusForbidden {
			t.Fatalf("wrong code %d: %d", i, r.StatusCode)
		}
	}
	// Past the limit every code is refused, the right one too, with when
	// to try again; another address is not affected.
	for _, code := range []string{"GUESS-X", "ROOM-42"} {
		r := from("198.51.100.1").postForm("/join", url.Values{"code": {code}})
		secs, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		if r.StatusCode != http.StatusTooManyRequests || secs < 1 || secs > 600 || !strings.Contains(r.Body, "Too many wrong join codes") {
			t.Fatalf("code %s past the address's limit: %d Retry-After %q %.300s", code, r.StatusCode, r.Header.Get("Retry-After"), r.Body)
		}
	}
	if r := from("198.51.100.2").get("/join/ROOM-42"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the right code from another address: %d", r.StatusCode)
	}

	// Per player: one session guessing from ever new addresses.
	p := from("198.51.100.3")
	if r := p.do(http.MethodPost, "/api/v1/session", "", nil, nil); r.StatusCode != http.StatusCreated {
		t.Fatalf("session: %d", r.StatusCode)
	}
	for i := range 10 {
		p.header.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(10+i))
		if r := p.get("/join/GUESS-" + strconv.Itoa(i)); r.StatusCode != http.StatusForbidden {
			t.Fatalf("player's wrong code %d: %d", i, r.StatusCode)
		}
	}
	p.header.Set("X-Forwarded-For", "198.51.100.99")
	if r := p.get("/join/ROOM-42"); r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many wrong join codes") {
		t.Fatalf("the player past their limit from a fresh address: %d %.300s", r.StatusCode, r.Body)
	}

	// A correct code gives its count back: many players joining from one
	// address (a room behind one router) never meet the limit.
	for i := range 40 {
		if r := from("198.51.100.4").get("/join/ROOM-42"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("player %d joining with the right code: %d", i, r.StatusCode)
		}
	}
}
