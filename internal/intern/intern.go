// Package intern keeps strings in a table and gives each a small index, so
// that a large record of them (the embedded feed's ring, the fair-play
// record of the last hour) can hold indexes instead of strings and contain
// no pointers: the collector then never scans it, however large it is.
package intern

// Table maps strings to indexes and back. The zero value is empty and
// ready. It only grows; Compact rebuilds it from what is still in use.
// Not safe for concurrent use.
type Table struct {
	strs []string
	idx  map[string]uint32
}

// ID returns the index of s, adding s when new.
func (t *Table) ID(s string) uint32 {
	if i, ok := t.idx[s]; ok {
		return i
	}
	if t.idx == nil {
		t.idx = make(map[string]uint32)
	}
	i := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.idx[s] = i
	return i
}

// String returns the string of index i.
func (t *Table) String(i uint32) string { return t.strs[i] }

// Len is how many strings the table holds.
func (t *Table) Len() int { return len(t.strs) }

// Compact empties the table, then calls each with a function that the
// caller applies to every index it still holds: that function re-adds the
// index's string and returns its new index.
func (t *Table) Compact(each func(renumber func(uint32) uint32)) {
	old := t.strs
	t.strs, t.idx = nil, make(map[string]uint32, len(t.idx)/2)
	each(func(i uint32) uint32 { return t.ID(old[i]) })
}
