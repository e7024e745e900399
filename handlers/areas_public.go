package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// publicArea is a protected area as players see it: where and what, not
// which moderator drew it.
type publicArea struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	X    int    `json:"x"`
	Y    int    `json:"y"`
	W    int    `json:"w"`
	H    int    `json:"h"`
}

// areaList serves GET /api/v1/areas: the protected areas, so that the
// game can outline them before a placement is refused.
func (s *eventPages) areaList(c echo.Context) error {
	areas := s.live.Event().Areas
	out := make([]publicArea, 0, len(areas))
	for _, a := range areas {
		out = append(out, publicArea{ID: a.ID, Name: a.Name, X: a.Rect.X, Y: a.Rect.Y, W: a.Rect.W, H: a.Rect.H})
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, map[string]any{"areas": out})
}
