package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/timetravel"
)

const exportUsage = `Usage:
  place export csv -o FILE [--users] [--upto SEQ] [storage flags]
  place export gif -o FILE [--from TIME] [--to TIME] [--frames N] [--delay MS] [--size PX] [--region X,Y,W,H] [storage flags]
  place export png -o FILE [--at SEQ|TIME] [--scale N] [storage flags]

FILE "-" is standard output. The storage flags are those of serve
(--data-dir, or --redis-url and --database-url, and --width/--height).
`

// exportOptions are the flags of place export.
type exportOptions struct {
	out, at, upto, from, to, region string
	users                           bool
	frames, delayMS, size, scale    int
}

// cmdExport writes the history as open data (csv), a timelapse (gif) or
// the canvas at a moment (png), straight from the store.
func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) < 1 || (args[0] != "csv" && args[0] != "gif" && args[0] != "png") {
		fmt.Fprint(stderr, exportUsage)
		return 2
	}
	kind := args[0]
	cfg := app.Defaults()
	fs := serveFlags("export "+kind, &cfg, nil, nil, stderr)
	var o exportOptions
	fs.StringVar(&o.out, "o", "", "output file (- for standard output)")
	fs.BoolVar(&o.users, "users", false, "csv: add the user column (salted hashes)")
	fs.StringVar(&o.upto, "upto", "", "csv: last seq to export (default: all)")
	fs.StringVar(&o.from, "from", "", "gif: first moment, RFC 3339 (default: the first placement)")
	fs.StringVar(&o.to, "to", "", "gif: last moment, RFC 3339 (default: the last placement)")
	fs.IntVar(&o.frames, "frames", 100, "gif: number of frames (1-1000)")
	fs.IntVar(&o.delayMS, "delay", 100, "gif: milliseconds per frame (20-10000)")
	fs.IntVar(&o.size, "size", 512, "gif: longer side of the image in pixels (1-1024)")
	fs.StringVar(&o.region, "region", "", "gif: X,Y,W,H of the canvas to show (default: all)")
	fs.StringVar(&o.at, "at", "", "png: seq or RFC 3339 time (default: the last placement)")
	fs.IntVar(&o.scale, "scale", 1, "png: pixels per canvas pixel (1-8)")
	if err := parseWithEnv(fs, args[1:], getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "place:", err)
		return 2
	}
	if o.out == "" {
		fmt.Fprint(stderr, "place: -o FILE is required\n\n"+exportUsage)
		return 2
	}
	st, err := app.OpenStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintln(stderr, "place:", err)
		return 1
	}
	defer st.Close()
	var w io.Writer = stdout
	if o.out != "-" {
		f, err := os.Create(o.out)
		if err != nil {
			fmt.Fprintln(stderr, "place:", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	// The stored size: the canvas may have grown since the flags' first size.
	sz, err := st.Sizes.CanvasSize(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "place:", err)
		return 1
	}
	if err := runExport(ctx, kind, st, cfg.CanvasConfig().WithSize(sz), o, w); err != nil {
		fmt.Fprintln(stderr, "place: export:", place.ErrorMessage(err), detail(err))
		if o.out != "-" {
			_ = os.Remove(o.out)
		}
		return 1
	}
	return 0
}

// detail shows an internal error's text on the command line, where only
// the operator reads it.
func detail(err error) string {
	if place.ErrorCode(err) == place.EINTERNAL {
		return "(" + err.Error() + ")"
	}
	return ""
}

func runExport(ctx context.Context, kind string, st place.Stores, cfg place.Config, o exportOptions, w io.Writer) error {
	a := st.Archive
	span, err := a.HistorySpan(ctx)
	if err != nil {
		return err
	}
	switch kind {
	case "csv":
		upto := span.LastSeq
		if o.upto != "" {
			if upto, err = strconv.ParseUint(o.upto, 10, 64); err != nil || upto < span.FirstSeq || upto > span.LastSeq {
				return place.Errorf(place.EVALIDATION, "--upto must be a seq from %d to %d", span.FirstSeq, span.LastSeq)
			}
		}
		var users *timetravel.UserHasher
		if o.users {
			salt, err := a.ExportSalt(ctx)
			if err != nil {
				return err
			}
			users = timetravel.NewUserHasher(salt)
		}
		return timetravel.WriteCSV(ctx, w, a, upto, users)
	case "gif":
		tl, err := gifOptions(o, span, cfg)
		if err != nil {
			return err
		}
		return timetravel.WriteGIF(ctx, w, a, cfg, tl)
	}
	m := timetravel.Moment{Seq: span.LastSeq}
	if o.at != "" {
		if m, err = timetravel.ParseAt(ctx, a, o.at, time.Now()); err != nil {
			return err
		}
	}
	if o.scale < 1 || o.scale > 8 {
		return place.Errorf(place.EVALIDATION, "--scale must be from 1 to 8")
	}
	canvas, sz, err := canvasAt(ctx, st, cfg, m.Seq)
	if err != nil {
		return err
	}
	full := image.Rect(0, 0, sz.Width, sz.Height)
	return timetravel.WritePNG(w, canvas, sz.Width, full, image.Pt(sz.Width*o.scale, sz.Height*o.scale))
}

// canvasAt is the canvas right after seq at the size it had then: the
// store knows the growths since cfg's first size.
func canvasAt(ctx context.Context, st place.Stores, cfg place.Config, seq uint64) ([]byte, place.Size, error) {
	growths, err := st.Sizes.Growths(ctx)
	if err != nil {
		return nil, place.Size{}, err
	}
	return timetravel.SizedCanvasAt(ctx, st.Archive, cfg.Size(), growths, seq)
}

func gifOptions(o exportOptions, span place.HistorySpan, cfg place.Config) (timetravel.Timelapse, error) {
	tl := timetravel.Timelapse{From: span.FirstAt, To: span.LastAt, Frames: o.frames, Delay: time.Duration(o.delayMS) * time.Millisecond,
		Region: image.Rect(0, 0, cfg.Width, cfg.Height)}
	var err error
	if o.from != "" {
		if tl.From, err = time.Parse(time.RFC3339Nano, o.from); err != nil {
			return tl, place.Errorf(place.EVALIDATION, "--from must be an RFC 3339 time")
		}
	}
	if o.to != "" {
		if tl.To, err = time.Parse(time.RFC3339Nano, o.to); err != nil {
			return tl, place.Errorf(place.EVALIDATION, "--to must be an RFC 3339 time")
		}
	}
	if o.region != "" {
		var v [4]int
		parts := strings.Split(o.region, ",")
		for i := range v {
			if len(parts) != 4 {
				break
			}
			v[i], err = strconv.Atoi(strings.TrimSpace(parts[i]))
			if err != nil {
				break
			}
		}
		if len(parts) != 4 || err != nil {
			return tl, place.Errorf(place.EVALIDATION, "--region must be X,Y,W,H")
		}
		tl.Region = image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3])
	}
	if o.size < 1 {
		return tl, place.Errorf(place.EVALIDATION, "--size must be from 1 to %d", timetravel.MaxGIFSide)
	}
	w, h := tl.Region.Dx(), tl.Region.Dy()
	if w >= h && w > 0 {
		tl.Size = image.Pt(o.size, max(1, h*o.size/w))
	} else if h > 0 {
		tl.Size = image.Pt(max(1, w*o.size/h), o.size)
	}
	return tl, tl.Validate(cfg)
}
