package templatehealth_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/teststores"
	"github.com/placecanvas/place/templatehealth"
)

// templatePNG draws a w × h template whose pixels are random palette
// colors, a quarter of them transparent.
func templatePNG(t testing.TB, rng *rand.Rand, w, h int) []byte {
	img := image.NewPaletted(image.Rect(0, 0, w, h), append(place.ImagePalette[:16:16], image.Transparent))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(17))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// trackedRoles are the roles of st that template health reads.
func trackedRoles(st place.Stores) templatehealth.Stores {
	return templatehealth.Stores{Feed: st.Feed, Templates: st.Events, History: st.History, Latest: st.Factions}
}

// recount is the health of tpl computed from scratch: the store's canvas
// against the template's image, and who placed each wrong pixel last from
// the pixel's history.
func recount(t *testing.T, st place.Stores, tpl place.Template) (correct, total int, wrong map[[2]int]templatehealth.Wrong) {
	t.Helper()
	ctx := context.Background()
	canvas, sz, _, err := st.Feed.Canvas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, w, h, err := templatehealth.Wanted(tpl.PNG)
	if err != nil {
		t.Fatal(err)
	}
	wrong = map[[2]int]templatehealth.Wrong{}
	for y := range h {
		for x := range w {
			c := want[y*w+x]
			if c < 0 {
				continue
			}
			total++
			cx, cy := tpl.X+x, tpl.Y+y
			have := canvas[cy*sz.Width+cx]
			if have == uint8(c) {
				correct++
				continue
			}
			wrong[[2]int{cx, cy}] = templatehealth.Wrong{X: cx, Y: cy, Want: uint8(c), Have: have}
		}
	}
	return correct, total, wrong
}

// check compares the tracker's health of tpl with a recount.
func check(t *testing.T, st place.Stores, tr *templatehealth.Tracker, tpl place.Template) {
	t.Helper()
	ctx := context.Background()
	_, _, seq, err := st.Feed.Canvas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tr.Seq() < seq && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var h templatehealth.Health
	for {
		var found bool
		h, found, err = tr.Health(tpl.ID, 0)
		if err == nil && found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("template %d: found %v, err %v", tpl.ID, found, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	correct, total, wrong := recount(t, st, tpl)
	if h.Correct != correct || h.Total != total || h.WrongCount != len(wrong) {
		t.Fatalf("template %d at seq %d: health %d/%d (%d wrong), recount %d/%d (%d wrong)", tpl.ID, h.Seq, h.Correct, h.Total, h.WrongCount, correct, total, len(wrong))
	}
	if len(h.Wrong) != min(len(wrong), templatehealth.MaxWrong) {
		t.Fatalf("template %d lists %d wrong pixels of %d", tpl.ID, len(h.Wrong), len(wrong))
	}
	if err := st.History.WaitHistory(ctx, seq); err != nil {
		t.Fatal(err)
	}
	var lastSeq uint64 = 1<<64 - 1
	for _, got := range h.Wrong {
		exp, ok := wrong[[2]int{got.X, got.Y}]
		if !ok || exp.Want != got.Want || exp.Have != got.Have {
			t.Fatalf("listed wrong pixel %+v; recount: %+v (wrong: %v)", got, exp, ok)
		}
		hist, err := st.History.PixelHistory(ctx, got.X, got.Y, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) == 0 {
			if got.At != nil {
				t.Fatalf("pixel %d,%d was never placed on, health says at %v", got.X, got.Y, got.At)
			}
			lastSeq = 0
			continue
		}
		p := hist[0]
		if got.At == nil || !got.At.Equal(p.At) || got.UserID != p.UserID {
			t.Fatalf("pixel %d,%d: health says %q at %v, history %q at %v", got.X, got.Y, got.UserID, got.At, p.UserID, p.At)
		}
		if p.Seq > lastSeq {
			t.Fatalf("wrong pixels are not most recent first: seq %d after %d", p.Seq, lastSeq)
		}
		lastSeq = p.Seq
	}
}

func TestHealthEqualsRecount(t *testing.T) {
	const side = 48
	teststores.Both(t, place.Config{Width: side, Height: side}, func(t *testing.T, open teststores.Opener) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st := open(t)
		rng := rand.New(rand.NewPCG(7, 25))
		now := time.Now()
		var users []place.User
		for range 6 {
			u, err := st.Users.CreateGuest(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		addTemplate := func(x, y, w, h int) place.Template {
			tpl, err := st.Events.AddTemplate(ctx, place.Template{Name: fmt.Sprintf("t%d", x), X: x, Y: y, Width: w, Height: h, PNG: templatePNG(t, rng, w, h), CreatedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			return tpl
		}
		tpls := []place.Template{addTemplate(0, 0, 20, 20), addTemplate(10, 10, 30, 16)}
		tr := templatehealth.New(trackedRoles(st), nil, nil)
		go tr.Run(ctx)

		// place makes n random placements, most of them on the templates,
		// many in their colors (players painting them), with a wipe or a
		// rollback now and then.
		place := func(n int) {
			for i := range n {
				who := users[rng.IntN(len(users))]
				x, y := rng.IntN(side), rng.IntN(side)
				if rng.IntN(4) > 0 {
					x, y = rng.IntN(32), rng.IntN(26)
				}
				color := uint8(rng.IntN(16))
				placed, _, err := st.Placer.Place(ctx, place.Player{UserID: who.ID}, x, y, color, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case i%400 == 199: // a wipe of a rectangle
					var px []place.Pixel
					for yy := y / 2; yy < y/2+8; yy++ {
						for xx := x / 2; xx < x/2+8; xx++ {
							px = append(px, place.Pixel{X: xx, Y: yy, Color: 3})
						}
					}
					if _, err := st.Placer.PlaceRollback(ctx, "admin", px, time.Now()); err != nil {
						t.Fatal(err)
					}
				case i%400 == 399: // a rollback of one player
					if err := st.History.WaitHistory(ctx, placed.Seq); err != nil {
						t.Fatal(err)
					}
					plan, err := st.History.RollbackPlan(ctx, who.ID, now)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := st.Placer.PlaceRollback(ctx, "admin", plan, time.Now()); err != nil && len(plan) > 0 {
						t.Fatal(err)
					}
				}
			}
		}
		place(1500)
		for _, tpl := range tpls {
			check(t, st, tr, tpl)
		}
		// A template added while placements go on is followed from then on.
		tpls = append(tpls, addTemplate(5, 20, 24, 24))
		tr.Changed()
		place(1500)
		for _, tpl := range tpls {
			check(t, st, tr, tpl)
		}
		// A deleted template is no longer followed.
		if _, err := st.Events.DeleteTemplate(ctx, tpls[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := tr.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := tr.Health(tpls[0].ID, 0); found {
			t.Fatal("a deleted template is still followed")
		}
		// Another tracker (a restart) starts from the store and agrees.
		again := templatehealth.New(trackedRoles(st), nil, nil)
		go again.Run(ctx)
		place(500)
		for _, tpl := range tpls[1:] {
			check(t, st, tr, tpl)
			check(t, st, again, tpl)
		}
	})
}
