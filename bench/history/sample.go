package main

import (
	"context"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/embedded"
	"github.com/placecanvas/place/timetravel"
)

// heart is drawn pixel by pixel in the sample history ('#' red, '+' pink).
var heart = []string{
	"  ###   ###  ",
	" ##+## ##### ",
	"##+##########",
	"#############",
	" ########### ",
	"  #########  ",
	"    #####    ",
	"     ###     ",
	"      #      ",
}

// writeSample seeds a small history (players drawing a heart and a sea, a
// vandal, a moderator's rollback) and writes its timelapse to path.
func writeSample(ctx context.Context, dir, path string) error {
	cfg := place.Config{Width: 48, Height: 32}
	st, err := embedded.Open(ctx, embedded.Options{DataDir: dir, Config: cfg})
	if err != nil {
		return err
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	at := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	put := func(user string, x, y int, c uint8) error {
		at = at.Add(time.Duration(2+rng.IntN(8)) * time.Second)
		_, _, err := st.Placer.Place(ctx, place.Player{UserID: user}, x, y, c, at)
		return err
	}
	for y := 22; y < 32; y++ { // the sea, then the heart, interleaved by two crews
		for x := range 48 {
			if err := put(fmt.Sprint("sea", x%5), x, y, uint8(12+(x+y)%2)); err != nil {
				return err
			}
		}
	}
	for y, row := range heart {
		for x, ch := range row {
			c := map[rune]uint8{'#': 5, '+': 4}[ch]
			if c != 0 {
				if err := put(fmt.Sprint("heart", x%3), 17+x, 6+y, c); err != nil {
					return err
				}
			}
		}
	}
	since := at
	for range 40 { // a vandal scribbles black over the heart
		if err := put("vandal", 17+rng.IntN(13), 6+rng.IntN(9), 3); err != nil {
			return err
		}
	}
	plan, err := st.History.RollbackPlan(ctx, "vandal", since)
	if err != nil {
		return err
	}
	if _, err := st.Placer.PlaceRollback(ctx, "moderator", plan, at.Add(time.Minute)); err != nil {
		return err
	}
	span, err := st.Archive.HistorySpan(ctx)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tl := timetravel.Timelapse{From: span.FirstAt, To: span.LastAt, Frames: 80, Delay: 80 * time.Millisecond,
		Region: timetravelRect(cfg), Size: timetravelSize(cfg, 288)}
	return timetravel.WriteGIF(ctx, f, st.Archive, cfg, tl)
}

func timetravelRect(cfg place.Config) image.Rectangle { return image.Rect(0, 0, cfg.Width, cfg.Height) }

func timetravelSize(cfg place.Config, longer int) image.Point {
	return image.Pt(longer, cfg.Height*longer/cfg.Width)
}
