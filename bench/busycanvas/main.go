// Command busycanvas fills the canvas of an embedded server's database with
// busy content, for `place bench --joins` on a canvas that is not blank
// (BENCHMARKS.md): it writes one canvas snapshot, which the server loads at
// start, instead of millions of placements. The history does not explain
// the pixels, so it is for benchmark databases only. Stop the server first.
//
//	go run ./bench/busycanvas --data-dir DIR --width 2000 --height 2000 [--pattern image|random]
//
// "image" paints overlapping rectangles of every size (log-uniform from 2
// pixels to a quarter of the canvas) in palette colors until the canvas is
// covered about three times (the few pixels never painted keep a random
// color), then sets 2 % of the pixels to random colors:
// areas of one color with detail and stray pixels, as a played canvas has.
// "random" gives every pixel a random color, the worst case for compression.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/embedded"
	_ "modernc.org/sqlite"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "busycanvas:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("busycanvas", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "the embedded server's --data-dir (created when missing)")
	width := fs.Int("width", 0, "canvas width for a new database (a stored size must match)")
	height := fs.Int("height", 0, "canvas height for a new database (a stored size must match)")
	pattern := fs.String("pattern", "image", "image or random")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same canvas)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" || fs.NArg() > 0 {
		return errors.New("usage: busycanvas --data-dir DIR [--width W --height H] [--pattern image|random] [--seed N]")
	}
	if *pattern != "image" && *pattern != "random" {
		return fmt.Errorf("pattern %q is not image or random", *pattern)
	}
	ctx := context.Background()
	if err := embedded.MigrateDir(ctx, *dataDir); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(*dataDir, "place.db")+"?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("BEGIN EXCLUSIVE"); err != nil {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			return errors.New("the database is in use: stop the server first")
		}
		return err
	}
	defer db.Exec("ROLLBACK") //nolint:errcheck // after COMMIT there is nothing to roll back
	size, err := canvasSize(db, *width, *height)
	if err != nil {
		return err
	}
	var seq int64
	if err := db.QueryRow(`SELECT MAX(COALESCE((SELECT MAX(seq) FROM placements), 0), COALESCE((SELECT MAX(seq) FROM snapshots), 0))`).Scan(&seq); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(*seed, 0x9e3779b97f4a7c15))
	pixels := make([]byte, size.Width*size.Height)
	if *pattern == "random" {
		for i := range pixels {
			pixels[i] = byte(rng.IntN(place.ColorCount))
		}
	} else {
		paintImage(pixels, size.Width, size.Height, rng)
	}
	if _, err := db.Exec(`INSERT OR REPLACE INTO snapshots (seq, width, height, data) VALUES (?, ?, ?, ?)`, seq, size.Width, size.Height, pixels); err != nil {
		return err
	}
	if _, err := db.Exec("COMMIT"); err != nil {
		return err
	}
	fmt.Printf("wrote a %s canvas of %dx%d as the snapshot at seq %d\n", *pattern, size.Width, size.Height, seq)
	return nil
}

// canvasSize returns the stored size, storing width × height when there is
// none.
func canvasSize(db *sql.DB, width, height int) (place.Size, error) {
	var nw, nh sql.NullString
	if err := db.QueryRow(`SELECT (SELECT value FROM meta WHERE key='width'), (SELECT value FROM meta WHERE key='height')`).Scan(&nw, &nh); err != nil {
		return place.Size{}, err
	}
	want := place.Size{Width: width, Height: height}
	if !nw.Valid || !nh.Valid {
		if width < 1 || height < 1 || width > 4096 || height > 4096 {
			return want, errors.New("a new database needs --width and --height (1-4096)")
		}
		_, err := db.Exec(`INSERT INTO meta (key, value) VALUES ('width', ?), ('height', ?)`, strconv.Itoa(width), strconv.Itoa(height))
		return want, err
	}
	w, errW := strconv.Atoi(nw.String)
	h, errH := strconv.Atoi(nh.String)
	stored := place.Size{Width: w, Height: h}
	switch {
	case errW != nil || errH != nil || w < 1 || h < 1:
		return stored, fmt.Errorf("the stored canvas size %qx%q is not usable", nw.String, nh.String)
	case (width != 0 || height != 0) && want != stored:
		return stored, fmt.Errorf("the database's canvas is %dx%d, not %dx%d", w, h, width, height)
	}
	return stored, nil
}

// paintImage paints overlapping rectangles of log-uniform sizes until the
// canvas is covered about three times, then 2 % noise.
func paintImage(pixels []byte, width, height int, rng *rand.Rand) {
	for i := range pixels {
		pixels[i] = byte(rng.IntN(place.ColorCount))
	}
	logMax := math.Log(max(2, float64(min(width, height))/4))
	for painted := 0; painted < 3*len(pixels); {
		w := min(width, int(math.Exp(math.Log(2)+rng.Float64()*(logMax-math.Log(2)))))
		h := min(height, int(math.Exp(math.Log(2)+rng.Float64()*(logMax-math.Log(2)))))
		w, h = max(w, 1), max(h, 1)
		x0, y0 := rng.IntN(width-w+1), rng.IntN(height-h+1)
		color := byte(rng.IntN(place.ColorCount))
		for y := y0; y < y0+h; y++ {
			row := pixels[y*width+x0 : y*width+x0+w]
			for i := range row {
				row[i] = color
			}
		}
		painted += w * h
	}
	for range len(pixels) / 50 {
		pixels[rng.IntN(len(pixels))] = byte(rng.IntN(place.ColorCount))
	}
}
