package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

func TestAuthAPI(t *testing.T) {
	srv := startServer(t, nil)
	b := srv.visitor(t)

	r := b.postJSON("/api/v1/auth/register", map[string]string{"username": "Alice", "password": "long enough"})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("register: %d %s", r.StatusCode, r.Body)
	}
	if m := r.JSON(t); m["success"] != true || m["username"] != "Alice" {
		t.Fatalf("register answered %v", m)
	}
	status, me := b.me()
	if status != http.StatusOK || me["username"] != "Alice" || me["isGuest"] != false || me["isAdmin"] != false || me["userId"] == "" {
		t.Fatalf("me after register: %d %v", status, me)
	}

	r = b.postJSON("/api/v1/auth/register", map[string]string{"username": "alice", "password": "another one"})
	if r.StatusCode != http.StatusConflict || errorCode(t, r) != "USERNAME_TAKEN" {
		t.Fatalf("names must be unique regardless of case: %d %s", r.StatusCode, r.Body)
	}

	r = b.postJSON("/api/v1/auth/logout", nil)
	if r.StatusCode != http.StatusOK || r.JSON(t)["success"] != true {
		t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
	}
	if status, _ := b.me(); status != http.StatusUnauthorized {
		t.Fatalf("me after logout: %d", status)
	}

	// Form-encoded bodies work on the JSON API too.
	r = b.postForm("/api/v1/auth/login", url.Values{"username": {"ALICE"}, "password": {"long enough"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("form login: %d %s", r.StatusCode, r.Body)
	}
	if m := r.JSON(t); m["success"] != true || m["username"] != "Alice" || m["isAdmin"] != false {
		t.Fatalf("login answered %v", m)
	}

	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"not JSON", "application/json", "{"},
		{"number as name", "application/json", `{"username": 5, "password": "long enough"}`},
		{"no password", "application/json", `{"username": "Alice"}`},
		{"plain text", "text/plain", "Alice:long enough"},
	} {
		r := b.do(http.MethodPost, "/api/v1/auth/login", tc.contentType, strings.NewReader(tc.body), nil)
		if r.StatusCode != http.StatusBadRequest || errorCode(t, r) != "VALIDATION_ERROR" {
			t.Errorf("%s: %d %s", tc.name, r.StatusCode, r.Body)
		}
	}
}

