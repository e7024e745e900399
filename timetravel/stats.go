package timetravel

import (
	"context"
	"sync"
	"time"

	"github.com/placecanvas/place"
)

// Summary is the text summary of the whole history: players' placements,
// players and busiest minute leave a moderator's rollbacks and wipes out;
// the most-painted pixel counts every change of a pixel, as the overlays do.
type Summary struct {
	Placements    uint64
	Players       int
	BusiestMinute time.Time // start of the minute with the most placements
	BusiestCount  uint32
	MostPainted   place.Pixel // Color unused
	MostPaintedN  uint32
	Seq           uint64 // the summary covers placements up to this seq
}

// Stats keeps running totals of the history (placements per pixel, per
// minute, the set of players), brought up to date incrementally: each
// Update reads only the placements since the last. Memory grows with the
// canvas, the number of players and the minutes of history, not with the
// number of placements.
type Stats struct {
	Archive place.Archive
	Config  place.Config

	run     sync.Mutex // one Update at a time
	mu      sync.Mutex // guards the totals, taken per batch
	seq     uint64
	count   uint64
	size    place.Size // of pixels: Config's, grown with the canvas
	pixels  []uint32
	minutes map[int64]uint32
	players map[string]struct{}
}

// Update reads the placements stored since the last Update. The totals
// are readable meanwhile: they grow a batch at a time.
func (s *Stats) Update(ctx context.Context) error {
	s.run.Lock()
	defer s.run.Unlock()
	span, err := s.Archive.HistorySpan(ctx)
	if place.ErrorCode(err) == place.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.pixels == nil {
		s.size = s.Config.Size()
		s.pixels = make([]uint32, s.size.Width*s.size.Height)
		s.minutes = make(map[int64]uint32)
		s.players = make(map[string]struct{})
	}
	from := s.seq
	s.mu.Unlock()
	return s.Archive.PlacementRange(ctx, from, span.LastSeq, func(ps []place.Placement) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range ps {
			s.seq = p.Seq
			if !s.size.Contains(p.X, p.Y) {
				s.grow(place.Size{Width: p.X + 1, Height: p.Y + 1})
			}
			// Every change of a pixel counts for the overlays (heatmap,
			// never placed), as the windowed counts of CountPixels do.
			s.pixels[p.Y*s.size.Width+p.X]++
			if p.Rollback {
				// A moderator's rollback or wipe is no player's placement:
				// the totals agree with /stats (place.EventStats).
				continue
			}
			s.minutes[p.At.Unix()/60]++
			s.players[p.UserID] = struct{}{}
			s.count++
		}
		return nil
	})
}

// grow lays the per-pixel counts out on a canvas that covers sz (the
// canvas grew), every count at its (x, y).
func (s *Stats) grow(sz place.Size) {
	to := s.size.Max(sz)
	out := make([]uint32, to.Width*to.Height)
	for y := 0; y < s.size.Height; y++ {
		copy(out[y*to.Width:], s.pixels[y*s.size.Width:(y+1)*s.size.Width])
	}
	s.pixels, s.size = out, to
}

// Summary returns the totals as of the last Update.
func (s *Stats) Summary() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := Summary{Placements: s.count, Players: len(s.players), Seq: s.seq}
	for m, n := range s.minutes {
		if n > sum.BusiestCount || (n == sum.BusiestCount && m < sum.BusiestMinute.Unix()/60) {
			sum.BusiestCount, sum.BusiestMinute = n, time.Unix(m*60, 0).UTC()
		}
	}
	for i, n := range s.pixels {
		if n > sum.MostPaintedN {
			sum.MostPaintedN = n
			sum.MostPainted = place.Pixel{X: i % s.size.Width, Y: i / s.size.Width}
		}
	}
	return sum
}

// Rate returns the placements in each of n equal slices of [from, to]: the
// curve drawn under the timelapse slider.
func (s *Stats) Rate(from, to time.Time, n int) []uint32 {
	out := make([]uint32, n)
	s.mu.Lock()
	defer s.mu.Unlock()
	span := to.Unix()/60 - from.Unix()/60 + 1
	for m, c := range s.minutes {
		i := (m - from.Unix()/60) * int64(n) / span
		if i >= 0 && i < int64(n) {
			out[i] += c
		}
	}
	return out
}

// PixelCounts returns a copy of the placements per pixel (row-major) and
// the seq they count up to.
func (s *Stats) PixelCounts() ([]uint32, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint32(nil), s.pixels...), s.seq
}

// Seq returns the seq the totals count up to.
func (s *Stats) Seq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// OverlayLevels returns o's levels of the placements per pixel, the size
// they cover and the seq they count up to. It reads the totals in place,
// one byte per pixel out instead of a copy of four.
func (s *Stats) OverlayLevels(o Overlay) ([]byte, place.Size, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return o.Levels(s.pixels), s.size, s.seq
}
