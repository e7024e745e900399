package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"golang.org/x/crypto/bcrypt"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// authServer is the real server on 127.0.0.1:0 over a fresh data directory.
type authServer struct {
	*app.App
	URL  string
	Host string
	Cfg  app.Config
}

// startServer starts a server with test defaults (small canvas, cheap
// bcrypt, no guest limit), changed by configure.
func startServer(t *testing.T, configure func(*app.Config)) *authServer {
	t.Helper()
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Width, cfg.Height = 16, 16
	cfg.BatchInterval = 5 * time.Millisecond
	cfg.BcryptCost = bcrypt.MinCost
	cfg.GuestLimit = 0
	cfg.AddressPlayers = 0
	cfg.ChallengeBits = 0
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.DrainPeriod = 0
	if configure != nil {
		configure(&cfg)
	}
	ts := startWith(t, cfg)
	return &authServer{App: ts.App, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "http://"), Cfg: cfg}
}

// visitor is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see every 303 and Set-Cookie.
type visitor struct {
	t      *testing.T
	srv    *authServer
	jar    *cookiejar.Jar
	client *http.Client
	header http.Header // sent with every request
}

func (s *authServer) visitor(t *testing.T) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, srv: s, jar: jar, header: http.Header{}, client: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a finished response with its body read.
type response struct {
	*http.Response
	Body string
}

// JSON decodes the body into a map.
func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", r.Request.Method, r.Request.URL.Path, r.Body)
	}
	return m
}

func (b *visitor) do(method, path, contentType string, body io.Reader, extra http.Header) response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	for k, v := range extra {
		if k == "Host" {
			req.Host = v[0]
			continue
		}
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
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{Response: res, Body: string(data)}
}

func (b *visitor) get(path string) response {
	b.t.Helper()
	return b.do(http.MethodGet, path, "", nil, http.Header{"Accept": {"text/html,*/*"}})
}

func (b *visitor) getJSON(path string) response {
	b.t.Helper()
	return b.do(http.MethodGet, path, "", nil, nil)
}

func (b *visitor) postJSON(path string, body any) response {
	b.t.Helper()
	data, _ := json.Marshal(body)
	return b.do(http.MethodPost, path, "application/json", strings.NewReader(string(data)), nil)
}

func (b *visitor) postForm(path string, form url.Values) response {
	b.t.Helper()
	return b.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
}

// token returns the session cookie the jar holds, or "".
func (b *visitor) token() string {
	u, _ := url.Parse(b.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == "session" {
			return c.Value
		}
	}
	return ""
}

// setToken plants a session cookie in the jar.
func (b *visitor) setToken(token string) {
	u, _ := url.Parse(b.srv.URL)
	b.jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: token, Path: "/"}})
}

// me returns GET /api/v1/auth/me.
func (b *visitor) me() (int, map[string]any) {
	b.t.Helper()
	r := b.getJSON("/api/v1/auth/me")
	return r.StatusCode, r.JSON(b.t)
}

func (b *visitor) register(name, password string) {
	b.t.Helper()
	r := b.postJSON("/api/v1/auth/register", map[string]string{"username": name, "password": password})
	if r.StatusCode != http.StatusOK {
		b.t.Fatalf("register %s: %d %s", name, r.StatusCode, r.Body)
	}
}

func (b *visitor) login(name, password string) {
	b.t.Helper()
	r := b.postJSON("/api/v1/auth/login", map[string]string{"username": name, "password": password})
	if r.StatusCode != http.StatusOK {
		b.t.Fatalf("login %s: %d %s", name, r.StatusCode, r.Body)
	}
}

