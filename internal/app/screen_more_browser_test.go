package app_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/internal/wstest"
)

func TestBrowserScreenTourZoomsToActivity(t *testing.T) {
	newTab := newBrowser(t)
	ts := start(t, func(c *app.Config) { c.Cooldown = 0 })
	tab, cancel := newTab()
	defer cancel()
	openScreen(t, ts, tab, 1280, 720, "?tour=1&tour-every=5")
	fit := evalJS[float64](t, tab, `window.placeScreen.view.scale`)

	// People paint around (300, 120) while the screen shows the whole canvas.
	player, _, _ := ts.dialReady(t, wstest.Options{})
	var pixels []wstest.Event
	for i := range 12 {
		pixels = append(pixels, wstest.Event{X: 296 + i%4, Y: 118 + i/4, Color: 12})
	}
	placeAll(t, ts, player, pixels...)
	if err := waitJS(tab, `window.placeScreen.tourPhase === 'zoom'`, 8*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3500 * time.Millisecond) // the slow move ends
	v := evalJS[map[string]float64](t, tab, `window.placeScreen.view`)
	size := evalJS[[]float64](t, tab, `[document.getElementById('screen-canvas').width, document.getElementById('screen-canvas').height]`)
	cx, cy := (size[0]/2-v["offsetX"])/v["scale"], (size[1]/2-v["offsetY"])/v["scale"]
	t.Logf("tour: overview scale %.2f, zoomed scale %.2f centred on (%.0f, %.0f)", fit, v["scale"], cx, cy)
	if v["scale"] < 3*fit || cx < 280 || cx > 320 || cy < 100 || cy > 140 {
		t.Errorf("the tour did not zoom to the activity: scale %.2f (overview %.2f), centre (%.0f, %.0f)", v["scale"], fit, cx, cy)
	}
	shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, "screen-tour-1280x720.png", shot)
}

// serveOn runs a server on addr (a restart on the address the page knows);
// it stops at cleanup.
func serveOn(t *testing.T, cfg app.Config, addr string) func() {
	t.Helper()
	a, err := app.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	stop := func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

func TestBrowserScreenRecoversFromARestart(t *testing.T) {
	newTab := newBrowser(t)
	var cfg app.Config
	ts := start(t, func(c *app.Config) { c.Cooldown = 0; cfg = *c })
	tab, cancel := newTab()
	defer cancel()
	openScreen(t, ts, tab, 1280, 720, "")

	// The server goes away for a moment and comes back on its address.
	ts.Stop(t)
	if err := waitJS(tab, `!document.getElementById('screen-status').hidden`, 5*time.Second); err != nil {
		t.Error("the screen does not say it lost the server: ", err)
	}
	addr := strings.TrimPrefix(ts.URL, "http://")
	serveOn(t, cfg, addr)
	// A pixel placed on the new process reaches the screen by itself.
	player := wstest.MustDial(t, "ws://"+addr+"/ws", wstest.Options{Player: true})
	player.Expect(t, "welcome", 5*time.Second)
	if _, err := player.Next(5 * time.Second); err != nil { // the canvas
		t.Fatal(err)
	}
	if err := player.Place(7, 9, 13, "after-restart"); err != nil {
		t.Fatal(err)
	}
	player.Expect(t, "success", 5*time.Second)
	start := time.Now()
	if err := waitJS(tab, `window.placeScreen.pixelAt(7, 9) === 13 && window.placeScreen.connected`, 20*time.Second); err != nil {
		t.Fatal("the screen did not recover: ", err)
	}
	t.Logf("screen showed the new server's pixel %v after it was placed", time.Since(start))
	if err := waitJS(tab, `document.getElementById('screen-status').hidden`, 3*time.Second); err != nil {
		t.Error(err)
	}
}
