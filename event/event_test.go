package event

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

var t0 = time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)

func TestStateMachine(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    place.Settings
		at   time.Time
		want place.CanvasState
		next time.Time
	}{
		{"no schedule", place.Settings{}, t0, place.StateOpen, time.Time{}},
		{"before opening", place.Settings{OpensAt: t0.Add(time.Hour)}, t0, place.StateScheduled, t0.Add(time.Hour)},
		{"at opening", place.Settings{OpensAt: t0}, t0, place.StateOpen, time.Time{}},
		{"open until the end", place.Settings{ClosesAt: t0.Add(time.Minute)}, t0, place.StateOpen, t0.Add(time.Minute)},
		{"at the end", place.Settings{ClosesAt: t0}, t0, place.StateClosed, time.Time{}},
		{"paused", place.Settings{Paused: true}, t0, place.StatePaused, time.Time{}},
		{"paused before opening is scheduled", place.Settings{Paused: true, OpensAt: t0.Add(time.Hour)}, t0, place.StateScheduled, t0.Add(time.Hour)},
		{"closed by an admin", place.Settings{ClosedAt: t0.Add(-time.Hour), OpensAt: t0.Add(time.Hour)}, t0, place.StateClosed, time.Time{}},
		{"paused past the end is closed", place.Settings{Paused: true, ClosesAt: t0.Add(-time.Second)}, t0, place.StateClosed, time.Time{}},
	} {
		if got := tc.s.State(tc.at); got != tc.want {
			t.Errorf("%s: state %s, want %s", tc.name, got, tc.want)
		}
		if got := tc.s.NextChange(tc.at); !got.Equal(tc.next) {
			t.Errorf("%s: next change %v, want %v", tc.name, got, tc.next)
		}
	}
}

func TestEffectiveCooldownFormula(t *testing.T) {
	s := place.Settings{Cooldown: 10 * time.Second}
	if got := s.EffectiveCooldown(1000); got != 10*time.Second {
		t.Fatalf("without scaling: %v", got)
	}
	s.ScaleCooldown = true
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{{0, 10 * time.Second}, {100, 21757 * time.Millisecond}, {1000, 56800 * time.Millisecond}} {
		if got := s.EffectiveCooldown(tc.n); got != tc.want {
			t.Errorf("%d players: %v, want %v", tc.n, got, tc.want)
		}
	}
	s.Cooldown = 30 * time.Minute
	if got := s.EffectiveCooldown(100000); got != place.MaxCooldown {
		t.Errorf("capped: %v", got)
	}
}

