package app_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/testenv"
)

// pythonWithWebsockets returns a Python 3 that has the websockets module,
// or skips (fails with PLACE_REQUIRE_SERVICES=1).
func pythonWithWebsockets(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(name); err == nil && exec.Command(p, "-c", "import websockets").Run() == nil {
			return p
		}
	}
	testenv.LookPath(t, "python3-with-websockets", "apt-get install python3-websockets")
	return ""
}

// TestThirdPartyClientAnswersTheChallenge runs a client written from
// docs/protocol.md alone (testdata/challenge_client.py, Python websockets):
// two guests on one address, so each placement needs a proof of work,
// which it solves and sends; both place every time.
func TestThirdPartyClientAnswersTheChallenge(t *testing.T) {
	py := pythonWithWebsockets(t)
	ts := start(t, func(c *app.Config) {
		c.Cooldown = time.Second
		c.AddressPlayers, c.ChallengeBits = 3, 10
	})
	out, err := exec.Command(py, filepath.Join("testdata", "challenge_client.py"), ts.URL, "2", "3").Output()
	if err != nil {
		t.Fatalf("the client failed: %v\n%s", err, out)
	}
	var res struct {
		Placed []int          `json:"placed"`
		Solved int            `json:"solved"`
		Errors map[string]int `json:"errors"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("third-party client: %s", out)
	if len(res.Placed) != 2 || res.Placed[0] != 3 || res.Placed[1] != 3 {
		t.Errorf("placed %v, want 3 each", res.Placed)
	}
	if res.Solved == 0 {
		t.Errorf("no challenge was asked of two identities on one address: %s", out)
	}
}
