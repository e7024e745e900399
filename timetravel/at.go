package timetravel

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/placecanvas/place"
)

// Moment is a resolved at= value: the canvas right after placement Seq.
// Final is true when no placement still to be stored can change it, so
// that its frame may be cached forever.
type Moment struct {
	Seq   uint64
	At    time.Time // the time asked for; zero when a seq was given
	Final bool
}

// ParseAt resolves at= (a seq number, or an RFC 3339 time) against the
// stored history. Values that cannot be parsed, that lie in the future or
// before the first placement are EVALIDATION errors that say which.
func ParseAt(ctx context.Context, a place.Archive, raw string, now time.Time) (Moment, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Moment{}, place.Errorf(place.EVALIDATION, "at must be a placement number (seq) or an RFC 3339 time such as 2026-01-02T15:04:05Z.")
	}
	var m Moment
	isSeq := strings.Trim(raw, "0123456789") == ""
	if isSeq {
		seq, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return m, place.Errorf(place.EVALIDATION, "at=%s is not a placement number this canvas can have.", raw)
		}
		m.Seq = seq
	} else {
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return m, place.Errorf(place.EVALIDATION, "at=%q is neither a placement number (seq) nor an RFC 3339 time such as 2026-01-02T15:04:05Z.", raw)
		}
		if t.After(now) {
			return m, place.Errorf(place.EVALIDATION, "at=%s is in the future.", raw)
		}
		m.At = t
	}
	span, err := a.HistorySpan(ctx)
	if place.ErrorCode(err) == place.ENOTFOUND {
		return m, place.Errorf(place.EVALIDATION, "at=%s is before the first placement: nothing has been placed yet.", raw)
	}
	if err != nil {
		return m, err
	}
	if isSeq {
		switch {
		case m.Seq < span.FirstSeq:
			return m, place.Errorf(place.EVALIDATION, "at=%d is before the first placement (seq %d).", m.Seq, span.FirstSeq)
		case m.Seq > span.LastSeq:
			return m, place.Errorf(place.EVALIDATION, "at=%d is in the future: history ends at seq %d.", m.Seq, span.LastSeq)
		}
		m.Final = true
		return m, nil
	}
	if m.At.Before(span.FirstAt) {
		return m, place.Errorf(place.EVALIDATION, "at=%s is before the first placement (%s).", raw, span.FirstAt.Format(time.RFC3339Nano))
	}
	if m.Seq, err = a.SeqAt(ctx, m.At); err != nil {
		return m, err
	}
	if m.Seq < span.FirstSeq {
		m.Seq = span.FirstSeq
	}
	m.Final = m.At.Before(span.LastAt)
	return m, nil
}
