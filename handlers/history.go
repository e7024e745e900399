package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		if _, present := c.QueryParams()[name]; !present {
			return def, nil
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, place.Errorf(place.EVALIDATION, "%s must be an integer from %d to %d.", name, lo, hi)
	}
	return n, nil
}

// pixelParams reads the required x and y of a pixel.
func (s *Server) pixelParams(c echo.Context) (int, int, error) {
	for _, name := range []string{"x", "y"} {
		if _, ok := c.QueryParams()[name]; !ok {
			return 0, 0, place.Errorf(place.EVALIDATION, "Query parameters x and y are required.")
		}
	}
	x, err := strconv.Atoi(c.QueryParam("x"))
	if err != nil {
		return 0, 0, place.Errorf(place.EINVALIDCOORDS, "x must be an integer.")
	}
	y, err := strconv.Atoi(c.QueryParam("y"))
	if err != nil {
		return 0, 0, place.Errorf(place.EINVALIDCOORDS, "y must be an integer.")
	}
	if err := s.cfg.CheckPixel(x, y, 0); err != nil {
		return 0, 0, err
	}
	return x, y, nil
}

type placementJSON struct {
	UserID   string    `json:"userId"`
	Username string    `json:"username"`
	Color    uint8     `json:"color"`
	PlacedAt time.Time `json:"placedAt"`
	Seq      uint64    `json:"seq"`
	Rollback bool      `json:"rollback,omitempty"`
}

// pixelHistory serves GET /api/v1/history/pixel?x=&y=&limit=.
func (s *Server) pixelHistory(c echo.Context) error {
	x, y, err := s.pixelParams(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	entries, err := s.store.PixelHistory(s.ctx(c), x, y, limit)
	if err != nil {
		return err
	}
	out := make([]placementJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, placementJSON{UserID: e.UserID, Username: e.Username, Color: e.Color, PlacedAt: e.At, Seq: e.Seq, Rollback: e.Rollback})
	}
	return c.JSON(http.StatusOK, map[string]any{"placements": out})
}
