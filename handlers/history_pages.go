package handlers

import (
	"context"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/views"
)

// historyPageSize is the number of rows per page of the HTML history.
const historyPageSize = 50

// beforeParam reads the optional ?before=<seq> of a history page.
func beforeParam(c echo.Context) (uint64, error) {
	v, ok, err := queryParam(c, "before")
	if err != nil || !ok {
		return 0, err
	}
	n, err := parseSeq(v)
	if err != nil || n < 1 {
		return 0, place.Errorf(place.EVALIDATION, "before must be a placement number (a whole number of 1 or more).")
	}
	return n, nil
}

// parseSeq reads a sequence number. Seqs are stored as signed 64-bit
// integers, so a number above 2^63-1 is refused rather than wrapping to a
// negative one.
func parseSeq(v string) (uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err == nil && n > math.MaxInt64 {
		err = strconv.ErrRange
	}
	return n, err
}

// pixelHistoryPage reads one page of a pixel's history, one row more than
// shown to tell whether an older page exists.
func (s *historyPages) pixelHistoryPage(ctx context.Context, x, y int, before uint64) ([]place.HistoryEntry, error) {
	s.ownWrites.await(ctx)
	return s.history.PixelHistoryBefore(ctx, x, y, before, historyPageSize+1)
}

// pageOf cuts the extra row and returns the link to the older page, if any.
func pageOf(entries []place.HistoryEntry, link func(before uint64) string) ([]place.HistoryEntry, string) {
	if len(entries) <= historyPageSize {
		return entries, ""
	}
	entries = entries[:historyPageSize]
	return entries, link(entries[len(entries)-1].Seq)
}

// historyPage serves GET /history?x=&y=[&before=]: the HTML history of one pixel.
func (s *historyPages) historyPage(c echo.Context) error {
	x, y, err := s.pixelParams(c)
	if err != nil {
		return err
	}
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	entries, err := s.pixelHistoryPage(s.ctx(c), x, y, before)
	if err != nil {
		return err
	}
	base := "/history?x=" + itoa(x) + "&y=" + itoa(y)
	entries, older := pageOf(entries, func(b uint64) string { return base + "&before=" + strconv.FormatUint(b, 10) })
	d := views.HistoryData{
		User:    s.viewUser(c),
		Title:   "History of pixel " + itoa(x) + ", " + itoa(y),
		Caption: "Placements on pixel " + itoa(x) + ", " + itoa(y) + ", newest first",
		Pixel:   &place.Pixel{X: x, Y: y},
		Entries: s.entriesFor(c, entries),
		Older:   older,
	}
	if data, sz, _ := s.hub.SizedCanvas(); sz.Contains(x, y) {
		d.PixelNow = place.ColorName(int(data[y*sz.Width+x]))
	}
	if before != 0 {
		d.Newest = base
		d.Caption += ", older than placement " + strconv.FormatUint(before, 10)
	}
	return render(c, http.StatusOK, views.HistoryPage(d))
}

// recentPage serves GET /history/recent[?before=]: the latest placements.
func (s *historyPages) recentPage(c echo.Context) error {
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	s.ownWrites.await(s.ctx(c))
	entries, err := s.history.RecentPlacements(s.ctx(c), before, historyPageSize+1)
	if err != nil {
		return err
	}
	entries, older := pageOf(entries, func(b uint64) string { return "/history/recent?before=" + strconv.FormatUint(b, 10) })
	d := views.HistoryData{
		User:    s.viewUser(c),
		Title:   "Recent placements",
		Caption: "Placements on the canvas, newest first",
		Entries: s.entriesFor(c, entries),
		Older:   older,
	}
	if before != 0 {
		d.Newest = "/history/recent"
		d.Caption += ", older than placement " + strconv.FormatUint(before, 10)
	}
	return render(c, http.StatusOK, views.HistoryPage(d))
}
