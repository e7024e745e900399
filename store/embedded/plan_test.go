package embedded

import (
	"context"
	"strings"
	"testing"

	"github.com/placecanvas/place"
)

// TestHistoryQueriesKeepTheirPlans checks with EXPLAIN QUERY PLAN that the
// history, rollback and replay queries search an index (never a scan of
// the placements table, nor a sort for their ORDER BY) after the narrow indexes
// of migration 006: each index ends with the rowid, which is seq.
func TestHistoryQueriesKeepTheirPlans(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir(), Config: place.Config{Width: 10, Height: 10}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cases := []struct {
		name, query string
		args        []any
		want        []string
	}{
		{"pixel history", historySelect + `WHERE p.x = ? AND p.y = ? AND p.seq < ? ORDER BY p.seq DESC LIMIT ?`, []any{1, 2, 100, 10},
			[]string{"SEARCH p USING INDEX placements_pixel (x=? AND y=? AND rowid<?)"}},
		{"user placements", historySelect + `WHERE p.user_id = ? AND p.seq < ? ORDER BY p.seq DESC LIMIT ?`, []any{"u", 100, 10},
			[]string{"SEARCH p USING INDEX placements_user (user_id=? AND rowid<?)"}},
		{"recent placements", historySelect + `WHERE p.seq < ? ORDER BY p.seq DESC LIMIT ?`, []any{100, 10},
			[]string{"SEARCH p USING INTEGER PRIMARY KEY (rowid<?)"}},
		{"rollback candidates", `SELECT DISTINCT x, y FROM placements WHERE user_id = ? AND placed_at >= ? AND rollback = 0`, []any{"u", 0},
			[]string{"SEARCH placements USING INDEX placements_user (user_id=?)"}},
		{"latest per pixel", `SELECT q.color FROM placements q WHERE q.x = ? AND q.y = ? ORDER BY q.seq DESC LIMIT 1`, []any{1, 2},
			[]string{"SEARCH q USING INDEX placements_pixel (x=? AND y=?)"}},
		{"replay after a snapshot", `SELECT seq, x, y, color FROM placements WHERE seq > ? ORDER BY seq`, []any{100},
			[]string{"SEARCH placements USING INTEGER PRIMARY KEY (rowid>?)"}},
		{"cooldowns at start", cooldownsQuery, []any{0},
			[]string{"SEARCH placements USING INDEX placements_time (placed_at>?)"}},
		{"browsers' cooldowns at start", deviceCooldownsQuery, []any{0},
			[]string{"SEARCH p USING INDEX placements_time (placed_at>?)", "SEARCH d USING"}},
	}
	for _, c := range cases {
		rows, err := s.rdb.Query(`EXPLAIN QUERY PLAN `+c.query, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: plan\n%s\nlacks %q", c.name, all, w)
			}
		}
		if strings.Contains(all, "SCAN p\n") || strings.HasSuffix(all, "SCAN p") || strings.Contains(all, "SCAN placements\n") || strings.HasSuffix(all, "SCAN placements") ||
			strings.Contains(all, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("%s: plan reads the whole table or sorts it:\n%s", c.name, all)
		}
	}
}
