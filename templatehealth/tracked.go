package templatehealth

import (
	"container/heap"
	"time"

	"github.com/placecanvas/place"
)

// MaxWrong is how many wrong pixels Health lists: the most recently
// changed ones.
const MaxWrong = 100

// historySpan is how far back the health's history goes.
const historySpan = time.Hour

// tracked is one template's state.
type tracked struct {
	meta place.Template
	want []int8 // per template pixel: the palette index, or transparent
	// The latest placement on each template pixel (0: none known).
	seq []uint64
	at  []int64 // unix ms
	by  []uint32
	// Counts hold once active (set when the template's history is in).
	active         bool
	total, correct int
	changed        uint64 // the seq of the last placement on the template
	// history is the correct count at the end of each minute in which it
	// changed, oldest first, with the one before the last hour as base.
	history []Sample
	cache   *Health
	cacheAt time.Time
}

// Sample is a template's correct count at a time.
type Sample struct {
	At      time.Time `json:"at"`
	Correct int       `json:"correct"`
}

func newTracked(meta place.Template, want []int8) *tracked {
	n := len(want)
	return &tracked{meta: meta, want: want, seq: make([]uint64, n), at: make([]int64, n), by: make([]uint32, n)}
}

// index is the template pixel of canvas pixel x, y, or -1 outside.
func (tr *tracked) index(x, y int) int {
	m := tr.meta
	if x < m.X || y < m.Y || x >= m.X+m.Width || y >= m.Y+m.Height {
		return -1
	}
	return (y-m.Y)*m.Width + x - m.X
}

// record notes p as the latest placement of its pixel if it is later than
// the one known.
func (tr *tracked) record(p place.Placement, intern func(string) uint32) int {
	j := tr.index(p.X, p.Y)
	if j < 0 || tr.want[j] == transparent || p.Seq <= tr.seq[j] {
		return -1
	}
	tr.seq[j], tr.at[j], tr.by[j] = p.Seq, p.At.UnixMilli(), intern(p.UserID)
	return j
}

// place applies placement p that painted over color old.
func (tr *tracked) place(p place.Placement, old uint8, intern func(string) uint32, minute time.Time) {
	j := tr.record(p, intern)
	if j < 0 || !tr.active {
		return
	}
	w := uint8(tr.want[j])
	switch {
	case old == w && p.Color != w:
		tr.correct--
	case old != w && p.Color == w:
		tr.correct++
	default:
		tr.changed = p.Seq
		return
	}
	tr.changed = p.Seq
	tr.sample(minute)
}

// sample records the correct count for the minute that starts at minute.
func (tr *tracked) sample(minute time.Time) {
	if n := len(tr.history); n > 0 && tr.history[n-1].At.Equal(minute) {
		tr.history[n-1].Correct = tr.correct
		return
	}
	tr.history = append(tr.history, Sample{At: minute, Correct: tr.correct})
	// Keep one sample from before the last hour: the count it started at.
	cut := minute.Add(-historySpan)
	drop := 0
	for drop+1 < len(tr.history) && !tr.history[drop+1].At.After(cut) {
		drop++
	}
	tr.history = tr.history[drop:]
}

// activate counts the template on canvas (width columns).
func (tr *tracked) activate(canvas []byte, width int, now time.Time) {
	tr.total, tr.correct = 0, 0
	m := tr.meta
	for y := range m.Height {
		row := canvas[(m.Y+y)*width+m.X:]
		for x, w := range tr.want[y*m.Width : (y+1)*m.Width] {
			if w == transparent {
				continue
			}
			tr.total++
			if row[x] == uint8(w) {
				tr.correct++
			}
		}
	}
	tr.active = true
	tr.sample(now.Truncate(time.Minute))
}

// Health is what GET /api/v1/templates/{id}/health answers.
type Health struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	X       int    `json:"x"`
	Y       int    `json:"y"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Correct int    `json:"correct"`
	Total   int    `json:"total"`
	// WrongCount is every wrong pixel; Wrong lists the MaxWrong most
	// recently changed ones, most recent first.
	WrongCount int     `json:"wrongCount"`
	Wrong      []Wrong `json:"wrong"`
	// History is the correct count after each minute in which it changed
	// over the last hour, oldest first.
	History []Sample `json:"history"`
	// Seq is the last placement counted.
	Seq uint64 `json:"seq"`
}

// Wrong is a pixel whose color is not the template's.
type Wrong struct {
	X    int   `json:"x"`
	Y    int   `json:"y"`
	Want uint8 `json:"want"`
	Have uint8 `json:"have"`
	// By is the name of who last placed there, when it may be shown
	// (handlers fill it in from UserID); At is when (nil: never placed
	// since the canvas began, or not known).
	By     string     `json:"by"`
	At     *time.Time `json:"at"`
	UserID string     `json:"-"`
	seq    uint64
}

// health computes the health on canvas (width columns).
func (tr *tracked) health(canvas []byte, width int, users []string, seq uint64, now time.Time) Health {
	m := tr.meta
	h := Health{ID: m.ID, Name: m.Name, X: m.X, Y: m.Y, Width: m.Width, Height: m.Height, Correct: tr.correct, Total: tr.total, Seq: seq}
	top := &recent{}
	for y := range m.Height {
		row := canvas[(m.Y+y)*width+m.X:]
		for x, w := range tr.want[y*m.Width : (y+1)*m.Width] {
			if w == transparent || row[x] == uint8(w) {
				continue
			}
			h.WrongCount++
			j := y*m.Width + x
			if top.Len() == MaxWrong && tr.seq[j] <= (*top)[0].seq {
				continue
			}
			wr := Wrong{X: m.X + x, Y: m.Y + y, Want: uint8(w), Have: row[x], seq: tr.seq[j]}
			if tr.seq[j] > 0 {
				at := time.UnixMilli(tr.at[j]).UTC()
				wr.At, wr.UserID = &at, users[tr.by[j]]
			}
			heap.Push(top, wr)
			if top.Len() > MaxWrong {
				heap.Pop(top)
			}
		}
	}
	h.Wrong = make([]Wrong, top.Len())
	for i := len(h.Wrong) - 1; i >= 0; i-- {
		h.Wrong[i] = heap.Pop(top).(Wrong)
	}
	cut := now.Add(-historySpan)
	for i, s := range tr.history {
		if i+1 < len(tr.history) && !tr.history[i+1].At.After(cut) {
			continue
		}
		h.History = append(h.History, s)
	}
	return h
}

// recent is a min-heap of wrong pixels by the seq of their latest placement.
type recent []Wrong

func (r recent) Len() int           { return len(r) }
func (r recent) Less(i, j int) bool { return r[i].seq < r[j].seq }
func (r recent) Swap(i, j int)      { r[i], r[j] = r[j], r[i] }
func (r *recent) Push(x any)        { *r = append(*r, x.(Wrong)) }
func (r *recent) Pop() any {
	old := *r
	x := old[len(old)-1]
	*r = old[:len(old)-1]
	return x
}