func TestLoginAndRegisterPagesWorkWithoutJavaScript(t *testing.T) {
	srv := startServer(t, nil)
	b := srv.visitor(t)

	for _, path := range []string{"/login", "/register"} {
		r := b.get(path)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `action="`+path+`"`) || !strings.Contains(r.Body, `<label for=`) {
			t.Fatalf("GET %s: %d\n%s", path, r.StatusCode, r.Body)
		}
	}

	r := b.postForm("/register", url.Values{"username": {"x"}, "password": {"long enough"}})
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, `data-testid="form-error"`) || !strings.Contains(r.Body, "3 to 32") {
		t.Fatalf("bad name: %d\n%s", r.StatusCode, r.Body)
	}
	r = b.postForm("/register", url.Values{"username": {"bob"}, "password": {"long enough"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("register: %d %v", r.StatusCode, r.Header)
	}
	if status, me := b.me(); status != http.StatusOK || me["username"] != "bob" {
		t.Fatalf("me: %d %v", status, me)
	}

	r = b.postForm("/logout", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	if status, _ := b.me(); status != http.StatusUnauthorized {
		t.Fatalf("me after logout: %d", status)
	}

	r = b.postForm("/login", url.Values{"username": {"bob"}, "password": {"wrong password"}})
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Body, "Wrong username or password.") || !strings.Contains(r.Body, `value="bob"`) {
		t.Fatalf("wrong password: %d\n%s", r.StatusCode, r.Body)
	}
	r = b.postForm("/login", url.Values{"username": {"bob"}, "password": {"long enough"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", r.StatusCode, r.Body)
	}
	if status, me := b.me(); status != http.StatusOK || me["username"] != "bob" {
		t.Fatalf("me after login: %d %v", status, me)
	}
}

// A token planted in the victim's browser before login (or register) is
// dead afterwards: the session moved to a new token.
func TestSessionFixation(t *testing.T) {
	srv := startServer(t, nil)
	srv.visitor(t).register("victim", "victim password")

	for _, action := range []string{"login", "register", "logout"} {
		t.Run(action, func(t *testing.T) {
			attacker := srv.visitor(t)
			attacker.mustDialWS() // a valid guest session
			planted := attacker.token()
			if planted == "" {
				t.Fatal("no session cookie on the upgrade")
			}

			victim := srv.visitor(t)
			victim.setToken(planted)
			switch action {
			case "login":
				victim.login("victim", "victim password")
			case "register":
				victim.register("victim"+action, "victim password")
			case "logout":
				if r := victim.postJSON("/api/v1/auth/logout", nil); r.StatusCode != http.StatusOK {
					t.Fatalf("logout: %d", r.StatusCode)
				}
			}
			if tok := victim.token(); tok == planted {
				t.Fatal("the session token was not renewed")
			}
			// The attacker's copy of the token no longer names any session.
			if status, me := attacker.me(); status != http.StatusUnauthorized {
				t.Fatalf("planted token still works after %s: %d %v", action, status, me)
			}
			if _, found, _ := srv.Store.Sessions.Find(planted); found {
				t.Fatal("planted token is still in the session store")
			}
		})
	}
}

func TestRegisterFromGuestKeepsIdentityAndCooldown(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = time.Minute })
	b := srv.visitor(t)
	ws := b.mustDialWS()
	if m := ws.place(t, 1, 1, 5); m["type"] != "success" {
		t.Fatalf("guest placement: %v", m)
	}
	_, guest := b.me()
	b.register("painter", "long enough")
	_, me := b.me()
	if me["userId"] != guest["userId"] || me["isGuest"] != false {
		t.Fatalf("the guest %v did not become the account %v", guest, me)
	}
	// The socket of the renewed session closes; the new one is the account
	// and still waits out the guest's cooldown.
	ws.waitClosed(t, time.Second)
	ws = b.mustDialWS()
	if m := ws.place(t, 2, 2, 5); m["code"] != "RATE_LIMITED" {
		t.Fatalf("registering gave a free pixel: %v", m)
	}
	h, err := srv.Store.History.PixelHistory(context.Background(), 1, 1, 10)
	if err != nil || len(h) != 1 || h[0].Username != "painter" {
		t.Fatalf("the guest's pixel is not the account's: %v %v", h, err)
	}
}

func TestLoginFromGuestKeepsTheLaterCooldown(t *testing.T) {
	srv := startServer(t, func(c *app.Config) { c.Cooldown = time.Minute })
	srv.visitor(t).register("regular", "long enough")
	account := srv.user(t, "regular")

	b := srv.visitor(t)
	ws := b.mustDialWS()
	if m := ws.place(t, 3, 3, 2); m["type"] != "success" {
		t.Fatalf("guest placement: %v", m)
	}
	_, guest := b.me()
	guestUntil, _ := srv.Store.Placer.CooldownUntil(context.Background(), guest["userId"].(string))
	b.login("regular", "long enough")
	until, _ := srv.Store.Placer.CooldownUntil(context.Background(), account.ID)
	if until.Before(guestUntil) {
		t.Fatalf("account cooldown %v ends before the guest's %v: a free pixel", until, guestUntil)
	}
	ws.waitClosed(t, time.Second)
	if m := b.mustDialWS().place(t, 4, 4, 2); m["code"] != "RATE_LIMITED" {
		t.Fatalf("logging in gave a free pixel: %v", m)
	}
}

func TestLogoutClosesTheSessionsSockets(t *testing.T) {
	srv := startServer(t, nil)
	b := srv.visitor(t)
	b.register("leaver", "long enough")
	ws := b.mustDialWS()
	other := srv.visitor(t)
	other.login("leaver", "long enough") // another device stays logged in
	otherWS := other.mustDialWS()

	start := time.Now()
	if r := b.postJSON("/api/v1/auth/logout", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	if code, _ := ws.waitClosed(t, time.Second); code != 1008 {
		t.Fatalf("close code %d, want 1008", code)
	}
	t.Logf("socket closed %v after logout", time.Since(start))
	if m := otherWS.place(t, 0, 0, 1); m["type"] != "success" {
		t.Fatalf("the other device's socket should live on: %v", m)
	}
	sessions, _ := srv.Store.SessionIndex.UserSessions(context.Background(), srv.user(t, "leaver").ID)
	if len(sessions) != 1 || sessions[0] != other.token() {
		t.Fatalf("session index after logout: %v", sessions)
	}
}

func TestPasswordLengthInBytes(t *testing.T) {
	srv := startServer(t, nil)
	b := srv.visitor(t)

	long := strings.Repeat("a", 73)
	r := b.postJSON("/api/v1/auth/register", map[string]string{"username": "longpw", "password": long})
	if r.StatusCode != http.StatusBadRequest || errorCode(t, r) != "VALIDATION_ERROR" {
		t.Fatalf("73-byte password on register: %d %s", r.StatusCode, r.Body)
	}
	if _, err := srv.Store.Users.UserByName(context.Background(), "longpw"); err == nil {
		t.Fatal("an account was created with a 73-byte password")
	}
	// 37 characters, 73 bytes: the limit is bcrypt's, in bytes.
	r = b.postJSON("/api/v1/auth/register", map[string]string{"username": "longpw", "password": strings.Repeat("é", 36) + "a"})
	if r.StatusCode != http.StatusBadRequest || errorCode(t, r) != "VALIDATION_ERROR" {
		t.Fatalf("73-byte UTF-8 password on register: %d %s", r.StatusCode, r.Body)
	}

	pass := "Grüße aus Köln — ☃ mein Pixel-Passwort "
	for len(pass) < 64 {
		pass += "x"
	}
	if len(pass) != 64 {
		t.Fatalf("test passphrase is %d bytes", len(pass))
	}
	b.register("passphrase", pass)
	other := srv.visitor(t)
	other.login("passphrase", pass)
	// A password sharing the first 72 bytes must not match a longer one:
	// refused outright rather than truncated.
	r = other.postJSON("/api/v1/auth/login", map[string]string{"username": "passphrase", "password": pass + strings.Repeat("y", 9)})
	if r.StatusCode != http.StatusBadRequest || errorCode(t, r) != "VALIDATION_ERROR" {
		t.Fatalf("73+-byte password on login: %d %s", r.StatusCode, r.Body)
	}
}

func TestUnknownUserAndWrongPasswordLookTheSame(t *testing.T) {
	srv := startServer(t, nil)
	srv.visitor(t).register("known", "right password")
	guest := srv.visitor(t)
	guest.mustDialWS()
	_, g := guest.me()

	b := srv.visitor(t)
	var answers []response
	for _, name := range []string{"known", "nobody-here", g["username"].(string)} {
		answers = append(answers, b.postJSON("/api/v1/auth/login", map[string]string{"username": name, "password": "wrong password"}))
	}
	for i, r := range answers {
		if r.StatusCode != http.StatusUnauthorized || errorCode(t, r) != "INVALID_CREDENTIALS" {
			t.Fatalf("answer %d: %d %s", i, r.StatusCode, r.Body)
		}
		if r.Body != answers[0].Body {
			t.Fatalf("answers differ:\n%s\n%s", answers[0].Body, r.Body)
		}
	}
}

func TestLoginThrottling(t *testing.T) {
	srv := startServer(t, func(c *app.Config) {
		c.TrustedProxies = mustPrefixes("127.0.0.1/32")
	})
	srv.visitor(t).register("target", "right password")
	from := func(ip string) *visitor {
		b := srv.visitor(t)
		b.header.Set("X-Forwarded-For", ip)
		return b
	}
	attempt := func(b *visitor, name, pw string) response {
		return b.postJSON("/api/v1/auth/login", map[string]string{"username": name, "password": pw})
	}

	attacker := from("203.0.113.1")
	for i := 0; i < 5; i++ {
		if r := attempt(attacker, "target", "guess "+strconv.Itoa(i)); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, r.StatusCode)
		}
	}
	r := attempt(attacker, "target", "right password")
	if r.StatusCode != http.StatusTooManyRequests || errorCode(t, r) != "TOO_MANY_ATTEMPTS" {
		t.Fatalf("6th attempt from one address: %d %s", r.StatusCode, r.Body)
	}
	retry, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if rem, _ := r.JSON(t)["remainingSeconds"].(float64); retry <= 0 || int(rem) != retry {
		t.Fatalf("Retry-After %q, remainingSeconds %v", r.Header.Get("Retry-After"), r.JSON(t)["remainingSeconds"])
	}

	// The attacker cannot lock the real user out: from their own address
	// they log in, which also clears the username's counters.
	from("198.51.100.7").login("target", "right password")

	// A distributed attack hits the per-username ceiling ...
	for i := 0; i < 20; i++ {
		ip := "192.0.2." + strconv.Itoa(10+i/4)
		if r := attempt(from(ip), "target", "guess"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("distributed guess %d: %d %s", i, r.StatusCode, r.Body)
		}
	}
	if r := attempt(from("192.0.2.99"), "target", "right password"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("per-username ceiling: %d %s", r.StatusCode, r.Body)
	}
	// ... which only holds for a short window.
	if rem, _ := attempt(from("192.0.2.99"), "target", "x").JSON(t)["remainingSeconds"].(float64); rem <= 0 || rem > 300 {
		t.Fatalf("per-username window %v s, want at most 5 minutes", rem)
	}

	// One address spraying many names hits the per-address limit.
	sprayer := from("203.0.113.50")
	for i := 0; i < 30; i++ {
		if r := attempt(sprayer, "user"+strconv.Itoa(i), "guess"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("spray %d: %d", i, r.StatusCode)
		}
	}
	if r := attempt(sprayer, "someone-else", "guess"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("per-address limit: %d %s", r.StatusCode, r.Body)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		srv := startServer(t, func(c *app.Config) { c.SecureCookies = secure })
		r := srv.visitor(t).postJSON("/api/v1/auth/register", map[string]string{"username": "cookie", "password": "long enough"})
		cookies := r.Cookies()
		if r.StatusCode != http.StatusOK || len(cookies) != 2 {
			t.Fatalf("secure=%v: %d %v", secure, r.StatusCode, r.Header.Values("Set-Cookie"))
		}
		prefix := ""
		if secure {
			prefix = "__Host-"
		}
		// The session and the long-lived device cookie.
		for i, wantName := range []string{prefix + "session", prefix + "device"} {
			c := cookies[i]
			if c.Name != wantName || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != secure {
				t.Errorf("secure=%v: cookie %q", secure, r.Header.Values("Set-Cookie")[i])
			}
		}
	}
}