func TestSettingsValidate(t *testing.T) {
	ok := place.Settings{Cooldown: time.Second, BatchInterval: 50 * time.Millisecond}
	if err := ok.Validate(ok, t0); err != nil {
		t.Fatal(err)
	}
	// An event under way keeps its past opening time when edited.
	running := ok
	running.OpensAt = t0.Add(-time.Hour)
	if err := running.Validate(running, t0); err != nil {
		t.Fatalf("unchanged past opening refused: %v", err)
	}
	for name, s := range map[string]place.Settings{
		"past opening":   {Cooldown: time.Second, BatchInterval: time.Millisecond, OpensAt: t0.Add(-time.Minute)},
		"past end":       {Cooldown: time.Second, BatchInterval: time.Millisecond, ClosesAt: t0},
		"end first":      {Cooldown: time.Second, BatchInterval: time.Millisecond, OpensAt: t0.Add(2 * time.Hour), ClosesAt: t0.Add(time.Hour)},
		"long cooldown":  {Cooldown: 2 * time.Hour, BatchInterval: time.Millisecond},
		"no batch":       {Cooldown: time.Second},
		"long message":   {Cooldown: time.Second, BatchInterval: time.Millisecond, PauseMessage: strings.Repeat("é", 201)},
		"negative limit": {Cooldown: time.Second, BatchInterval: time.Millisecond, GuestLimit: -1},
	} {
		if err := s.Validate(ok, t0); place.ErrorCode(err) != place.EVALIDATION {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRects(t *testing.T) {
	r := place.Rect{X: 2, Y: 2, W: 3, H: 2}
	if !r.Contains(4, 3) || r.Contains(5, 3) || r.Contains(4, 4) {
		t.Fatal("Contains")
	}
	for o, want := range map[place.Rect]bool{
		{X: 4, Y: 3, W: 1, H: 1}: true, {X: 5, Y: 2, W: 1, H: 1}: false, {X: 0, Y: 0, W: 2, H: 2}: false, {X: 0, Y: 0, W: 3, H: 3}: true,
	} {
		if r.Overlaps(o) != want || o.Overlaps(r) != want {
			t.Errorf("%v overlaps %v: want %v", r, o, want)
		}
	}
	for _, bad := range []place.Rect{{X: -1, Y: 0, W: 1, H: 1}, {X: 15, Y: 0, W: 2, H: 1}, {X: 0, Y: 0, W: 0, H: 1}, {X: 0, Y: 10, W: 1, H: 7}} {
		if err := bad.Validate(16, 16); place.ErrorCode(err) != place.EVALIDATION {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestCheckRules(t *testing.T) {
	ev := place.Event{Settings: place.Settings{GuestPlacement: false}, Areas: []place.Area{{Rect: place.Rect{X: 0, Y: 0, W: 2, H: 2}}}}
	guest := place.User{IsGuest: true}
	member := place.User{}
	admin := place.User{IsAdmin: true}
	for _, tc := range []struct {
		name string
		ev   place.Event
		u    place.User
		x, y int
		want place.Code
	}{
		{"guest when guests may not place", ev, guest, 5, 5, place.EACCOUNTREQUIRED},
		{"member outside", ev, member, 5, 5, ""},
		{"member in a protected area", ev, member, 1, 1, place.EAREAPROTECTED},
		{"admin in a protected area", ev, admin, 1, 1, ""},
		{"paused", place.Event{Settings: place.Settings{Paused: true}}, admin, 5, 5, place.ECANVASPAUSED},
		{"closed", place.Event{Settings: place.Settings{ClosedAt: t0}}, member, 5, 5, place.ECANVASCLOSED},
		{"scheduled", place.Event{Settings: place.Settings{OpensAt: t0.Add(time.Hour)}}, member, 5, 5, place.ECANVASNOTOPEN},
		{"a visitor when guests may not place", ev, place.User{}, 5, 5, place.EACCOUNTREQUIRED},
		{"a visitor in a protected area", place.Event{Settings: place.Settings{GuestPlacement: true}, Areas: ev.Areas}, place.User{}, 0, 1, place.EAREAPROTECTED},
		{"a guest outside when guests may place", place.Event{Settings: place.Settings{GuestPlacement: true}, Areas: ev.Areas}, guest, 2, 2, ""},
	} {
		// The rules as the placement service applies them: the canvas
		// state and guest placement, then protected areas. An empty user
		// ID is a visitor who would place as a new guest.
		l := New(Options{Now: func() time.Time { return t0 }})
		l.apply(tc.ev)
		id := "u1"
		if strings.HasPrefix(tc.name, "a visitor") {
			id = ""
		}
		user := func(context.Context, string) (place.User, error) { return tc.u, nil }
		err := l.CheckOpen(context.Background(), id, user)
		if err == nil {
			err = l.CheckArea(context.Background(), id, tc.x, tc.y, user)
		}
		if got := place.ErrorCode(err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func encode(t *testing.T, img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckTemplate(t *testing.T) {
	pal := image.NewPaletted(image.Rect(0, 0, 3, 2), append(color.Palette{color.NRGBA{}}, place.ImagePalette...))
	pal.Pix[0], pal.Pix[1] = 1, 6 // white, red; the rest transparent
	if w, h, err := CheckTemplate(encode(t, pal), 13, 14, 16, 16); err != nil || w != 3 || h != 2 {
		t.Fatalf("a palette PNG: %d %d %v", w, h, err)
	}
	if _, _, err := CheckTemplate(encode(t, pal), 14, 14, 16, 16); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Fatalf("off the canvas: %v", err)
	}
	grey := image.NewGray(image.Rect(0, 0, 2, 2))
	grey.Pix[3] = 0x88 // grey is in the palette, black (0) is not
	if _, _, err := CheckTemplate(encode(t, grey), 0, 0, 16, 16); err == nil || !strings.Contains(err.Error(), "Pixel 0, 0") {
		t.Fatalf("black: %v", err)
	}
	if _, _, err := CheckTemplate(make([]byte, MaxTemplateBytes+1), 0, 0, 16, 16); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("too large: %v", err)
	}
}

func TestWipePlanAndRegion(t *testing.T) {
	canvas := make([]byte, 4*4)
	canvas[5] = 3
	plan := WipePlan(canvas, 4, place.Rect{X: 1, Y: 1, W: 2, H: 2}, 3)
	if len(plan) != 3 {
		t.Fatalf("plan: %v", plan)
	}
	after := Apply(canvas, 4, plan)
	if canvas[6] != 0 || after[5] != 3 || after[6] != 3 || after[9] != 3 || after[10] != 3 || after[0] != 0 {
		t.Fatalf("apply: %v → %v", canvas, after)
	}
	b, err := RegionPNG(after, 4, place.Rect{X: 1, Y: 1, W: 2, H: 2})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 480 || img.At(479, 479) != place.ImagePalette[3] {
		t.Fatalf("region image: %v %v", err, img.Bounds())
	}
}

func TestLiveRulesAskForTheUserOnlyWhenItMatters(t *testing.T) {
	l := New(Options{Now: func() time.Time { return t0 }})
	l.cur.Store(&place.Event{Settings: place.Settings{GuestPlacement: true}, Areas: []place.Area{{Rect: place.Rect{X: 0, Y: 0, W: 2, H: 2}}}})
	asked := 0
	users := map[string]place.User{"g": {IsGuest: true}, "m": {}, "a": {IsAdmin: true}}
	user := func(_ context.Context, id string) (place.User, error) { asked++; return users[id], nil }
	ctx := context.Background()
	if err := l.CheckOpen(ctx, "g", user); err != nil || asked != 0 {
		t.Fatalf("open canvas, guests allowed: %v (asked %d)", err, asked)
	}
	if err := l.CheckArea(ctx, "m", 5, 5, user); err != nil || asked != 0 {
		t.Fatalf("outside areas: %v (asked %d)", err, asked)
	}
	if place.ErrorCode(l.CheckArea(ctx, "m", 1, 1, user)) != place.EAREAPROTECTED || l.CheckArea(ctx, "a", 1, 1, user) != nil {
		t.Fatal("protected area")
	}
	l.cur.Store(&place.Event{Settings: place.Settings{}})
	if place.ErrorCode(l.CheckOpen(ctx, "g", user)) != place.EACCOUNTREQUIRED || place.ErrorCode(l.CheckOpen(ctx, "", user)) != place.EACCOUNTREQUIRED || l.CheckOpen(ctx, "m", user) != nil {
		t.Fatal("guests may not place")
	}
	l.cur.Store(&place.Event{Settings: place.Settings{GuestPlacement: true, Paused: true, PauseMessage: "Lunch."}})
	if err := l.CheckOpen(ctx, "a", user); place.ErrorCode(err) != place.ECANVASPAUSED || !strings.Contains(err.Error(), "Lunch.") {
		t.Fatalf("paused: %v", err)
	}
}
