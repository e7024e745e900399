package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/timetravel"
	"github.com/placecanvas/place/views"
)

// placementAt returns the placement with the given seq (its time, mostly).
func (s *timeTravel) placementAt(c echo.Context, seq uint64) (place.Placement, error) {
	var out place.Placement
	err := s.archive.PlacementRange(s.ctx(c), seq-1, seq, func(ps []place.Placement) error {
		out = ps[len(ps)-1]
		return nil
	})
	return out, err
}

func timelapseURL(seq uint64) string { return "/timelapse?at=" + strconv.FormatUint(seq, 10) }

// timelapsePage serves GET /timelapse?at=SEQ|TIME: the frame as an image,
// with links to the frames around it, the summary and the downloads.
func (s *timeTravel) timelapsePage(c echo.Context) error {
	d := views.TimelapseData{User: s.viewUser(c), Width: s.canvasCfg().Width, Height: s.canvasCfg().Height}
	span, err := s.archive.HistorySpan(s.ctx(c))
	if place.ErrorCode(err) == place.ENOTFOUND {
		d.Empty = true
		return render(c, http.StatusOK, views.TimelapsePage(d))
	}
	if err != nil {
		return err
	}
	m := timetravel.Moment{Seq: span.LastSeq}
	if _, ok, err := queryParam(c, "at"); err != nil {
		return err
	} else if ok {
		if m, err = s.moment(c); err != nil {
			return err
		}
	}
	p, err := s.placementAt(c, m.Seq)
	if err != nil {
		return err
	}
	d.Seq, d.At = m.Seq, p.At
	d.FirstSeq, d.LastSeq, d.FirstAt, d.LastAt = span.FirstSeq, span.LastSeq, span.FirstAt, span.LastAt
	scale := max(1, min(maxPNGScale(s.canvasCfg()), 800/max(s.canvasCfg().Width, s.canvasCfg().Height)))
	d.ImageURL = "/api/v1/canvas.png?at=" + strconv.FormatUint(m.Seq, 10) + "&scale=" + itoa(scale)
	d.ImageW, d.ImageH = s.canvasCfg().Width*scale, s.canvasCfg().Height*scale
	step := max(1, (span.LastSeq-span.FirstSeq)/50)
	d.StepLabel = strconv.FormatUint(step, 10) + " placements"
	if m.Seq > span.FirstSeq {
		d.PrevPlacement = timelapseURL(m.Seq - 1)
		if step > 1 {
			d.PrevStep = timelapseURL(max(span.FirstSeq, m.Seq-min(step, m.Seq)))
		}
	}
	if m.Seq < span.LastSeq {
		d.NextPlacement = timelapseURL(m.Seq + 1)
		if step > 1 {
			d.NextStep = timelapseURL(min(span.LastSeq, m.Seq+step))
		}
	}
	s.updateStats(2 * time.Second)
	sum := s.stats.Summary()
	d.Summary = views.TimelapseSummary{
		Placements: sum.Placements, Players: sum.Players, BusiestMinute: sum.BusiestMinute, BusiestCount: sum.BusiestCount,
		MostX: sum.MostPainted.X, MostY: sum.MostPainted.Y, MostCount: sum.MostPaintedN, UpToSeq: sum.Seq,
	}
	d.GIFURL = "/api/v1/timelapse.gif"
	d.FinalPNGURL = "/api/v1/canvas.png?at=" + strconv.FormatUint(span.LastSeq, 10)
	if u := d.User; s.public || (u != nil && u.IsAdmin) {
		d.CSVURL = "/api/v1/export/history.csv.gz"
	}
	return render(c, http.StatusOK, views.TimelapsePage(d))
}

// historySummary serves GET /api/v1/history/summary: the span, the totals
// and the placement rate in buckets (the curve under the slider).
func (s *timeTravel) historySummary(c echo.Context) error {
	buckets, err := intParam(c, "buckets", 200, 1, 2000)
	if err != nil {
		return err
	}
	span, err := s.historySpan(c)
	if err != nil {
		return err
	}
	s.updateStats(2 * time.Second)
	sum := s.stats.Summary()
	c.Response().Header().Set("Cache-Control", "public, max-age=10")
	return c.JSON(http.StatusOK, map[string]any{
		"firstSeq": span.FirstSeq, "lastSeq": span.LastSeq,
		"firstAt": span.FirstAt.UnixMilli(), "lastAt": span.LastAt.UnixMilli(),
		"placements": sum.Placements, "players": sum.Players, "countedUpTo": sum.Seq,
		"busiestMinute": map[string]any{"at": sum.BusiestMinute.UnixMilli(), "placements": sum.BusiestCount},
		"mostPainted":   map[string]any{"x": sum.MostPainted.X, "y": sum.MostPainted.Y, "placements": sum.MostPaintedN},
		"rate":          s.stats.Rate(span.FirstAt, span.LastAt, buckets),
	})
}
