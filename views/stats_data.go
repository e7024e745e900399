package views

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/placecanvas/place"
)

// StatsData is the statistics page.
type StatsData struct {
	Stats      place.EventStats
	Chart      Chart
	ComputedAt time.Time
	Took       time.Duration
	// Every is how long the figures are kept before they are computed again.
	Every time.Duration
}

// Chart is the placements-per-minute chart, laid out in the SVG's own
// units (see RateChart).
type Chart struct {
	Empty bool
	// Line is the polyline's points; Area closes it down to the axis.
	Line, Area string
	// BucketMinutes is how many minutes one point stands for (a long event
	// is drawn with at most chartPoints points, each the mean of its minutes).
	BucketMinutes int
	YTicks        []Tick
	XTicks        []Tick
	// Peak is the busiest minute.
	Peak place.MinuteCount
	// Dots mark each point when there are few.
	Dots []Point
}

// Point is a position in chart units.
type Point struct{ X, Y float64 }

// Tick is an axis label at a position in chart units.
type Tick struct {
	Pos   float64
	Label string
}

// The chart's geometry, in SVG units.
const (
	chartW, chartH      = 800, 300
	chartLeft, chartTop = 56, 12
	chartRight          = 16
	chartBottom         = 36
	chartPoints         = 240
	chartDots           = 60
	plotW               = chartW - chartLeft - chartRight
	plotH               = chartH - chartTop - chartBottom
)

// RateChart lays out placements per minute from first to last: every minute
// counts, those without placements as zero.
func RateChart(perMinute []place.MinuteCount, first, last time.Time) Chart {
	if len(perMinute) == 0 {
		return Chart{Empty: true}
	}
	start := first.Truncate(time.Minute)
	minutes := int(last.Truncate(time.Minute).Sub(start)/time.Minute) + 1
	size := (minutes + chartPoints - 1) / chartPoints
	n := (minutes + size - 1) / size
	sums := make([]float64, n)
	var peak place.MinuteCount
	for _, m := range perMinute {
		i := int(m.Minute.Sub(start)/time.Minute) / size
		if i >= 0 && i < n {
			sums[i] += float64(m.Count)
		}
		if m.Count > peak.Count {
			peak = m
		}
	}
	top := 0.0
	for i := range sums {
		sums[i] /= float64(size)
		top = max(top, sums[i])
	}
	top = niceCeil(top)
	c := Chart{BucketMinutes: size, Peak: peak}
	var line strings.Builder
	x := func(i int) float64 {
		if n == 1 {
			return chartLeft + plotW/2
		}
		return chartLeft + float64(i)*plotW/float64(n-1)
	}
	y := func(v float64) float64 { return chartTop + plotH - v/top*plotH }
	for i, v := range sums {
		if i > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(num(x(i)) + "," + num(y(v)))
	}
	c.Line = line.String()
	c.Area = "M" + num(x(0)) + "," + num(y(0)) + " L" + strings.ReplaceAll(c.Line, " ", " L") + " L" + num(x(n-1)) + "," + num(y(0)) + " Z"
	steps := 5 // 1 and 5 times a power of ten split in fifths, 2 in quarters
	if lead := top / math.Pow(10, math.Floor(math.Log10(top))); lead > 1.5 && lead < 2.5 {
		steps = 4
	}
	for i := 0; i <= steps; i++ {
		v := top * float64(i) / float64(steps)
		c.YTicks = append(c.YTicks, Tick{Pos: y(v), Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	if n <= chartDots {
		for i, v := range sums {
			c.Dots = append(c.Dots, Point{X: x(i), Y: y(v)})
		}
	}
	for i := 0; i <= 4 && n > 0; i++ {
		b := (n - 1) * i / 4
		c.XTicks = append(c.XTicks, Tick{Pos: x(b), Label: start.Add(time.Duration(b*size) * time.Minute).UTC().Format("15:04")})
		if n == 1 {
			break
		}
	}
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func i64(n int64) string { return bigNumber(uint64(max(n, 0))) }

// seconds writes a duration in whole seconds.
func seconds(d time.Duration) string { return strconv.Itoa(int(d.Round(time.Second) / time.Second)) }

// bucketWords says what one point of the chart stands for.
func bucketWords(size int) string {
	if size == 1 {
		return "Each point is one minute."
	}
	return "Each point is the mean of " + strconv.Itoa(size) + " minutes."
}
