package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/embedded"
)

// identityOrGuest is what a placement over plain HTTP relies on: a visitor
// without a session gets a guest, indexed under the user, and keeps it.
func TestIdentityOrGuestCreatesOneGuestPerSession(t *testing.T) {
	st, err := embedded.Open(context.Background(), embedded.Options{DataDir: t.TempDir(), Config: place.Config{Width: 4, Height: 4}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(Options{Config: place.Config{Width: 4, Height: 4}, Store: st})
	e := echo.New()
	e.POST("/who", func(c echo.Context) error {
		u, err := s.identityOrGuest(c)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, u.ID)
	}, s.loadSession)

	post := func(cookie *http.Cookie) (*httptest.ResponseRecorder, string) {
		req := httptest.NewRequest(http.MethodPost, "/who", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec, rec.Body.String()
	}
	rec, first := post(nil)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusOK || len(cookies) != 1 || first == "" {
		t.Fatalf("first request: %d %v %q", rec.Code, cookies, first)
	}
	if _, again := post(cookies[0]); again != first {
		t.Fatalf("the same session got another user: %q then %q", first, again)
	}
	if tokens, _ := st.UserSessions(context.Background(), first); len(tokens) != 1 || tokens[0] != cookies[0].Value {
		t.Fatalf("session index: %v", tokens)
	}
}
