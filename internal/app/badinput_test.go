package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/placecanvas/place/assets"
)

// leaks are fragments that must never reach a client: driver and library
// names, Go source positions, panics and stack traces (docs/protocol.md, "Errors").
var leaks = []string{"sql", "redis", "pgx", ".go:", "runtime error", "goroutine", "panic", "gws:", "echo:", "no such file", "/tmp/"}

// badInput is one bad request and how it must be answered.
type badInput struct {
	name        string
	who         string // "", "admin"
	method      string
	path        string // sent as is (no cleaning of "..")
	contentType string
	body        string
	header      http.Header
	status      int
	kind        string // "json", "html" or "" (no body: HEAD)
	code        string // the §6 code; "" when the answer is a form shown again
}

// TestBadInputOverHTTP walks every route of handlers/routes.go with bad
// query parameters, methods, bodies, content types, cookies and paths, and
// checks that each gets a clear error in the §6 shape with a fitting
// status, leaks nothing internal, and changes nothing (docs/protocol.md, "Errors").
func TestBadInputOverHTTP(t *testing.T) {
	srv := startServer(t, nil)
	admin := srv.newAdmin(t, "moderator")
	nobody := srv.visitor(t)
	targetID := srv.user(t, "moderator").ID
	big := strings.Repeat("a", 70<<10)
	html := http.Header{"Accept": {"text/html,application/xhtml+xml,*/*;q=0.8"}}
	form := "application/x-www-form-urlencoded"
	garbageCookie := http.Header{"Cookie": {"session=%%%garbage%%%; session=" + strings.Repeat("x", 4000)}}
	asset := assets.Prefix

	cases := []badInput{
		// GET /api/v1/canvas.png?scale=1..8
		{name: "scale 0", method: "GET", path: "/api/v1/canvas.png?scale=0", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "scale 9", method: "GET", path: "/api/v1/canvas.png?scale=9", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "scale negative", method: "GET", path: "/api/v1/canvas.png?scale=-1", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "scale huge", method: "GET", path: "/api/v1/canvas.png?scale=99999999999999999999", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "scale word", method: "GET", path: "/api/v1/canvas.png?scale=big", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "scale float", method: "GET", path: "/api/v1/canvas.png?scale=2.5", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "scale empty", method: "GET", path: "/api/v1/canvas.png?scale=", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "scale twice", method: "GET", path: "/api/v1/canvas.png?scale=2&scale=8", status: 400, kind: "json", code: "VALIDATION_ERROR"},

		// GET /api/v1/history/pixel?x=&y=&limit=
		{name: "history no params", method: "GET", path: "/api/v1/history/pixel", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "history no y", method: "GET", path: "/api/v1/history/pixel?x=1", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "history x negative", method: "GET", path: "/api/v1/history/pixel?x=-1&y=0", status: 400, kind: "json", code: "INVALID_COORDS"},
		{name: "history x = width", method: "GET", path: "/api/v1/history/pixel?x=16&y=0", status: 400, kind: "json", code: "INVALID_COORDS"},
		{name: "history y huge", method: "GET", path: "/api/v1/history/pixel?x=0&y=99999999999999999999", status: 400, kind: "json", code: "INVALID_COORDS"},
		{name: "history x float", method: "GET", path: "/api/v1/history/pixel?x=1.5&y=0", status: 400, kind: "json", code: "INVALID_COORDS"},
		{name: "history x empty", method: "GET", path: "/api/v1/history/pixel?x=&y=0", status: 400, kind: "json", code: "INVALID_COORDS"},
		{name: "history x twice", method: "GET", path: "/api/v1/history/pixel?x=1&x=2&y=0", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "history limit 0", method: "GET", path: "/api/v1/history/pixel?x=1&y=1&limit=0", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "history limit 501", method: "GET", path: "/api/v1/history/pixel?x=1&y=1&limit=501", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "history limit negative", method: "GET", path: "/api/v1/history/pixel?x=1&y=1&limit=-5", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "history limit word", method: "GET", path: "/api/v1/history/pixel?x=1&y=1&limit=all", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "history limit empty", method: "GET", path: "/api/v1/history/pixel?x=1&y=1&limit=", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "history limit twice", method: "GET", path: "/api/v1/history/pixel?x=1&y=1&limit=1&limit=500", status: 400, kind: "json", code: "VALIDATION_ERROR"},

		// GET /api/v1/events
		{name: "events since negative", method: "GET", path: "/api/v1/events?since=-1", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "events since word", method: "GET", path: "/api/v1/events?since=now", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "events since twice", method: "GET", path: "/api/v1/events?since=1&since=2", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "events bad Last-Event-ID", method: "GET", path: "/api/v1/events", header: http.Header{"Last-Event-Id": {"x"}}, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "events HEAD", method: "HEAD", path: "/api/v1/events", status: 405},

		// GET /ws
		{name: "ws since negative", method: "GET", path: "/ws?since=-1", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "ws since twice", method: "GET", path: "/ws?since=1&since=2", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "ws acks unknown", method: "GET", path: "/ws?acks=later", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "ws acks twice", method: "GET", path: "/ws?acks=batched&acks=each", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "ws without upgrade", method: "GET", path: "/ws", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "ws upgrade without key", method: "GET", path: "/ws", header: http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}}, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "ws old version", method: "GET", path: "/ws", header: http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"8"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "ws cross-site", method: "GET", path: "/ws", header: http.Header{"Origin": {"https://evil.example"}}, status: 403, kind: "json", code: "FORBIDDEN"},
		{name: "ws POST", method: "POST", path: "/ws", status: 405, kind: "json", code: "VALIDATION_ERROR"},

		// Pages: /history, /history/recent, /
		{name: "history page x twice", method: "GET", path: "/history?x=1&x=2&y=1", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "history page x word", method: "GET", path: "/history?x=a&y=1", header: html, status: 400, kind: "html", code: "INVALID_COORDS"},
		{name: "history page y negative", method: "GET", path: "/history?x=1&y=-1", header: html, status: 400, kind: "html", code: "INVALID_COORDS"},
		{name: "history page before 0", method: "GET", path: "/history?x=1&y=1&before=0", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "history page before huge", method: "GET", path: "/history?x=1&y=1&before=99999999999999999999999", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "recent before word", method: "GET", path: "/history/recent?before=last", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "recent before twice", method: "GET", path: "/history/recent?before=1&before=2", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "history page without Accept", method: "GET", path: "/history?x=zz&y=1", status: 400, kind: "html", code: "INVALID_COORDS"},

		// Bad cookies never fail a request.
		{name: "me garbage cookie", method: "GET", path: "/api/v1/auth/me", header: garbageCookie, status: 401, kind: "json", code: "UNAUTHORIZED"},

		// JSON auth endpoints: content types, malformed and oversized bodies.
		{name: "login malformed JSON", method: "POST", path: "/api/v1/auth/login", contentType: "application/json", body: `{"username":`, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login wrong types", method: "POST", path: "/api/v1/auth/login", contentType: "application/json", body: `{"username":1,"password":[2]}`, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login JSON array", method: "POST", path: "/api/v1/auth/login", contentType: "application/json", body: `[]`, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login JSON null", method: "POST", path: "/api/v1/auth/login", contentType: "application/json", body: `null`, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login empty JSON body", method: "POST", path: "/api/v1/auth/login", contentType: "application/json", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login text/plain", method: "POST", path: "/api/v1/auth/login", contentType: "text/plain", body: "moderator:pw", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login no content type", method: "POST", path: "/api/v1/auth/login", body: `{}`, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login bad multipart", method: "POST", path: "/api/v1/auth/login", contentType: "multipart/form-data; boundary=zz", body: "--zz\r\ngarbage", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login multipart without boundary", method: "POST", path: "/api/v1/auth/login", contentType: "multipart/form-data", body: "garbage", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login oversized JSON", method: "POST", path: "/api/v1/auth/login", contentType: "application/json", body: `{"username":"` + big + `"}`, status: 413, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login oversized form", method: "POST", path: "/api/v1/auth/login", contentType: form, body: "username=" + big, status: 413, kind: "json", code: "VALIDATION_ERROR"},
		{name: "login password over 72 bytes", method: "POST", path: "/api/v1/auth/login", contentType: "application/json", body: `{"username":"moderator","password":"` + strings.Repeat("p", 73) + `"}`, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "register trailing garbage", method: "POST", path: "/api/v1/auth/register", contentType: "application/json", body: `{"username":"sneaky","password":"long enough"} {"username":"x"}`, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "register bad username", method: "POST", path: "/api/v1/auth/register", contentType: "application/json", body: `{"username":"../etc","password":"long enough"}`, status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "register invalid UTF-8", method: "POST", path: "/api/v1/auth/register", contentType: "application/json", body: "{\"username\":\"ab\xff\xfe\",\"password\":\"long enough\"}", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "register short password", method: "POST", path: "/api/v1/auth/register", contentType: form, body: "username=newbie&password=short", status: 400, kind: "json", code: "VALIDATION_ERROR"},
		{name: "register taken", method: "POST", path: "/api/v1/auth/register", contentType: "application/json", body: `{"username":"MODERATOR","password":"long enough"}`, status: 409, kind: "json", code: "USERNAME_TAKEN"},
		{name: "register cross-site", method: "POST", path: "/api/v1/auth/register", contentType: "application/json", body: `{}`, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}, status: 403, kind: "json", code: "FORBIDDEN"},
		{name: "logout cross-site", method: "POST", path: "/api/v1/auth/logout", header: http.Header{"Origin": {"https://evil.example"}}, status: 403, kind: "json", code: "FORBIDDEN"},

		// The no-JavaScript forms answer with pages.
		{name: "place oversized", method: "POST", path: "/place", contentType: form, body: "x=" + big, status: 413, kind: "html", code: "VALIDATION_ERROR"},
		{name: "place x word", method: "POST", path: "/place", contentType: form, body: "x=a&y=1&color=1", status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "place x float", method: "POST", path: "/place", contentType: form, body: "x=1.0&y=1&color=1", status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "place x negative", method: "POST", path: "/place", contentType: form, body: "x=-1&y=1&color=1", status: 400, kind: "html", code: "INVALID_COORDS"},
		{name: "place y huge", method: "POST", path: "/place", contentType: form, body: "x=1&y=99999999999999999999&color=1", status: 400, kind: "html", code: "INVALID_COORDS"},
		{name: "place color 16", method: "POST", path: "/place", contentType: form, body: "x=1&y=1&color=16", status: 400, kind: "html", code: "INVALID_COLOR"},
		{name: "place color huge", method: "POST", path: "/place", contentType: form, body: "x=1&y=1&color=-99999999999999999999", status: 400, kind: "html", code: "INVALID_COLOR"},
		{name: "place no fields", method: "POST", path: "/place", contentType: form, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "place JSON body", method: "POST", path: "/place", contentType: "application/json", body: `{"x":1,"y":1,"color":1}`, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "place cross-site", method: "POST", path: "/place", contentType: form, body: "x=1&y=1&color=1", header: http.Header{"Sec-Fetch-Site": {"cross-site"}}, status: 403, kind: "html", code: "FORBIDDEN"},
		{name: "login form oversized", method: "POST", path: "/login", contentType: form, body: "username=" + big, status: 413, kind: "html", code: "VALIDATION_ERROR"},
		{name: "login form empty", method: "POST", path: "/login", contentType: form, status: 400, kind: "html"},
		{name: "login form wrong type", method: "POST", path: "/login", contentType: "text/plain", body: "x", header: html, status: 400, kind: "html"},
		{name: "register form bad name", method: "POST", path: "/register", contentType: form, body: "username=a&password=long+enough", status: 400, kind: "html"},
		{name: "logout form cross-site", method: "POST", path: "/logout", contentType: form, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}, status: 403, kind: "html", code: "FORBIDDEN"},

		// Moderation, as an admin.
		{name: "admin unknown user", who: "admin", method: "GET", path: "/admin/users/nobody", header: html, status: 404, kind: "html", code: "NOT_FOUND"},
		{name: "admin user id too long", who: "admin", method: "GET", path: "/admin/users/" + strings.Repeat("a", 200), header: html, status: 404, kind: "html", code: "NOT_FOUND"},
		{name: "admin user before word", who: "admin", method: "GET", path: "/admin/users/" + targetID + "?before=x", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "admin user before twice", who: "admin", method: "GET", path: "/admin/users/" + targetID + "?before=1&before=2", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "admin search too long", who: "admin", method: "GET", path: "/admin/users?q=" + strings.Repeat("q", 65), header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "admin audit before 0", who: "admin", method: "GET", path: "/admin/audit?before=0", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "admin audit before huge", who: "admin", method: "GET", path: "/admin/audit?before=99999999999999999999", header: html, status: 400, kind: "html", code: "VALIDATION_ERROR"},
		{name: "admin ban unknown user", who: "admin", method: "POST", path: "/admin/users/nobody/ban", contentType: form, body: "reason=x", status: 404, kind: "html", code: "NOT_FOUND"},
		{name: "admin ban without reason", who: "admin", method: "POST", path: "/admin/users/" + targetID + "/ban", contentType: form, status: 400, kind: "html"},
		{name: "admin ban oversized", who: "admin", method: "POST", path: "/admin/users/" + targetID + "/ban", contentType: form, body: "reason=" + big, status: 413, kind: "html", code: "VALIDATION_ERROR"},
		{name: "admin rollback bad since", who: "admin", method: "POST", path: "/admin/users/" + targetID + "/rollback", contentType: form, body: "since=yesterday", status: 400, kind: "html"},
		{name: "admin pages for visitors", method: "GET", path: "/admin", header: html, status: 403, kind: "html", code: "FORBIDDEN"},
		{name: "admin API-style for visitors", method: "GET", path: "/admin/audit", status: 403, kind: "json", code: "FORBIDDEN"},

		// Wrong methods: 405 with the JSON error and an Allow header.
		{name: "PUT canvas", method: "PUT", path: "/api/v1/canvas", status: 405, kind: "json", code: "VALIDATION_ERROR"},
		{name: "DELETE page", method: "DELETE", path: "/", status: 405, kind: "json", code: "VALIDATION_ERROR"},
		{name: "GET login API", method: "GET", path: "/api/v1/auth/login", status: 405, kind: "json", code: "VALIDATION_ERROR"},
		{name: "PATCH admin", method: "PATCH", path: "/admin/users/" + targetID + "/ban", status: 405, kind: "json", code: "VALIDATION_ERROR"},
		{name: "POST healthz", method: "POST", path: "/healthz", status: 405, kind: "json", code: "VALIDATION_ERROR"},

		// Unknown routes: JSON for the API, a page for browsers.
		{name: "unknown API route", method: "GET", path: "/api/v1/nope", header: html, status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "unknown API version", method: "GET", path: "/api/v2/canvas", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "unknown page", method: "GET", path: "/nope", header: html, status: 404, kind: "html", code: "NOT_FOUND"},
		{name: "unknown route, no Accept", method: "GET", path: "/nope", status: 404, kind: "json", code: "NOT_FOUND"},

		// Assets: unknown files, old versions, directories, traversal.
		{name: "asset unknown version", method: "GET", path: "/assets/0123456789ab/js/app.js", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "asset unknown file", method: "GET", path: asset + "js/nope.js", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "asset unknown file, browser", method: "GET", path: asset + "js/nope.js", header: html, status: 404, kind: "html", code: "NOT_FOUND"},
		{name: "asset directory", method: "GET", path: asset + "js/", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "asset directory without slash", method: "GET", path: asset + "js", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "asset root", method: "GET", path: "/assets/", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "asset traversal", method: "GET", path: asset + "../../go.mod", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "asset encoded traversal", method: "GET", path: asset + "%2e%2e/%2e%2e/go.mod", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "asset traversal out of the tree", method: "GET", path: "/assets/../../../../etc/passwd", status: 404, kind: "json", code: "NOT_FOUND"},
		{name: "asset POST", method: "POST", path: asset + "js/app.js", status: 405, kind: "json", code: "VALIDATION_ERROR"},
	}

	usersBefore := srv.countRows(t, "users")
	seqBefore := srv.Hub.Seq()
	for _, tc := range cases {
		b := nobody
		if tc.who == "admin" {
			b = admin
		}
		hdr := http.Header{}
		for k, v := range tc.header {
			hdr[k] = v
		}
		r := b.rawDo(tc.method, tc.path, tc.contentType, tc.body, hdr)
		checkBadInput(t, tc, r)
	}
	if n := srv.countRows(t, "users"); n != usersBefore {
		t.Errorf("bad input created %d users", n-usersBefore)
	}
	if seq := srv.Hub.Seq(); seq != seqBefore {
		t.Errorf("bad input placed pixels: seq %d → %d", seqBefore, seq)
	}
	if u := srv.user(t, "moderator"); u.Banned {
		t.Error("bad input banned a user")
	}
	if r := nobody.get("/"); !strings.Contains(r.Body, "<title>Canvas · place</title>") {
		t.Errorf("canvas page title: %q", regexp.MustCompile(`<title>[^<]*</title>`).FindString(r.Body))
	}
}

