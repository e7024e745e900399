package timetravel

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/gif"
	"io"
	"time"

	"github.com/placecanvas/place"
)

// Bounds of a timelapse: what one request may ask the server to draw.
const (
	MaxGIFFrames = 1000
	MaxGIFSide   = 1024
	MinGIFDelay  = 20 * time.Millisecond // GIF counts in hundredths; browsers slow anything faster
	MaxGIFDelay  = 10 * time.Second
)

// Timelapse describes an animated GIF: frames evenly spaced in time from
// From to To (inclusive), of the canvas region Region scaled to Size.
type Timelapse struct {
	From, To time.Time
	Frames   int
	Delay    time.Duration
	Region   image.Rectangle
	Size     image.Point
}

// Validate checks a timelapse against the canvas and the bounds.
func (tl Timelapse) Validate(cfg place.Config) error {
	switch {
	case tl.Frames < 1 || tl.Frames > MaxGIFFrames:
		return place.Errorf(place.EVALIDATION, "frames must be between 1 and %d.", MaxGIFFrames)
	case tl.Delay < MinGIFDelay || tl.Delay > MaxGIFDelay:
		return place.Errorf(place.EVALIDATION, "delay must be between %d and %d milliseconds.", MinGIFDelay.Milliseconds(), MaxGIFDelay.Milliseconds())
	case tl.Region.Empty() || !tl.Region.In(image.Rect(0, 0, cfg.Width, cfg.Height)):
		return place.Errorf(place.EVALIDATION, "The region must lie within the %d × %d canvas.", cfg.Width, cfg.Height)
	case tl.Size.X < 1 || tl.Size.Y < 1 || tl.Size.X > MaxGIFSide || tl.Size.Y > MaxGIFSide:
		return place.Errorf(place.EVALIDATION, "The image must be between 1 and %d pixels wide and high.", MaxGIFSide)
	case tl.To.Before(tl.From):
		return place.Errorf(place.EVALIDATION, "to must not be before from.")
	}
	return nil
}

// FrameSeqs returns the seq of each frame: the last placement at or before
// its moment (0 before the first placement).
func (tl Timelapse) FrameSeqs(ctx context.Context, a place.Archive) ([]uint64, error) {
	seqs := make([]uint64, tl.Frames)
	span := tl.To.Sub(tl.From)
	for i := range seqs {
		at := tl.From
		if tl.Frames > 1 {
			at = tl.From.Add(time.Duration(float64(span) * float64(i) / float64(tl.Frames-1)))
		}
		seq, err := a.SeqAt(ctx, at)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			seq = max(seq, seqs[i-1]) // clocks of cluster instances may disagree a little
		}
		seqs[i] = seq
	}
	return seqs, nil
}

// WriteGIF streams the timelapse as an animated GIF that loops: one pass
// over the history it covers, one frame in memory at a time, each frame
// only the rectangle that changed since the one before.
func WriteGIF(ctx context.Context, w io.Writer, a place.Archive, cfg place.Config, tl Timelapse) error {
	if err := tl.Validate(cfg); err != nil {
		return err
	}
	seqs, err := tl.FrameSeqs(ctx, a)
	if err != nil {
		return err
	}
	canvas, err := CanvasAt(ctx, a, cfg, seqs[0])
	if err != nil {
		return err
	}
	gw := &gifWriter{w: w, tl: tl, size: image.Rectangle{Max: tl.Size}}
	next := 0
	emitUpTo := func(seq uint64) error { // every frame whose seq is below seq
		for next < len(seqs) && seqs[next] < seq {
			if err := gw.frame(canvas, cfg.Width); err != nil {
				return err
			}
			next++
		}
		return ctx.Err()
	}
	err = a.PixelRange(ctx, seqs[0], seqs[len(seqs)-1], func(ps []place.Placement) error {
		for _, p := range ps {
			if err := emitUpTo(p.Seq); err != nil {
				return err
			}
			if p.X < cfg.Width && p.Y < cfg.Height { // else placed after a growth this timelapse does not cover
				canvas[p.Y*cfg.Width+p.X] = p.Color
			}
		}
		return nil
	})
	if err == nil {
		err = emitUpTo(1<<64 - 1)
	}
	if err != nil {
		return err
	}
	_, err = w.Write([]byte{0x3b}) // trailer
	return err
}

// gifWriter writes frames one by one: image/gif encodes a whole animation
// at once, so each frame is encoded alone and its image block spliced in.
type gifWriter struct {
	w          io.Writer
	tl         Timelapse
	size       image.Rectangle
	cur, prev  *image.Paletted
	buf        bytes.Buffer
	wroteFirst bool
}

func (g *gifWriter) frame(canvas []byte, cw int) error {
	if g.cur == nil {
		g.cur = image.NewPaletted(g.size, place.ImagePalette)
		g.prev = image.NewPaletted(g.size, place.ImagePalette)
	}
	Render(g.cur, canvas, cw, g.tl.Region)
	changed := g.size
	if g.wroteFirst {
		changed = diffRect(g.cur, g.prev)
	}
	sub := g.cur.SubImage(changed).(*image.Paletted)
	g.buf.Reset()
	err := gif.EncodeAll(&g.buf, &gif.GIF{
		Image:    []*image.Paletted{sub},
		Delay:    []int{max(1, int(g.tl.Delay/(10*time.Millisecond)))},
		Disposal: []byte{gif.DisposalNone},
		Config:   image.Config{ColorModel: place.ImagePalette, Width: g.size.Dx(), Height: g.size.Dy()},
	})
	if err != nil {
		return err
	}
	b := g.buf.Bytes()
	if len(b) < 14 || b[10]&0x80 == 0 {
		return errors.New("gif: unexpected encoder output")
	}
	headerLen := 13 + 3<<((b[10]&7)+1)
	body := b[headerLen : len(b)-1] // graphic control, image block; no trailer
	if !g.wroteFirst {
		loop := []byte{0x21, 0xff, 0x0b, 'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0', 0x03, 0x01, 0x00, 0x00, 0x00}
		if _, err := g.w.Write(append(b[:headerLen:headerLen], loop...)); err != nil {
			return err
		}
		g.wroteFirst = true
	}
	if _, err := g.w.Write(body); err != nil {
		return err
	}
	g.cur, g.prev = g.prev, g.cur // the next frame is drawn over the older buffer
	return nil
}

// diffRect returns the smallest rectangle holding every pixel that differs
// between a and b, or a 1×1 rectangle when none does (a frame needs pixels).
func diffRect(a, b *image.Paletted) image.Rectangle {
	r := image.Rectangle{}
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := range h {
		ra, rb := a.Pix[y*a.Stride:y*a.Stride+w], b.Pix[y*b.Stride:y*b.Stride+w]
		if bytes.Equal(ra, rb) {
			continue
		}
		x0, x1 := 0, w-1
		for ra[x0] == rb[x0] {
			x0++
		}
		for ra[x1] == rb[x1] {
			x1--
		}
		r = r.Union(image.Rect(x0, y, x1+1, y+1))
	}
	if r.Empty() {
		return image.Rect(0, 0, 1, 1)
	}
	return r
}
