package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

func TestWelcomeAndCanvas(t *testing.T) {
	ts := start(t, nil)
	for _, binary := range []bool{false, true} {
		c, w, first := ts.dialReady(t, wstest.Options{Binary: binary})
		if w.UserID == "" || !strings.HasPrefix(w.Username, "Guest_") || !w.IsGuest || w.ServerTime == 0 {
			t.Errorf("welcome = %+v", w)
		}
		if !strings.Contains(string(w.CanvasInfo), `"colorCount":16`) || !strings.Contains(string(w.CanvasInfo), `"name":"light grey"`) {
			t.Errorf("canvasInfo = %s", w.CanvasInfo)
		}
		if first.Type != "canvas" || first.Width != 500 || first.Height != 500 || len(first.Pixels) != 500*500 || first.Binary != binary {
			t.Fatalf("first message = type %q %dx%d, %d pixels, binary %v", first.Type, first.Width, first.Height, len(first.Pixels), first.Binary)
		}
		if c.CookieHeader() == "" {
			t.Error("no session cookie on the upgrade response")
		}
	}
}

func TestTwoClientsSeeEachOtherWithin100ms(t *testing.T) {
	ts := start(t, nil)
	a, _, _ := ts.dialReady(t, wstest.Options{})
	b, _, _ := ts.dialReady(t, wstest.Options{Binary: true})
	sent := time.Now()
	if err := a.Place(10, 20, 5, "r1"); err != nil {
		t.Fatal(err)
	}
	ok := a.Expect(t, "success", 2*time.Second)
	if ok.RequestID != "r1" || ok.NextPlacement < sent.Add(4*time.Second).UnixMilli() {
		t.Errorf("success = %v", ok)
	}
	m := b.Expect(t, "pixels", 2*time.Second)
	if lat := m.Received.Sub(sent); lat > 100*time.Millisecond {
		t.Errorf("delivery took %v, want ≤ 100ms", lat)
	}
	if len(m.Events) != 1 || m.Events[0] != (wstest.Event{X: 10, Y: 20, Color: 5}) || m.Seq != 1 || m.PrevSeq != 0 {
		t.Errorf("pixels = %v", m)
	}
	// The HTTP canvas agrees.
	resp, body := get(t, ts.URL+"/api/v1/canvas", nil)
	if resp.Header.Get("X-Canvas-Seq") != "1" || body[20*500+10] != 5 {
		t.Errorf("canvas seq %s, pixel %d", resp.Header.Get("X-Canvas-Seq"), body[20*500+10])
	}
}

func TestCooldownRateLimited(t *testing.T) {
	ts := start(t, nil)
	a, _, _ := ts.dialReady(t, wstest.Options{})
	a.Place(1, 1, 3, "first")
	a.Expect(t, "success", 2*time.Second)
	a.Place(2, 2, 4, "second")
	e := a.Expect(t, "error", 2*time.Second)
	if e.Code != "RATE_LIMITED" || e.RequestID != "second" || e.RemainingSeconds < 1 || e.RemainingSeconds > 5 {
		t.Errorf("error = %v", e)
	}
	// Only the first placement took a seq: the canvas is at seq 1 and the
	// refused pixel is as it was.
	resp, body := get(t, ts.URL+"/api/v1/canvas", nil)
	if seq := resp.Header.Get("X-Canvas-Seq"); seq != "1" || body[2*500+2] != 0 {
		t.Errorf("a rate-limited placement changed the canvas: seq %s, pixel %d", seq, body[2*500+2])
	}
	// A new connection of the same session still waits.
	b, w, _ := ts.dialReady(t, wstest.Options{Header: http.Header{"Cookie": {a.CookieHeader()}}})
	if w.Cooldown <= 0 || w.Cooldown > 5000 {
		t.Errorf("welcome cooldown = %d", w.Cooldown)
	}
	b.Place(3, 3, 4, "third")
	if e := b.Expect(t, "error", 2*time.Second); e.Code != "RATE_LIMITED" {
		t.Errorf("error = %v", e)
	}
}

