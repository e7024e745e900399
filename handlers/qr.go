package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/placecanvas/place"
)

// QR codes are made here, on the server, by github.com/skip2/go-qrcode
// (Reed-Solomon, masks and version selection are not worth writing by
// hand). The SVG form is drawn from its module bitmap, so it stays sharp at
// any size on a projector; the PNG form is for printing.

// qrModules returns the QR code's modules (true is dark), quiet zone
// included.
func qrModules(content string) ([][]bool, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	return q.Bitmap(), nil
}

// qrSVG draws the modules as one path of unit squares, dark on white.
func qrSVG(modules [][]bool) []byte {
	n := strconv.Itoa(len(modules))
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + ` ` + n + `" shape-rendering="crispEdges">`)
	b.WriteString(`<rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	for y, row := range modules {
		for x, dark := range row {
			if dark {
				b.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h1v1h-1z")
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes()
}

// joinQR serves GET /join/qr.svg and /join/qr.png: the QR code of the join
// link this visitor would be shown (see joinLink.info). ?size= sets the PNG's
// width in pixels (64..2048, default 512).
func (s *screenPages) joinQR(c echo.Context) error {
	url := s.join.info(c, s.viewerIsAdmin(c)).URL
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	if strings.HasSuffix(c.Request().URL.Path, ".png") {
		size := 512
		if v := c.QueryParam("size"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 64 || n > 2048 {
				return place.Errorf(place.EVALIDATION, "size must be a whole number of pixels from 64 to 2048.")
			}
			size = n
		}
		png, err := qrcode.Encode(url, qrcode.Medium, size)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "image/png", png)
	}
	modules, err := qrModules(url)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/svg+xml", qrSVG(modules))
}
