package app_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEveryPageHasAnIcon: /favicon.ico leads to the site's icon (a raw
// GIF or PNG in a tab asks for it), and the screen, which has its own
// page head, links the icon as the other pages do.
func TestEveryPageHasAnIcon(t *testing.T) {
	ts := start(t, nil)
	resp, body := get(t, ts.URL+"/favicon.ico", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || len(body) < 100 {
		t.Fatalf("/favicon.ico: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	for _, path := range []string{"/", "/screen", "/timelapse", "/stats", "/join", "/login", "/history/recent"} {
		resp, body := get(t, ts.URL+path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
			continue
		}
		if !strings.Contains(string(body), `rel="icon"`) {
			t.Errorf("%s links no icon", path)
		}
	}
}
