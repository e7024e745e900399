package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/realtime"
)

// events serves GET /api/v1/events: every broadcast batch as an SSE
// `pixels` event. A reconnecting EventSource sends Last-Event-ID, which wins
// over a `since` left in the URL from the first connection.
func (s *playPages) events(c echo.Context) error {
	since, resume, err := eventsSince(c)
	if err != nil {
		return err
	}
	if !s.hub.Ready() {
		return place.ErrUnavailable
	}
	slot, err := s.streams.acquire(c.Request())
	if err != nil {
		return err
	}
	defer slot.release()
	return s.hub.ServeSSE(c.Response(), c.Request(), realtime.SSEOptions{Since: since, Resume: resume})
}

// eventsSince reads the resume point from Last-Event-ID or ?since=.
func eventsSince(c echo.Context) (uint64, bool, error) {
	v, ok := c.Request().Header["Last-Event-Id"]
	if !ok {
		if v, ok = c.QueryParams()["since"]; !ok {
			return 0, false, nil
		}
	}
	if len(v) != 1 {
		return 0, false, errBadSince
	}
	n, err := parseSeq(v[0])
	if err != nil {
		return 0, false, errBadSince
	}
	return n, true, nil
}

var errBadSince = place.Errorf(place.EVALIDATION, "Last-Event-ID and since must be a non-negative integer sequence number.")
