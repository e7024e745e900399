package views

import (
	"strconv"
	"time"
)

// ScreenData is everything the projector screen (/screen) needs.
type ScreenData struct {
	Width, Height int
	// Tour turns on the slow tour that zooms to where people are placing;
	// TourSeconds is how long the whole canvas shows between two zooms.
	Tour        bool
	TourSeconds int
	Counters    ScreenCounters
	Join        JoinInfo
}

// ScreenCounters are the screen's large live numbers.
type ScreenCounters struct {
	Online    int
	Placed    uint64
	PerMinute int
	// EndsAt is when the canvas closes; zero when it has no end.
	EndsAt time.Time
	Now    time.Time
}

// JoinInfo is the way in shown beside the canvas: a link and its QR code.
type JoinInfo struct {
	URL string // absolute, what the QR code encodes
	// QR is the URL of the QR code image (it changes with the link).
	QR string
	// Code is the join code, empty when anyone may place.
	Code string
}

// timeLeft writes what remains until end as H:MM:SS or M:SS; "ended"
// once it has passed.
func timeLeft(now, end time.Time) string {
	d := end.Sub(now)
	if d <= 0 {
		return "ended"
	}
	secs := int64((d + time.Second - 1) / time.Second)
	h, m, s := secs/3600, secs/60%60, secs%60
	two := func(n int64) string {
		if n < 10 {
			return "0" + strconv.FormatInt(n, 10)
		}
		return strconv.FormatInt(n, 10)
	}
	if h > 0 {
		return strconv.FormatInt(h, 10) + ":" + two(m) + ":" + two(s)
	}
	return strconv.FormatInt(m, 10) + ":" + two(s)
}

// bigNumber groups the digits of n by thousands with thin spaces, so it can
// be read from the back of a room.
func bigNumber(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, "\u2009"...)
		}
		out = append(out, s[i])
	}
	return string(out)
}