var pageCode = regexp.MustCompile(`<code>([A-Z_]+)</code>`)

func checkBadInput(t *testing.T, tc badInput, r response) {
	t.Helper()
	desc := tc.method + " " + tc.name
	if r.StatusCode != tc.status {
		t.Errorf("%s: status %d, want %d: %.300s", desc, r.StatusCode, tc.status, r.Body)
		return
	}
	lower := strings.ToLower(r.Body)
	for _, l := range leaks {
		if strings.Contains(lower, l) {
			t.Errorf("%s: the body leaks %q: %.300s", desc, l, r.Body)
		}
	}
	if r.StatusCode == http.StatusMethodNotAllowed && r.Header.Get("Allow") == "" {
		t.Errorf("%s: 405 without an Allow header", desc)
	}
	ct := r.Header.Get("Content-Type")
	switch tc.kind {
	case "json":
		if !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q, want JSON: %.200s", desc, ct, r.Body)
			return
		}
		var body struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Errorf("%s: not a JSON error: %q", desc, r.Body)
			return
		}
		if body.Code != tc.code || body.Message == "" {
			t.Errorf("%s: code %q message %q, want code %s", desc, body.Code, body.Message, tc.code)
		}
	case "html":
		if !strings.HasPrefix(ct, "text/html") || !strings.Contains(r.Body, "<html") {
			t.Errorf("%s: Content-Type %q, want a page: %.200s", desc, ct, r.Body)
			return
		}
		if strings.Contains(r.Body, "· place · place") {
			t.Errorf("%s: the page title names the site twice", desc)
		}
		if tc.code != "" {
			if m := pageCode.FindStringSubmatch(r.Body); m == nil || m[1] != tc.code {
				t.Errorf("%s: page shows code %v, want %s", desc, m, tc.code)
			}
		}
	}
}