func TestBadInputGetsItsCodeAndConnectionStays(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	var c *wstest.Client
	cases := []struct{ msg, code string }{
		{`not json`, "INVALID_MESSAGE"},
		{`[]`, "INVALID_MESSAGE"},
		{`{"type":"dance"}`, "INVALID_MESSAGE"},
		{`{}`, "INVALID_MESSAGE"},
		{`{"type":"place","y":1,"color":1}`, "INVALID_MESSAGE"},
		{`{"type":"place","x":"1","y":1,"color":1}`, "INVALID_MESSAGE"},
		{`{"type":"place","x":1.5,"y":1,"color":1}`, "INVALID_MESSAGE"},
		{`{"type":"place","x":1e2,"y":1,"color":1}`, "INVALID_MESSAGE"},
		{`{"type":"place","x":null,"y":1,"color":1}`, "INVALID_MESSAGE"},
		{`{"type":"place","x":1,"y":1,"color":1,"requestId":5}`, "INVALID_MESSAGE"},
		{`{"type":"place","x":1,"y":1,"color":1,"requestId":"` + strings.Repeat("a", 65) + `"}`, "INVALID_MESSAGE"},
		{`{"type":"place","x":-1,"y":1,"color":1}`, "INVALID_COORDS"},
		{`{"type":"place","x":500,"y":1,"color":1}`, "INVALID_COORDS"},
		{`{"type":"place","x":1,"y":99999999999999999999999,"color":1}`, "INVALID_COORDS"},
		{`{"type":"place","x":1,"y":1,"color":16}`, "INVALID_COLOR"},
		{`{"type":"place","x":1,"y":1,"color":-1}`, "INVALID_COLOR"},
		{`{"type":"place","x":1,"y":1,"color":1} {}`, "INVALID_MESSAGE"},
	}
	for i, tc := range cases {
		if i%15 == 0 {
			// A connection of its own for every 15: one connection's
			// messages stay under the flood limit (20 a second).
			c, _, _ = ts.dialReady(t, wstest.Options{})
		}
		c.Send(tc.msg)
		e := c.Expect(t, "error", 2*time.Second)
		if e.Code != tc.code {
			t.Errorf("%s: code %s, want %s", tc.msg, e.Code, tc.code)
		}
	}
	c.Conn.WriteMessage(2, []byte{1, 2, 3}) // a binary frame
	if e := c.Expect(t, "error", 2*time.Second); e.Code != "INVALID_MESSAGE" {
		t.Errorf("binary frame: %v", e)
	}
	c.Send(`{"type":"ping"}`)
	c.Expect(t, "pong", 2*time.Second)
	_, body := get(t, ts.URL+"/api/v1/canvas", nil)
	for i, v := range body {
		if v != 0 {
			t.Fatalf("bad input changed pixel %d", i)
		}
	}
}

func TestOversizedMessageCloses(t *testing.T) {
	ts := start(t, nil)
	c, _, _ := ts.dialReady(t, wstest.Options{})
	c.Send(`{"type":"place","requestId":"` + strings.Repeat("x", 4096) + `"}`)
	if code := c.WaitClosed(t, 3*time.Second); code != 1009 {
		t.Errorf("close code %d, want 1009", code)
	}
	// Invalid UTF-8 closes with 1007.
	d, _, _ := ts.dialReady(t, wstest.Options{})
	d.Conn.WriteMessage(1, []byte{'"', 0xff, 0xfe, '"'})
	if code := d.WaitClosed(t, 3*time.Second); code != 1007 {
		t.Errorf("close code %d, want 1007", code)
	}
}

