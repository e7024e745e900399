package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestJoinPageSaysWhetherACodeIsNeeded: /join claims a join code only when
// the organiser set one; without one it says anyone may place and asks
// for nothing.
func TestJoinPageSaysWhetherACodeIsNeeded(t *testing.T) {
	srv := startServer(t, nil)
	v := srv.visitor(t)
	r := v.get("/join")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("/join: %d", r.StatusCode)
	}
	if strings.Contains(r.Body, "set a join code") || strings.Contains(r.Body, `data-testid="join-form"`) {
		t.Errorf("without a join code /join still asks for one:\n%.2000s", r.Body)
	}
	if !strings.Contains(r.Body, "No join code is needed right now") {
		t.Errorf("without a join code /join does not say anyone may place")
	}
	if _, err := srv.Join.Set(context.Background(), "ROOM-42"); err != nil {
		t.Fatal(err)
	}
	r = v.get("/join")
	if !strings.Contains(r.Body, "The organiser set a join code") || !strings.Contains(r.Body, `data-testid="join-form"`) {
		t.Errorf("with a join code /join does not ask for it:\n%.2000s", r.Body)
	}
}
