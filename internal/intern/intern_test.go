package intern

import (
	"fmt"
	"testing"
)

func TestTableKeepsWhatIsInUse(t *testing.T) {
	var tab Table
	held := map[uint32]string{}
	var ids []uint32
	for i := range 100 {
		s := fmt.Sprintf("s%d", i)
		id := tab.ID(s)
		if again := tab.ID(s); again != id {
			t.Fatalf("%q interned twice: %d and %d", s, id, again)
		}
		ids = append(ids, id)
		held[id] = s
	}
	if tab.Len() != 100 {
		t.Fatalf("Len %d, want 100", tab.Len())
	}
	// Only every tenth is still in use.
	var kept []uint32
	for i, id := range ids {
		if i%10 == 0 {
			kept = append(kept, id)
		}
	}
	want := make([]string, len(kept))
	for i, id := range kept {
		want[i] = held[id]
	}
	tab.Compact(func(renumber func(uint32) uint32) {
		for i := range kept {
			kept[i] = renumber(kept[i])
		}
	})
	if tab.Len() != len(kept) {
		t.Errorf("after Compact Len %d, want %d", tab.Len(), len(kept))
	}
	for i, id := range kept {
		if got := tab.String(id); got != want[i] {
			t.Errorf("index %d after Compact is %q, want %q", id, got, want[i])
		}
		if tab.ID(want[i]) != id {
			t.Errorf("%q has another index after Compact", want[i])
		}
	}
}
