package views

import (
	"strconv"
	"time"
)

// TimelapseData is the /timelapse page: one frame of the history with the
// ways to move through it, the summary and the downloads.
type TimelapseData struct {
	User  *UserInfo
	Empty bool // nothing placed yet

	Seq               uint64    // the frame shown: the canvas right after placement Seq
	At                time.Time // when placement Seq was made
	FirstSeq, LastSeq uint64
	FirstAt, LastAt   time.Time
	Width, Height     int
	ImageURL          string
	ImageW, ImageH    int

	// Links to the frames around this one ("" at either end).
	PrevPlacement, NextPlacement, PrevStep, NextStep string
	StepLabel                                        string

	Summary TimelapseSummary
	// Downloads; CSVURL is "" when the export is not open to this visitor.
	GIFURL, FinalPNGURL, CSVURL string
}

// TimelapseSummary is the text summary of the whole history.
type TimelapseSummary struct {
	Placements    uint64
	Players       int
	BusiestMinute time.Time
	BusiestCount  uint32
	MostX, MostY  int
	MostCount     uint32
	UpToSeq       uint64 // the summary covers placements up to this seq
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func minute(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// timesWord says how many times a pixel was placed: "once", "7 times".
func timesWord(n uint32) string {
	if n == 1 {
		return "once"
	}
	return strconv.FormatUint(uint64(n), 10) + " times"
}
