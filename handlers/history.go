package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// historyPages are the history of a pixel and the recent placements, as
// pages and as JSON.
type historyPages struct {
	*web
	liveCanvas
	history   HistoryReader
	ownWrites *ownWrites
}

// queryParam returns the one value of an optional query parameter. A
// parameter given twice is refused rather than guessed at.
func queryParam(c echo.Context, name string) (string, bool, error) {
	v, ok := c.QueryParams()[name]
	if !ok {
		return "", false, nil
	}
	if len(v) != 1 {
		return "", true, place.Errorf(place.EVALIDATION, "Give the query parameter %s once.", name)
	}
	return v[0], true, nil
}

// intParam parses an optional integer query parameter within [lo, hi]; one
// that is present must be valid, even when empty.
func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	v, ok, err := queryParam(c, name)
	if err != nil || !ok {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, place.Errorf(place.EVALIDATION, "%s must be an integer from %d to %d.", name, lo, hi)
	}
	return n, nil
}

// pixelParams reads the required x and y of a pixel. A number too large to
// parse is out of the canvas like any other.
func (s *historyPages) pixelParams(c echo.Context) (int, int, error) {
	var xy [2]int
	for i, name := range []string{"x", "y"} {
		v, ok, err := queryParam(c, name)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			return 0, 0, place.Errorf(place.EVALIDATION, "Query parameters x and y are required.")
		}
		n, err := strconv.Atoi(v)
		if errors.Is(err, strconv.ErrRange) {
			return 0, 0, s.canvasCfg().CoordsError()
		}
		if err != nil {
			return 0, 0, place.Errorf(place.EINVALIDCOORDS, "%s must be an integer.", name)
		}
		xy[i] = n
	}
	if err := s.canvasCfg().CheckPixel(xy[0], xy[1], 0); err != nil {
		return 0, 0, err
	}
	return xy[0], xy[1], nil
}

type placementJSON struct {
	UserID   string    `json:"userId"`
	Username string    `json:"username"`
	Color    uint8     `json:"color"`
	PlacedAt time.Time `json:"placedAt"`
	Seq      uint64    `json:"seq"`
	Rollback bool      `json:"rollback,omitempty"`
	// Anonymous: the placer is not named to this viewer (a guest, or a
	// player who keeps their name private); userId is then empty.
	Anonymous bool `json:"anonymous,omitempty"`
}

// pixelHistory serves GET /api/v1/history/pixel?x=&y=&limit=. Placers are
// named as entriesFor says.
func (s *historyPages) pixelHistory(c echo.Context) error {
	x, y, err := s.pixelParams(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	s.ownWrites.await(s.ctx(c))
	entries, err := s.history.PixelHistory(s.ctx(c), x, y, limit)
	if err != nil {
		return err
	}
	admin := s.viewerIsAdmin(c)
	if !admin {
		entries = publicEntries(entries)
	}
	out := make([]placementJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, placementJSON{UserID: e.UserID, Username: e.Username, Color: e.Color, PlacedAt: e.At, Seq: e.Seq, Rollback: e.Rollback, Anonymous: !admin && !e.Named})
	}
	return c.JSON(http.StatusOK, map[string]any{"placements": out})
}