func TestForeignOriginRefused(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.AllowedOrigins = []string{"https://friend.example"} })
	_, err := wstest.Dial(ts.WS, wstest.Options{Header: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil {
		t.Fatal("foreign origin was accepted")
	}
	req, _ := http.NewRequest("GET", ts.URL+"/ws", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
	if resp.Header.Get("Set-Cookie") != "" {
		t.Error("a refused upgrade created a session")
	}
	// Own origin and the allowed one work.
	ts.dial(t, wstest.Options{Header: http.Header{"Origin": {ts.URL}}}).Expect(t, "welcome", 3*time.Second)
	ts.dial(t, wstest.Options{Header: http.Header{"Origin": {"https://friend.example"}}}).Expect(t, "welcome", 3*time.Second)
}

func TestSinceResumeDeliversExactlyTheMissedEvents(t *testing.T) {
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	placer, _, _ := ts.dialReady(t, wstest.Options{})
	for i := 0; i < 5; i++ {
		placer.Place(i, 0, 1, fmt.Sprint("a", i))
		placer.Expect(t, "success", 2*time.Second)
	}
	// The viewer had seen up to seq 2; it missed 3..5 and then 6..10.
	for i := 0; i < 5; i++ {
		placer.Place(i, 1, 2, fmt.Sprint("b", i))
		placer.Expect(t, "success", 2*time.Second)
	}
	// Each success comes once its placement is on the live canvas (the
	// embedded store applies a commit before acknowledging it), so a
	// resume now replays all of them.
	for round, binary := range []bool{false, true} {
		v := wstest.MustDial(t, ts.WS+"?since=2", wstest.Options{Binary: binary})
		v.Expect(t, "welcome", 3*time.Second)
		m, err := v.Next(3 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// Each round places one more pixel (9, 9) after the resume.
		if m.Type != "pixels" || m.PrevSeq != 2 || m.Seq != uint64(10+round) || len(m.Events) != 8+round {
			t.Fatalf("resume: %v", m)
		}
		want := []wstest.Event{{X: 2, Y: 0, Color: 1}, {X: 3, Y: 0, Color: 1}, {X: 4, Y: 0, Color: 1}, {X: 0, Y: 1, Color: 2}, {X: 1, Y: 1, Color: 2}, {X: 2, Y: 1, Color: 2}, {X: 3, Y: 1, Color: 2}, {X: 4, Y: 1, Color: 2}}
		for i := range want {
			if m.Events[i] != want[i] {
				t.Errorf("event %d = %+v, want %+v", i, m.Events[i], want[i])
			}
		}
		// The chain continues without a gap.
		placer.Place(9, 9, 9, "c")
		placer.Expect(t, "success", 2*time.Second)
		next := v.Expect(t, "pixels", 2*time.Second)
		if next.PrevSeq != m.Seq {
			t.Errorf("chain broken: prevSeq %d after seq %d", next.PrevSeq, m.Seq)
		}
	}
	// A since in the future or malformed: canvas, or a clear 400.
	v := wstest.MustDial(t, ts.WS+"?since=999999", wstest.Options{})
	v.Expect(t, "welcome", 3*time.Second)
	if m, _ := v.Next(3 * time.Second); m.Type != "canvas" {
		t.Errorf("future since: got %q, want canvas", m.Type)
	}
	resp, body := get(t, ts.URL+"/ws?since=abc", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "VALIDATION_ERROR") {
		t.Errorf("bad since: %d %s", resp.StatusCode, body)
	}
}

func TestOneSuccessFromFiveTabsAtOnce(t *testing.T) {
	ts := start(t, nil)
	first, _, _ := ts.dialReady(t, wstest.Options{})
	cookie := first.CookieHeader()
	var tabs []*wstest.Client
	for i := 0; i < 5; i++ {
		c, _, _ := ts.dialReady(t, wstest.Options{Header: http.Header{"Cookie": {cookie}}})
		tabs = append(tabs, c)
	}
	var wg sync.WaitGroup
	for i, c := range tabs {
		wg.Add(1)
		go func() { defer wg.Done(); c.Place(i, i, 7, fmt.Sprint("tab", i)) }()
	}
	wg.Wait()
	successes, limited := 0, 0
	for _, c := range tabs {
		for {
			m, err := c.Next(2 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if m.Type == "success" {
				successes++
				break
			}
			if m.Type == "error" && m.Code == "RATE_LIMITED" {
				limited++
				break
			}
		}
	}
	if successes != 1 || limited != 4 {
		t.Errorf("successes %d, rate limited %d; want 1 and 4", successes, limited)
	}
}

// floodCloses messages sent at once after a first burst of 30 close the
// connection, with no wait for the next second: over ten times the limit
// (20) in one second closes, and the 430 fall in at most two of the hub's
// one-second windows, so one of them holds more than 200 whatever the
// timing. (The windows and the five-seconds-in-a-row rule are tested on the
// hub's clock in package realtime.)
const floodCloses = 400

func TestFloodLimit(t *testing.T) {
	ts := start(t, nil)
	c, _, _ := ts.dialReady(t, wstest.Options{})
	for i := 0; i < 30; i++ {
		c.Send(`{"type":"ping"}`)
	}
	pongs, flood := 0, 0
	for {
		m, err := c.Next(500 * time.Millisecond)
		if err != nil {
			break
		}
		switch {
		case m.Type == "pong":
			pongs++
		case m.Type == "error" && m.Code == "TOO_MANY_MESSAGES":
			flood++
		}
	}
	if pongs != 20 || flood != 1 {
		t.Errorf("pongs %d, flood errors %d; want 20 and 1", pongs, flood)
	}
	// Abuse closes the connection.
	for i := 0; i < floodCloses; i++ {
		c.Send(`{"type":"ping"}`)
	}
	if code := c.WaitClosed(t, 5*time.Second); code != 1008 {
		t.Errorf("close code %d, want 1008", code)
	}
}

// Control-frame pings count against the same limit as messages.
func TestPingFloodLimit(t *testing.T) {
	ts := start(t, nil)
	c, _, _ := ts.dialReady(t, wstest.Options{})
	for i := 0; i < 30; i++ {
		if err := c.Conn.WritePing(nil); err != nil {
			t.Fatal(err)
		}
	}
	if m := c.Expect(t, "error", 2*time.Second); m.Code != "TOO_MANY_MESSAGES" {
		t.Errorf("after 30 pings in a second: %v, want TOO_MANY_MESSAGES", m)
	}
	for i := 0; i < floodCloses; i++ {
		if err := c.Conn.WritePing(nil); err != nil {
			break
		}
	}
	if code := c.WaitClosed(t, 5*time.Second); code != 1008 {
		t.Errorf("close code %d after %d more pings, want 1008", code, floodCloses)
	}
}

func TestGracefulShutdownSends1001(t *testing.T) {
	ts := start(t, nil)
	c, _, _ := ts.dialReady(t, wstest.Options{})
	start := time.Now()
	ts.Stop(t)
	if code := c.WaitClosed(t, 5*time.Second); code != 1001 {
		t.Errorf("close code %d, want 1001", code)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("shutdown took %v", d)
	}
}

// TestCompressedMessagesKeepTheLimit: the server accepts permessage-deflate
// (for the canvas it sends), and the 1 KiB message limit (docs/protocol.md)
// holds after decompression: a small compressed frame that inflates past
// it closes the connection before it is read as a message (1011: the
// WebSocket library reports a decompression past the limit as its own
// error, where an uncompressed message over it gets 1009).
func TestCompressedMessagesKeepTheLimit(t *testing.T) {
	ts := start(t, nil)
	c, _, _ := ts.dialReady(t, wstest.Options{Deflate: true})
	if ext := c.Resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("the server did not accept permessage-deflate: %q", ext)
	}
	c.Send(`{"type":"ping"}`)
	c.Expect(t, "pong", 2*time.Second)
	// 64 KiB of spaces after a valid message: a few dozen bytes on the wire.
	c.Send(`{"type":"ping"}` + strings.Repeat(" ", 64<<10))
	if code := c.WaitClosed(t, 3*time.Second); code != 1009 && code != 1011 {
		t.Errorf("a compressed message inflating to 64 KiB: close code %d, want 1009 or 1011", code)
	}
	// The server goes on.
	d, _, _ := ts.dialReady(t, wstest.Options{Deflate: true})
	d.Send(`{"type":"ping"}`)
	d.Expect(t, "pong", 2*time.Second)
}
