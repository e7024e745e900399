package handlers

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
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

// parsePlaceForm checks the fields in the order of SPEC §3: well-formed
// (VALIDATION_ERROR, answered before the ban), then coordinates in range,
// then color in range.
func (s *Server) parsePlaceForm(f placeFields) (x, y, color int, err error) {
	num := func(v, what string) (int, error) {
		n, err := strconv.Atoi(v)
		if errors.Is(err, strconv.ErrRange) {
			// A whole number, just far out of range: the range check
			// below refuses it with its own code.
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
	if x, err = num(f.x, "x"); err != nil {
		return
	}
	if y, err = num(f.y, "y"); err != nil {
		return
	}
	if color, err = num(f.color, "The color"); err != nil {
		return
	}
	if x < 0 || x >= s.cfg.Width || y < 0 || y >= s.cfg.Height {
		return x, y, color, place.Errorf(place.EINVALIDCOORDS, "x must be from 0 to %d and y from 0 to %d.", s.cfg.Width-1, s.cfg.Height-1)
	}
	if color < 0 || color >= place.ColorCount {
		return x, y, color, place.Errorf(place.EINVALIDCOLOR, "Choose one of the %d colors of the palette.", place.ColorCount)
	}
	return x, y, color, nil
}

// placeByForm serves POST /place, the "place by coordinates" form without
// JavaScript (SPEC §5). A visitor without a session gets a guest one, as a
// WebSocket would give them. Placed: 303 to the canvas page, which shows
// the outcome. Refused: a page with the reason, the seconds to wait if any,
// and the form again.
func (s *Server) placeByForm(c echo.Context) error {
	ctx := s.ctx(c)
	f := placeFields{x: formValue(c, "x"), y: formValue(c, "y"), color: formValue(c, "color")}
	x, y, color, ferr := s.parsePlaceForm(f)

	// SPEC §3 order: a malformed request first, then the ban, then the
	// ranges of the fields.
	if place.ErrorCode(ferr) == place.EVALIDATION {
		return s.placeFailed(c, f, ferr)
	}
	// The session's user is looked up banned or not, rather than the
	// session that outlived the ban becoming a fresh guest that places
	// anyway. The session is ended, as the ban meant it to be.
	u, ok, err := s.sessionUser(ctx)
	if err != nil {
		return s.placeFailed(c, f, err)
	}
	if ok && u.Banned {
		_ = s.sessions.Destroy(ctx)
		return s.placeFailed(c, f, place.Errorf(place.EBANNED, "You are banned from placing pixels."))
	}
	if ferr != nil {
		return s.placeFailed(c, f, ferr)
	}
	if ok {
		s.touchSession(ctx)
	}
	if !ok {
		// The fields are sound, so the guest made here is not wasted on a typo.
		if u, err = s.newGuest(ctx, c.Request()); err != nil {
			return s.placeFailed(c, f, err)
		}
		if err := s.sessions.RenewToken(ctx); err != nil {
			return s.placeFailed(c, f, err)
		}
		if _, _, err := s.bindSession(ctx, u.ID); err != nil {
			return s.placeFailed(c, f, err)
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	now := s.now()
	var next time.Time
	err = s.joinCheck(pctx, u.ID)
	if err == nil {
		_, next, err = s.store.Place(pctx, u.ID, x, y, uint8(color), now)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = place.ErrUnavailable
		}
		metrics.Placements.WithLabelValues(string(place.ErrorCode(err))).Inc()
		return s.placeFailed(c, f, err)
	}
	metrics.Placements.WithLabelValues("ok").Inc()
	s.sessions.Put(ctx, keyPlaceFlash, placedMessage(place.ColorName(color), x, y, next.Sub(now)))
	s.sessions.Put(ctx, keyFormColor, color)
	return c.Redirect(http.StatusSeeOther, "/?placed="+itoa(x)+","+itoa(y)+"#flash")
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
func (s *Server) placeFailed(c echo.Context, f placeFields, err error) error {
	if place.ErrorCode(err) == place.EINTERNAL {
		s.log.Error("placement by form failed", "err", err)
	}
	status, body := toAPIError(err)
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
func (s *Server) placedParam(c echo.Context) (string, string, bool) {
	xs, ys, ok := strings.Cut(c.QueryParam("placed"), ",")
	if !ok {
		return "", "", false
	}
	x, errX := strconv.Atoi(xs)
	y, errY := strconv.Atoi(ys)
	if errX != nil || errY != nil || s.cfg.CheckPixel(x, y, 0) != nil {
		return "", "", false
	}
	return itoa(x), itoa(y), true
}
