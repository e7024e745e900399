package templatehealth

import (
	"context"
	"slices"
	"time"
)

// reuseFor is how long one computation of a template's wrong pixels is
// served while placements keep changing it: the list is read from the
// whole template, so many viewers of a busy one cost one read per period.
const reuseFor = 250 * time.Millisecond

// Health returns the health of template id, computed afresh when it changed
// and the last computation is older than maxAge. found is false for a
// template the tracker does not follow (yet: see Lookup).
func (t *Tracker) Health(id int64, maxAge time.Duration) (h Health, found bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.loaded {
		return h, false, ErrNotReady
	}
	tr := t.tpls[id]
	if tr == nil || !tr.active {
		return h, false, nil
	}
	now := t.now()
	if c := tr.cache; c != nil && (c.Seq >= tr.changed || now.Sub(tr.cacheAt) < maxAge) && !tr.historyStale(now) {
		return copyHealth(*c), true, nil
	}
	fresh := tr.health(t.canvas, t.size.Width, t.users, t.seq, now)
	tr.cache, tr.cacheAt = &fresh, now
	return copyHealth(fresh), true, nil
}

// historyStale reports whether the cached history holds a sample that has
// left the last hour.
func (tr *tracked) historyStale(now time.Time) bool {
	h := tr.cache.History
	return len(h) > 1 && !h[1].At.After(now.Add(-historySpan))
}

func copyHealth(h Health) Health {
	h.Wrong, h.History = slices.Clone(h.Wrong), slices.Clone(h.History)
	return h
}

// Lookup is Health for a request: a template the tracker does not know
// yet (added through another instance a moment ago) is looked up in the
// store first, and found is false only when there is no such template.
func (t *Tracker) Lookup(ctx context.Context, id int64) (Health, bool, error) {
	h, found, err := t.Health(id, reuseFor)
	if found || err != nil || !t.syncDue() {
		return h, found, err
	}
	if err := t.Sync(ctx); err != nil {
		return h, false, err
	}
	return t.Health(id, reuseFor)
}

// lookupSyncEvery bounds how often requests for unknown templates read the
// list of templates from the store.
const lookupSyncEvery = time.Second

// syncDue reports whether a request may read the list again, and if so
// counts it as read now.
func (t *Tracker) syncDue() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if now.Sub(t.lookedUp) < lookupSyncEvery {
		return false
	}
	t.lookedUp = now
	return true
}

// Summary is a template's figures without its wrong pixels.
type Summary struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	X       int    `json:"x"`
	Y       int    `json:"y"`
	Correct int    `json:"correct"`
	Total   int    `json:"total"`
}

// Summaries lists the followed templates' counts, oldest template first.
func (t *Tracker) Summaries() []Summary {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Summary, 0, len(t.tpls))
	for _, tr := range t.tpls {
		if tr.active {
			m := tr.meta
			out = append(out, Summary{ID: m.ID, Name: m.Name, X: m.X, Y: m.Y, Correct: tr.correct, Total: tr.total})
		}
	}
	slices.SortFunc(out, func(a, b Summary) int { return int(a.ID - b.ID) })
	return out
}

// Percent is the share of a template's pixels that are right, in whole
// percent rounded down (100 only when every pixel is right; an empty
// template is whole).
func Percent(correct, total int) int {
	if total == 0 {
		return 100
	}
	return correct * 100 / total
}
