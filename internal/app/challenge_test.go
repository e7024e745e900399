package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/internal/app"
)

// placeWithProof sends a placement with a proof ("" for none) and returns
// the answer.
func (p *wsPeer) placeWithProof(t *testing.T, x, y, color int, proof string) map[string]any {
	t.Helper()
	id := "p" + time.Now().Format("150405.000000000")
	m := map[string]any{"type": "place", "x": x, "y": y, "color": color, "requestId": id}
	if proof != "" {
		m["proof"] = proof
	}
	msg, _ := json.Marshal(m)
	if err := p.conn.WriteMessage(gws.OpcodeText, msg); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-p.msgs:
			if m["requestId"] == id {
				return m
			}
		case err := <-p.closed:
			t.Fatalf("socket closed while placing: %v", err)
		case <-deadline:
			t.Fatal("no answer to a placement within 5 s")
		}
	}
}

// challengeOf reads the challenge a message carries.
func challengeOf(t *testing.T, m map[string]any) (fairplay.Challenge, bool) {
	t.Helper()
	raw, ok := m["challenge"].(map[string]any)
	if !ok {
		return fairplay.Challenge{}, false
	}
	token, _ := raw["token"].(string)
	bits, _ := raw["bits"].(float64)
	if token == "" || bits < 1 {
		t.Fatalf("malformed challenge %v", raw)
	}
	return fairplay.Challenge{Token: token, Bits: int(bits)}, true
}

// The challenge as a client written from docs/protocol.md meets it, in
// both modes: a lone player is not asked; a second identity on the address
// is, in its welcome; a placement without a proof is refused with
// CHALLENGE_REQUIRED and a challenge; a solved one is accepted once, and
// every answer carries the next challenge; another address stays quiet.
func TestChallengeOnABusyAddress(t *testing.T) {
	configure := func(c *app.Config) {
		c.TrustedProxies = mustPrefixes("127.0.0.1/32")
		c.Cooldown = 0
		c.ChallengeBits = 8
	}
	modes := map[string]func(t *testing.T) *authServer{
		"embedded": func(t *testing.T) *authServer { return startServer(t, configure) },
		"cluster": func(t *testing.T) *authServer {
			cfg := newClusterEnv(t).config(t, func(c *app.Config) {
				c.Width, c.Height = 16, 16
				configure(c)
			})
			ts := startWith(t, cfg)
			return &authServer{App: ts.App, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "http://"), Cfg: cfg}
		},
	}
	for name, startMode := range modes {
		t.Run(name, func(t *testing.T) {
			srv := startMode(t)
			dial := func(ip string) (*wsPeer, map[string]any) {
				v := srv.visitor(t)
				v.header.Set("X-Forwarded-For", ip)
				p, _, err := v.dialWS()
				if err != nil {
					t.Fatal(err)
				}
				return p, p.next(t, "welcome")
			}
			lone, welcome := dial("203.0.113.20")
			if _, ok := challengeOf(t, welcome); ok {
				t.Fatalf("a lone player was challenged: %v", welcome)
			}
			if m := lone.placeWithProof(t, 1, 1, 5, ""); m["type"] != "success" {
				t.Fatalf("a lone player's placement: %v", m)
			} else if _, ok := challengeOf(t, m); ok {
				t.Fatalf("a lone player's success carries a challenge: %v", m)
			}

			second, welcome := dial("203.0.113.20")
			ch, ok := challengeOf(t, welcome)
			if !ok || ch.Bits != 8 {
				t.Fatalf("the second identity's welcome: %v, want a challenge of 8 bits", welcome)
			}
			m := second.placeWithProof(t, 2, 2, 5, "")
			if m["code"] != "CHALLENGE_REQUIRED" {
				t.Fatalf("a placement without a proof: %v", m)
			}
			if ch, ok = challengeOf(t, m); !ok {
				t.Fatalf("CHALLENGE_REQUIRED without a challenge: %v", m)
			}
			proof, err := fairplay.Solve(context.Background(), ch)
			if err != nil {
				t.Fatal(err)
			}
			// Another identity's proof is not this one's.
			if m := lone.placeWithProof(t, 3, 3, 5, proof); m["code"] != "CHALLENGE_REQUIRED" {
				t.Fatalf("a proof used by another identity: %v", m)
			}
			m = second.placeWithProof(t, 2, 2, 5, proof)
			if m["type"] != "success" {
				t.Fatalf("a solved placement: %v", m)
			}
			if _, ok := challengeOf(t, m); !ok {
				t.Fatalf("the success carries no next challenge: %v", m)
			}
			if m := second.placeWithProof(t, 2, 3, 5, proof); m["code"] != "CHALLENGE_REQUIRED" || !strings.Contains(m["message"].(string), "already used") {
				t.Fatalf("a proof used twice: %v", m)
			}
			// The first player now shares a busy address too.
			if m := lone.placeWithProof(t, 1, 2, 5, ""); m["code"] != "CHALLENGE_REQUIRED" {
				t.Fatalf("the first player on the now busy address: %v", m)
			}
			other, welcome := dial("198.51.100.20")
			if _, ok := challengeOf(t, welcome); ok {
				t.Fatalf("a player on another address was challenged: %v", welcome)
			}
			if m := other.placeWithProof(t, 4, 4, 5, ""); m["type"] != "success" {
				t.Fatalf("a player on another address: %v", m)
			}
			wantMetrics(t, srv, `place_fairplay_total{outcome="issued",rule="challenge"}`, `place_fairplay_total{outcome="solved",rule="challenge"}`, `place_fairplay_total{outcome="refused",rule="challenge"}`)
		})
	}
}

// The form without JavaScript cannot solve a challenge: on a busy address
// it is refused with CHALLENGE_REQUIRED (403), saying what to do, and
// places nothing; a lone player's form placement is never asked.
func TestChallengeOnTheForm(t *testing.T) {
	srv := startServer(t, func(c *app.Config) {
		c.TrustedProxies = mustPrefixes("127.0.0.1/32")
		c.Cooldown = 0
		c.ChallengeBits = 8
	})
	form := func(ip string, x int) response {
		v := srv.visitor(t)
		v.header.Set("X-Forwarded-For", ip)
		return v.postForm("/place", url.Values{"x": {fmt.Sprint(x)}, "y": {"7"}, "color": {"5"}})
	}
	if r := form("203.0.113.30", 1); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a lone player's form: %d %.300s", r.StatusCode, r.Body)
	}
	r := form("203.0.113.30", 2)
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "CHALLENGE_REQUIRED") || !strings.Contains(r.Body, "JavaScript on, or register") {
		t.Fatalf("a second identity's form: %d %.2000s", r.StatusCode, r.Body)
	}
	if c := srv.visitor(t).get("/api/v1/canvas").Body[7*16+2]; c != 0 {
		t.Fatalf("the refused pixel was placed")
	}
}