// rawDo sends a request with the path exactly as given ("..", "%2e" and
// all), so that the server, not the client, decides what it means.
func (b *visitor) rawDo(method, path, contentType, body string, hdr http.Header) response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.srv.URL, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	p, q, _ := strings.Cut(path, "?")
	req.URL.Opaque = "//" + b.srv.Host + p
	req.URL.RawQuery = q
	for k, v := range hdr {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return response{Response: res, Body: sb.String()}
}

// TestHEADRequests checks that every route that answers GET (except the
// streams) answers HEAD the same way without a body, as HTTP requires of
// general-purpose servers; uptime monitors and `curl -I` use it.
func TestHEADRequests(t *testing.T) {
	srv := startServer(t, nil)
	b := srv.visitor(t)
	for _, tc := range []struct {
		path, contentType string
	}{
		{"/", "text/html"},
		{"/history?x=1&y=1", "text/html"},
		{"/history/recent", "text/html"},
		{"/login", "text/html"},
		{"/register", "text/html"},
		{"/api/v1/canvas", "application/octet-stream"},
		{"/api/v1/canvas.png?scale=2", "image/png"},
		{"/api/v1/canvas/info", "application/json"},
		{"/api/v1/history/pixel?x=1&y=1", "application/json"},
		{"/healthz", "application/json"},
		{"/readyz", "application/json"},
		{"/metrics", "text/plain"},
		{assets.URL("js/app.js"), "text/javascript"},
	} {
		r := b.rawDo(http.MethodHead, tc.path, "", "", nil)
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), tc.contentType) || r.Body != "" {
			t.Errorf("HEAD %s: %d %q %q", tc.path, r.StatusCode, r.Header.Get("Content-Type"), r.Body)
		}
	}
	if r := b.rawDo(http.MethodHead, "/api/v1/canvas", "", "", nil); r.Header.Get("X-Canvas-Seq") == "" || r.Header.Get("ETag") == "" {
		t.Errorf("HEAD /api/v1/canvas lacks the canvas headers: %v", r.Header)
	}
	// A HEAD of a bad request is refused like its GET.
	if r := b.rawDo(http.MethodHead, "/api/v1/history/pixel?x=-1&y=1", "", "", nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("HEAD of a bad request: %d", r.StatusCode)
	}
	// Reads create no session, HEAD included (docs/protocol.md, "HTTP").
	if n := len(b.jar.Cookies(&url.URL{Scheme: "http", Host: srv.Host, Path: "/"})); n != 0 {
		t.Errorf("HEAD requests set %d cookies", n)
	}
}
