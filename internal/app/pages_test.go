package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// postForm posts a form the way a browser on the page does (same origin),
// with an optional cookie and extra headers; redirects are not followed.
func postForm(t *testing.T, ts *testServer, path string, form url.Values, cookie string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, b := roundTrip(t, req)
	return resp, string(b)
}

// getPage is get with the body as a string.
func getPage(t *testing.T, url string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	resp, body := get(t, url, hdr)
	return resp, string(body)
}

func cookieOf(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "session" {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

func placeValues(x, y, color string) url.Values {
	return url.Values{"x": {x}, "y": {y}, "color": {color}}
}

var errorMessage = regexp.MustCompile(`data-testid="error-message">([^<]*)<`)

// pageError returns the message of a refusal or error page.
func pageError(body string) string {
	m := errorMessage.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func canvasAt(t *testing.T, ts *testServer, x, y int) byte {
	t.Helper()
	_, body := getPage(t, ts.URL+"/api/v1/canvas", nil)
	return body[y*500+x]
}

func TestPlaceByFormWithoutJavaScript(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 5 * time.Second })

	// No session yet: the form makes a guest and places.
	resp, _ := postForm(t, ts, "/place", placeValues("12", "40", "12"), "", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?placed=12,40#flash" {
		t.Fatalf("status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := cookieOf(resp)
	if cookie == "" {
		t.Fatal("no guest session cookie")
	}
	// The canvas page says what happened, once, and keeps the form filled in.
	_, page := getPage(t, ts.URL+"/?placed=12,40", http.Header{"Cookie": {cookie}})
	if !strings.Contains(page, `data-testid="flash">Placed blue at 12, 40. Next pixel in 5 seconds.</p>`) {
		t.Errorf("no flash on the canvas page:\n%s", page)
	}
	if !strings.Contains(page, `id="place-x" name="x" type="number" inputmode="numeric" min="0" max="499" step="1" value="12"`) ||
		!strings.Contains(page, `<option value="12" selected>blue</option>`) {
		t.Error("the form does not keep the last pixel and color")
	}
	if _, again := getPage(t, ts.URL+"/?placed=12,40", http.Header{"Cookie": {cookie}}); strings.Contains(again, `data-testid="flash"`) {
		t.Error("the flash was shown twice")
	}
	deadline := time.Now().Add(2 * time.Second)
	for canvasAt(t, ts, 12, 40) != 12 {
		if time.Now().After(deadline) {
			t.Fatal("the pixel never reached the canvas")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Within the cooldown: 429, the seconds to wait, the form again.
	resp, body := postForm(t, ts, "/place", placeValues("13", "40", "5"), cookie, nil)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if ra := resp.Header.Get("Retry-After"); ra < "1" || ra > "5" || len(ra) != 1 {
		t.Errorf("Retry-After %q", ra)
	}
	if msg := pageError(body); !regexp.MustCompile(`^Wait [1-5] seconds? before placing again\.$`).MatchString(msg) {
		t.Errorf("message %q", msg)
	}
	if !regexp.MustCompile(`data-testid="remaining-seconds">You can place your next pixel in <strong>[1-5] seconds?</strong>`).MatchString(body) {
		t.Errorf("no remaining seconds on the page:\n%s", body)
	}
	if !strings.Contains(body, `value="13"`) || !strings.Contains(body, `<option value="5" selected>red</option>`) {
		t.Error("the refusal page does not offer the form again with what was sent")
	}
	if canvasAt(t, ts, 13, 40) != 0 {
		t.Error("a refused placement changed the canvas")
	}
}

func TestPlaceByFormRefusesCrossSiteRequests(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	for name, hdr := range map[string]http.Header{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}},
		"foreign Origin":            {"Sec-Fetch-Site": nil, "Origin": {"https://evil.example"}},
	} {
		resp, body := postForm(t, ts, "/place", placeValues("1", "1", "5"), "", hdr)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "FORBIDDEN") || pageError(body) == "" {
			t.Errorf("%s: status %d\n%s", name, resp.StatusCode, body)
		}
		if cookieOf(resp) != "" {
			t.Errorf("%s: a refused request got a session", name)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if canvasAt(t, ts, 1, 1) != 0 {
		t.Error("a cross-site POST placed a pixel")
	}
}

func TestPlaceByFormBadFieldsAreReadable400s(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	cases := []struct {
		form url.Values
		code string
		msg  string
	}{
		{placeValues("abc", "1", "1"), "VALIDATION_ERROR", "x must be a whole number."},
		{placeValues("1", "", "1"), "VALIDATION_ERROR", "y must be a whole number."},
		{url.Values{"x": {"1"}, "y": {"1"}}, "VALIDATION_ERROR", "The color must be a whole number."},
		{placeValues("1.5", "1", "1"), "VALIDATION_ERROR", "x must be a whole number."},
		{placeValues("99999999999999999999", "1", "1"), "INVALID_COORDS", "x must be from 0 to 499 and y from 0 to 499."},
		{placeValues("1", "1", "-99999999999999999999"), "INVALID_COLOR", "Choose one of the 16 colors of the palette."},
		{placeValues("-1", "1", "1"), "INVALID_COORDS", "x must be from 0 to 499 and y from 0 to 499."},
		{placeValues("1", "500", "1"), "INVALID_COORDS", "x must be from 0 to 499 and y from 0 to 499."},
		{placeValues("1", "1", "16"), "INVALID_COLOR", "Choose one of the 16 colors of the palette."},
		{placeValues("1", "1", "red"), "VALIDATION_ERROR", "The color must be a whole number."},
		{placeValues("<b>1</b>", "1", "1"), "VALIDATION_ERROR", "x must be a whole number."},
	}
	for _, tc := range cases {
		resp, body := postForm(t, ts, "/place", tc.form, "", nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%v: status %d %s", tc.form, resp.StatusCode, resp.Header.Get("Content-Type"))
			continue
		}
		if got := pageError(body); got != tc.msg || !strings.Contains(body, "<code>"+tc.code+"</code>") {
			t.Errorf("%v: message %q, want %q (%s)", tc.form, got, tc.msg, tc.code)
		}
		if strings.Contains(body, "<b>1</b>") {
			t.Errorf("%v: the field was echoed unescaped", tc.form)
		}
		if cookieOf(resp) != "" {
			t.Errorf("%v: a refused form made a guest session", tc.form)
		}
	}
	// An oversized form is refused too, as a page (413).
	resp, body := postForm(t, ts, "/place", url.Values{"x": {strings.Repeat("1", 70<<10)}, "y": {"1"}, "color": {"1"}}, "", nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || pageError(body) == "" {
		t.Errorf("oversized form: %d\n%s", resp.StatusCode, body)
	}
}

func TestPlaceByFormBannedAndGuestLimit(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; c.GuestLimit = 1 })
	resp, _ := postForm(t, ts, "/place", placeValues("1", "1", "3"), "", nil)
	cookie := cookieOf(resp)
	if resp.StatusCode != http.StatusSeeOther || cookie == "" {
		t.Fatalf("first placement: %d", resp.StatusCode)
	}
	// A second visitor from the same address is over the guest limit.
	resp, body := postForm(t, ts, "/place", placeValues("2", "2", "3"), "", nil)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(pageError(body), "Too many new") {
		t.Errorf("guest limit: %d %q", resp.StatusCode, pageError(body))
	}
	// A banned user is told so.
	_, me := get(t, ts.URL+"/api/v1/auth/me", http.Header{"Cookie": {cookie}})
	id := regexp.MustCompile(`"userId":"([^"]+)"`).FindStringSubmatch(string(me))
	if id == nil {
		t.Fatalf("me: %s", me)
	}
	if err := ts.App.Store.Placer.SetBanned(context.Background(), id[1], true); err != nil {
		t.Fatal(err)
	}
	resp, body = postForm(t, ts, "/place", placeValues("3", "3", "3"), cookie, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<code>BANNED</code>") {
		t.Errorf("banned: %d %q", resp.StatusCode, pageError(body))
	}
}

func TestHistoryPages(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	ctx := context.Background()
	u, err := ts.App.Store.Users.CreateGuest(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// 55 placements on pixel (0, 0) and one elsewhere.
	for i := range 55 {
		if _, _, err := ts.App.Store.Placer.Place(ctx, place.Player{UserID: u.ID}, 0, 0, uint8(i%16), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := ts.App.Store.Placer.Place(ctx, place.Player{UserID: u.ID}, 7, 8, 5, time.Now()); err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`<tr><th scope="row">`)

	resp, page := getPage(t, ts.URL+"/history?x=0&y=0", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		"<caption>Placements on pixel 0, 0, newest first</caption>",
		`<th scope="col">Time</th>`, `<th scope="col">Placed by</th>`,
		"an anonymous player", `href="/history?x=0&amp;y=0&amp;before=6"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("pixel history lacks %q", want)
		}
	}
	if strings.Contains(page, u.Username) {
		t.Errorf("pixel history names the guest %s to the public", u.Username)
	}
	if n := len(rows.FindAllString(page, -1)); n != 50 {
		t.Errorf("%d rows on the first page, want 50", n)
	}
	_, older := getPage(t, ts.URL+"/history?x=0&y=0&before=6", nil)
	if n := len(rows.FindAllString(older, -1)); n != 5 || strings.Contains(older, `data-testid="older-page"`) || !strings.Contains(older, `href="/history?x=0&amp;y=0"`) {
		t.Errorf("second page: %d rows\n%s", n, older)
	}

	_, recent := getPage(t, ts.URL+"/history/recent", nil)
	if !strings.Contains(recent, "<caption>Placements on the canvas, newest first</caption>") ||
		!strings.Contains(recent, `<th scope="col">Pixel</th>`) || !strings.Contains(recent, `<a href="/#x=7&amp;y=8&amp;z=16" data-testid="canvas-link">7, 8</a>`) || !strings.Contains(recent, `href="/history?x=7&amp;y=8"`) ||
		!strings.Contains(recent, `href="/history/recent?before=7"`) {
		t.Errorf("recent page:\n%s", recent)
	}
	_, recent2 := getPage(t, ts.URL+"/history/recent?before=7", nil)
	if n := len(rows.FindAllString(recent2, -1)); n != 6 {
		t.Errorf("recent second page: %d rows", n)
	}
	if _, empty := getPage(t, ts.URL+"/history?x=499&y=499", nil); !strings.Contains(empty, "still the starting white") {
		t.Error("an untouched pixel does not say so")
	}
}

// Reading pages creates no stored session (docs/protocol.md, "HTTP"): only placing does.
func TestReadingPagesMakesNoSession(t *testing.T) {
	ts := start(t, nil)
	for _, path := range []string{"/", "/?placed=1,2", "/history?x=0&y=0", "/history/recent"} {
		resp, _ := getPage(t, ts.URL+path, http.Header{"Accept": {"text/html"}})
		if resp.StatusCode != 200 || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: %d, Set-Cookie %q", path, resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
	}
}

func TestHistoryPagesBadParametersAre400Pages(t *testing.T) {
	ts := start(t, nil)
	for _, path := range []string{
		"/history", "/history?x=1", "/history?x=a&y=1", "/history?x=1&y=1.5", "/history?x=-1&y=0",
		"/history?x=500&y=0", "/history?x=0&y=0&before=0", "/history?x=0&y=0&before=abc",
		"/history/recent?before=-1", "/history/recent?before=x", "/history/recent?before=1&before=2",
	} {
		// No Accept header: pages answer with pages all the same.
		resp, body := getPage(t, ts.URL+path, nil)
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || pageError(body) == "" {
			t.Errorf("%s: %d %s\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

// TestPlaceByFormBannedSessionIsRefused: a session of a banned user that
// outlived the ban (its deletion failed, or raced the request) is refused
// with BANNED, before the range checks of the fields (docs/protocol.md, "Canvas rules"), and
// does not turn into a fresh guest that places anyway.
func TestPlaceByFormBannedSessionIsRefused(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	ctx := context.Background()
	for i, form := range []url.Values{
		placeValues("-1", "1", "3"), // bad coordinates
		placeValues("1", "1", "99"), // bad color
		placeValues("2", "2", "3"),  // a valid placement
	} {
		resp, _ := postForm(t, ts, "/place", placeValues("1", "1", "3"), "", nil)
		cookie := cookieOf(resp)
		if resp.StatusCode != http.StatusSeeOther || cookie == "" {
			t.Fatalf("first placement: %d", resp.StatusCode)
		}
		waitSeq(t, ts, uint64(i+1))
		_, me := get(t, ts.URL+"/api/v1/auth/me", http.Header{"Cookie": {cookie}})
		id := regexp.MustCompile(`"userId":"([^"]+)"`).FindStringSubmatch(string(me))
		if id == nil {
			t.Fatalf("me: %s", me)
		}
		// Banned as the admin page bans, but the session is left in place.
		if err := ts.App.Store.Users.SetBan(ctx, id[1], true, "vandalism"); err != nil {
			t.Fatal(err)
		}
		if err := ts.App.Store.Placer.SetBanned(ctx, id[1], true); err != nil {
			t.Fatal(err)
		}
		resp, body := postForm(t, ts, "/place", form, cookie, nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<code>BANNED</code>") {
			t.Errorf("%v from a banned session: %d %q", form, resp.StatusCode, pageError(body))
		}
	}
	time.Sleep(100 * time.Millisecond)
	if s := ts.App.Hub.Seq(); s != 3 || canvasAt(t, ts, 2, 2) != 0 {
		t.Errorf("a banned session placed a pixel (seq %d, want 3)", s)
	}
}
