package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/views"
)

// Session keys of the no-JavaScript placement; the flash is apart from the
// admin pages' own, so that neither shows up on the other's page.
const (
	keyPlaceFlash = "placeFlash"
	keyFormColor  = "placeColor"
)

// placeFields are the form fields as sent, to show them again on failure.
type placeFields struct{ x, y, color string }

func formValue(c echo.Context, name string) string { return strings.TrimSpace(c.FormValue(name)) }

// shorten keeps the echo of a field on the refusal page small.
func shorten(v string) string {
	if len(v) > 16 {
		return strings.ToValidUTF8(v[:16], "")
	}
	return v
}

// parsePlaceForm reads the fields. Only a field that is not a whole number
// is refused here (VALIDATION_ERROR, answered before the ban); the ranges
// are the placement service's to check. A number too large to hold is
// passed on as one outside the canvas.
func parsePlaceForm(f placeFields) (a placing.Attempt, err error) {
	num := func(v, what string) (int, error) {
		n, err := strconv.Atoi(v)
		if errors.Is(err, strconv.ErrRange) {
			if n < 0 {
				return -1, nil
			}
			return math.MaxInt, nil
		}
		if err != nil {
			return 0, place.Errorf(place.EVALIDATION, "%s must be a whole number.", what)
		}
		return n, nil
	}
	if a.X, err = num(f.x, "x"); err != nil {
		return
	}
	if a.Y, err = num(f.y, "y"); err != nil {
		return
	}
	a.Color, err = num(f.color, "The color")
	return
}

// placeByForm serves POST /place, the "place by coordinates" form without
// JavaScript (docs/protocol.md, "HTTP"). A visitor without a session gets a
// guest one, as a WebSocket would give them. Placed: 303 to the canvas
// page, which shows the outcome. Refused: a page with the reason, the
// seconds to wait if any, and the form again.
func (s *playPages) placeByForm(c echo.Context) error {
	ctx := s.ctx(c)
	f := placeFields{x: formValue(c, "x"), y: formValue(c, "y"), color: formValue(c, "color")}
	a, err := parsePlaceForm(f)
	if err != nil {
		return s.placeFailed(c, f, err)
	}
	// The session's user is looked up banned or not, rather than the
	// session that outlived the ban becoming a fresh guest that places
	// anyway.
	u, ok, err := s.sessionUser(ctx)
	if err != nil {
		return s.placeFailed(c, f, err)
	}
	if ok {
		s.touchSession(ctx)
	} else {
		// A guest is made only for an attempt the rules let through, so
		// that none is wasted on a typo.
		if err := s.placements.Check(ctx, a); err != nil {
			return s.placeFailed(c, f, err)
		}
		if u, err = s.guests.newGuestSession(ctx, c); err != nil {
			return s.placeFailed(c, f, err)
		}
	}
	a.UserID, a.Device, a.IP, a.At = u.ID, s.devices.deviceFor(c), s.clientIP(c.Request()), s.now()
	_, clock, err := s.placements.Place(ctx, a)
	if err != nil {
		if place.ErrorCode(err) == place.EBANNED {
			_ = s.sessions.Destroy(ctx) // the ban meant the session to end
		}
		return s.placeFailed(c, f, err)
	}
	s.sessions.Put(ctx, keyPlaceFlash, placedMessage(place.ColorName(a.Color), a.X, a.Y, s.placements.ChargesAt(clock, a.At).NextPlacement.Sub(a.At)))
	s.sessions.Put(ctx, keyFormColor, a.Color)
	return c.Redirect(http.StatusSeeOther, "/?placed="+itoa(a.X)+","+itoa(a.Y)+"#flash")
}

// formMessage words the range errors for the form's page, which names the
// fields as the form does.
func (s *playPages) formMessage(err error) error {
	switch place.ErrorCode(err) {
	case place.EINVALIDCOORDS:
		return place.Errorf(place.EINVALIDCOORDS, "x must be from 0 to %d and y from 0 to %d.", s.canvasCfg().Width-1, s.canvasCfg().Height-1)
	case place.EINVALIDCOLOR:
		return place.Errorf(place.EINVALIDCOLOR, "Choose one of the %d colors of the palette.", place.ColorCount)
	}
	return err
}

// placedMessage is the sentence the JavaScript client also announces
// (messages.js placedMessage), so both paths read the same.
func placedMessage(colorName string, x, y int, wait time.Duration) string {
	secs := int((wait + time.Second - 1) / time.Second)
	next := "You can place again now."
	switch {
	case secs == 1:
		next = "Next pixel in 1 second."
	case secs > 1:
		next = "Next pixel in " + itoa(secs) + " seconds."
	}
	return "Placed " + colorName + " at " + itoa(x) + ", " + itoa(y) + ". " + next
}

// placeFailed renders the refusal page with the status of err's code.
func (s *playPages) placeFailed(c echo.Context, f placeFields, err error) error {
	if place.ErrorCode(err) == place.EINTERNAL {
		s.log.Error("placement by form failed", "err", err)
	}
	status, body := toAPIError(s.formMessage(err))
	if body.RemainingSeconds > 0 {
		c.Response().Header().Set("Retry-After", itoa(body.RemainingSeconds))
	}
	page := s.pageData(c, "")
	page.FormX, page.FormY = shorten(f.x), shorten(f.y)
	page.FormColor, _ = strconv.Atoi(f.color)
	d := views.PlaceFailedData{Page: page, Status: status, Code: string(body.Code), Message: body.Message}
	if body.Code == place.ERATELIMITED {
		d.RemainingSeconds = body.RemainingSeconds
	}
	return render(c, status, views.PlaceFailedPage(d))
}

// placedParam reads ?placed=x,y, the pixel a no-JS placement just placed,
// to pre-fill the form for the next one; anything else is ignored.
func (s *playPages) placedParam(c echo.Context) (string, string, bool) {
	xs, ys, ok := strings.Cut(c.QueryParam("placed"), ",")
	if !ok {
		return "", "", false
	}
	x, errX := strconv.Atoi(xs)
	y, errY := strconv.Atoi(ys)
	if errX != nil || errY != nil || s.canvasCfg().CheckPixel(x, y, 0) != nil {
		return "", "", false
	}
	return itoa(x), itoa(y), true
}