// user returns the stored user of that name.
func (s *authServer) user(t *testing.T, name string) place.User {
	t.Helper()
	u, err := s.Store.Users.UserByName(context.Background(), name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return u
}

// newAdmin registers a user, grants admin rights and returns its visitor.
func (s *authServer) newAdmin(t *testing.T, name string) *visitor {
	t.Helper()
	b := s.visitor(t)
	b.register(name, "moderator password")
	if err := s.Store.Users.SetAdmin(context.Background(), s.user(t, name).ID, true); err != nil {
		t.Fatal(err)
	}
	return b
}

// countRows counts the rows of a table in the embedded database, read
// from outside the server.
func (s *authServer) countRows(t *testing.T, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Cfg.DataDir, "place.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wsPeer is a WebSocket client that records messages and the close.
type wsPeer struct {
	gws.BuiltinEventHandler
	conn   *gws.Conn
	msgs   chan map[string]any
	closed chan error
}

func (p *wsPeer) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	var v map[string]any
	if json.Unmarshal(m.Bytes(), &v) == nil {
		select {
		case p.msgs <- v:
		default:
		}
	}
}

func (p *wsPeer) OnClose(_ *gws.Conn, err error) { p.closed <- err }

// dialWS opens /ws as a player: a visitor without a session first starts
// playing (POST /api/v1/session), as the browser client does before its
// first placement; a refusal there is returned with its response. The jar's
// cookies (session, device) go with the upgrade, and cookies it sets go
// into the jar, as a browser would keep them.
func (b *visitor) dialWS() (*wsPeer, *http.Response, error) {
	if b.token() == "" {
		if res := b.do(http.MethodPost, "/api/v1/session", "", nil, nil); res.StatusCode != http.StatusCreated {
			return nil, res.Response, fmt.Errorf("POST /api/v1/session: %d %s", res.StatusCode, res.Body)
		}
	}
	return dialWS(b, "ws://"+b.srv.Host+"/ws")
}

// watchWS opens /ws with the visitor's cookies, without starting to play.
func (b *visitor) watchWS() (*wsPeer, *http.Response, error) {
	return dialWS(b, "ws://"+b.srv.Host+"/ws")
}

func dialWS(b *visitor, addr string) (*wsPeer, *http.Response, error) {
	p := &wsPeer{msgs: make(chan map[string]any, 64), closed: make(chan error, 1)}
	h := http.Header{}
	for k, v := range b.header {
		h[k] = v
	}
	u, _ := url.Parse(b.srv.URL)
	var cookies []string
	for _, c := range b.jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	conn, res, err := gws.NewClient(p, &gws.ClientOption{Addr: addr, RequestHeader: h})
	if err != nil {
		return nil, res, err
	}
	if res != nil {
		b.jar.SetCookies(u, res.Cookies())
	}
	p.conn = conn
	go conn.ReadLoop()
	b.t.Cleanup(func() { _ = conn.NetConn().Close() })
	return p, res, nil
}

func (b *visitor) mustDialWS() *wsPeer {
	b.t.Helper()
	p, res, err := b.dialWS()
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		b.t.Fatalf("dial /ws: %v (status %d)", err, status)
	}
	p.next(b.t, "welcome")
	return p
}

// next returns the next message of the given type, skipping others.
func (p *wsPeer) next(t *testing.T, typ string) map[string]any {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-p.msgs:
			if m["type"] == typ {
				return m
			}
		case err := <-p.closed:
			t.Fatalf("socket closed while waiting for %q: %v", typ, err)
		case <-deadline:
			t.Fatalf("no %q message within 5 s", typ)
		}
	}
}

// place sends a placement and returns the answer (success or error).
func (p *wsPeer) place(t *testing.T, x, y, color int) map[string]any {
	t.Helper()
	return p.placeWithProof(t, x, y, color, "")
}

// waitClosed waits up to d for the socket to close and returns its close
// code.
func (p *wsPeer) waitClosed(t *testing.T, d time.Duration) (uint16, string) {
	t.Helper()
	select {
	case err := <-p.closed:
		if ce, ok := err.(*gws.CloseError); ok {
			return ce.Code, string(ce.Reason)
		}
		t.Fatalf("socket ended without a close frame: %v", err)
	case <-time.After(d):
		t.Fatalf("socket still open after %v", d)
	}
	return 0, ""
}

// errorCode returns the code of an API error body.
func errorCode(t *testing.T, r response) string {
	t.Helper()
	code, _ := r.JSON(t)["code"].(string)
	return code
}

func mustPrefixes(list ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range list {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}
