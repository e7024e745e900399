package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// RunEvents runs the contract of place.Events against stores made by open.
func RunEvents(t *testing.T, open Opener) {
	for _, tt := range []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Settings", testEventSettings},
		{"AreasDoNotOverlap", testAreas},
		{"Templates", testTemplates},
		{"FinalImageFirstWins", testFinalImage},
		{"AreaRollbackPlan", testAreaRollbackPlan},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

func events(t *testing.T, open Opener) (place.Stores, place.Events) {
	t.Helper()
	s := open(t, DefaultConfig)
	if s.Events == nil {
		t.Fatal("the store does not keep event state")
	}
	return s, s.Events
}

func testEventSettings(t *testing.T, open Opener) {
	_, ev := events(t, open)
	first := place.Settings{Cooldown: 3 * time.Second, GuestPlacement: true, BatchInterval: 50 * time.Millisecond}
	got, err := ev.InitSettings(ctx(t), first)
	if err != nil || got.Cooldown != first.Cooldown || got.Version != 1 {
		t.Fatalf("InitSettings: %+v %v", got, err)
	}
	// Later starts with other flags keep what is stored.
	if got, err := ev.InitSettings(ctx(t), place.Settings{Cooldown: time.Minute}); err != nil || got.Cooldown != first.Cooldown {
		t.Fatalf("InitSettings again: %+v %v", got, err)
	}
	opens := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	old, updated, err := ev.UpdateSettings(ctx(t), func(s place.Settings) (place.Settings, error) {
		s.Cooldown, s.OpensAt, s.PauseMessage = 7*time.Second, opens, "é"
		return s, nil
	})
	if err != nil || old.Cooldown != first.Cooldown || updated.Version != 2 {
		t.Fatalf("UpdateSettings: %+v %+v %v", old, updated, err)
	}
	refused := errors.New("refused")
	if _, _, err := ev.UpdateSettings(ctx(t), func(s place.Settings) (place.Settings, error) {
		s.Cooldown = time.Hour
		return s, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("a refused update: %v", err)
	}
	// Concurrent updates each see the one before: no lost update.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := ev.UpdateSettings(ctx(t), func(s place.Settings) (place.Settings, error) {
				s.GuestLimit++
				return s, nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	loaded, err := ev.LoadEvent(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	st := loaded.Settings
	if st.Cooldown != 7*time.Second || !st.OpensAt.Equal(opens) || st.PauseMessage != "é" || st.GuestLimit != 8 || st.Version != 10 {
		t.Fatalf("loaded %+v", st)
	}
}

func testAreas(t *testing.T, open Opener) {
	_, ev := events(t, open)
	if _, err := ev.InitSettings(ctx(t), place.Settings{}); err != nil {
		t.Fatal(err)
	}
	a, err := ev.AddArea(ctx(t), place.Area{Name: "logo", Rect: place.Rect{X: 2, Y: 2, W: 4, H: 3}, CreatedBy: "u1", CreatedAt: time.Now()})
	if err != nil || a.ID == 0 {
		t.Fatalf("AddArea: %+v %v", a, err)
	}
	for _, r := range []place.Rect{{X: 5, Y: 4, W: 1, H: 1}, {X: 0, Y: 0, W: 3, H: 3}, {X: 0, Y: 0, W: 64, H: 48}} {
		if _, err := ev.AddArea(ctx(t), place.Area{Name: "x", Rect: r}); place.ErrorCode(err) != place.EVALIDATION {
			t.Errorf("overlapping %v: %v", r, err)
		}
	}
	if _, err := ev.AddArea(ctx(t), place.Area{Name: "next to it", Rect: place.Rect{X: 6, Y: 2, W: 1, H: 1}}); err != nil {
		t.Fatalf("adjacent area: %v", err)
	}
	loaded, _ := ev.LoadEvent(ctx(t))
	if len(loaded.Areas) != 2 || loaded.Areas[0].Rect != a.Rect || loaded.Areas[0].Name != "logo" || !loaded.Protected(5, 4) || loaded.Protected(5, 5) {
		t.Fatalf("areas: %+v", loaded.Areas)
	}
	if d, err := ev.DeleteArea(ctx(t), a.ID); err != nil || d.Name != "logo" {
		t.Fatalf("DeleteArea: %+v %v", d, err)
	}
	if _, err := ev.DeleteArea(ctx(t), a.ID); place.ErrorCode(err) != place.ENOTFOUND {
		t.Fatalf("DeleteArea twice: %v", err)
	}
}

func testTemplates(t *testing.T, open Opener) {
	_, ev := events(t, open)
	png := []byte("\x89PNG fake")
	tpl, err := ev.AddTemplate(ctx(t), place.Template{Name: "flag", X: 1, Y: 2, Width: 3, Height: 4, PNG: png, CreatedBy: "u1", CreatedAt: time.Now()})
	if err != nil || tpl.ID == 0 {
		t.Fatalf("AddTemplate: %v", err)
	}
	list, err := ev.Templates(ctx(t))
	if err != nil || len(list) != 1 || list[0].Name != "flag" || list[0].Height != 4 || list[0].PNG != nil {
		t.Fatalf("Templates: %+v %v", list, err)
	}
	got, err := ev.Template(ctx(t), tpl.ID)
	if err != nil || !bytes.Equal(got.PNG, png) {
		t.Fatalf("Template: %v", err)
	}
	if _, err := ev.DeleteTemplate(ctx(t), tpl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Template(ctx(t), tpl.ID); place.ErrorCode(err) != place.ENOTFOUND {
		t.Fatalf("deleted template: %v", err)
	}
}

func testFinalImage(t *testing.T, open Opener) {
	_, ev := events(t, open)
	if _, _, err := ev.FinalImage(ctx(t)); place.ErrorCode(err) != place.ENOTFOUND {
		t.Fatalf("no image yet: %v", err)
	}
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, img := range []string{"first", "second"} {
		if err := ev.SaveFinalImage(ctx(t), at, []byte(img)); err != nil {
			t.Fatal(err)
		}
	}
	if got, img, err := ev.FinalImage(ctx(t)); err != nil || !got.Equal(at) || string(img) != "first" {
		t.Fatalf("FinalImage: %v %q %v", got, img, err)
	}
	if err := ev.SaveFinalImage(ctx(t), at.Add(time.Hour), []byte("later")); err != nil {
		t.Fatal(err)
	}
	if _, img, _ := ev.FinalImage(ctx(t)); string(img) != "later" {
		t.Fatalf("the latest closing's image: %q", img)
	}
}

func testAreaRollbackPlan(t *testing.T, open Opener) {
	s, ev := events(t, open)
	now := time.Now()
	since := now.Add(-time.Hour)
	for _, p := range []struct {
		user    string
		ago     time.Duration
		x, y, c int
	}{
		{"artist", 2 * time.Hour, 1, 1, 5},
		{"vandal", 30 * time.Minute, 1, 1, 3}, // undone: back to 5
		{"vandal", 25 * time.Minute, 2, 2, 3},
		{"other", 20 * time.Minute, 2, 1, 4},  // undone without a user filter: back to white
		{"vandal", 10 * time.Minute, 3, 3, 3}, // outside the rectangle
		{"artist", 5 * time.Minute, 2, 2, 9},  // undone too (since T): back to white
	} {
		if _, _, err := s.Placer.Place(ctx(t), place.Player{UserID: p.user}, p.x, p.y, uint8(p.c), now.Add(-p.ago)); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, s)
	r := place.Rect{X: 0, Y: 0, W: 3, H: 3}
	all, err := ev.AreaRollbackPlan(ctx(t), r, since, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []place.Pixel{{X: 1, Y: 1, Color: 5}, {X: 2, Y: 1, Color: 0}, {X: 2, Y: 2, Color: 0}}
	if !equalPixels(all, want) {
		t.Fatalf("plan for everyone: %v, want %v", all, want)
	}
	// By the vandal only: (2,2) was painted over by the artist since.
	byVandal, err := ev.AreaRollbackPlan(ctx(t), r, since, "vandal")
	if err != nil || !equalPixels(byVandal, []place.Pixel{{X: 1, Y: 1, Color: 5}}) {
		t.Fatalf("plan for the vandal: %v %v", byVandal, err)
	}
}

func equalPixels(a, b []place.Pixel) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
