package migrations

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"testing/fstest"
)

// fakeDB records what the runner does.
type fakeDB struct {
	recorded []string
	ran      []string
	failOn   string
}

func (f *fakeDB) Exec(context.Context, string, ...any) error { return nil }
func (f *fakeDB) Strings(context.Context, string) ([]string, error) {
	return append([]string(nil), f.recorded...), nil
}
func (f *fakeDB) Begin(context.Context) (Tx, error) { return &fakeTx{db: f}, nil }

type fakeTx struct {
	db      *fakeDB
	ran     []string
	records []string
}

func (t *fakeTx) Exec(_ context.Context, q string, args ...any) error {
	if t.db.failOn != "" && q == t.db.failOn {
		return errors.New("syntax error")
	}
	if len(args) == 1 {
		t.records = append(t.records, args[0].(string))
	} else {
		t.ran = append(t.ran, q)
	}
	return nil
}
func (t *fakeTx) Commit(context.Context) error {
	t.db.ran = append(t.db.ran, t.ran...)
	t.db.recorded = append(t.db.recorded, t.records...)
	return nil
}
func (t *fakeTx) Rollback(context.Context) error { return nil }

var files = fstest.MapFS{
	"db/001_init.sql":    {Data: []byte("one")},
	"db/002_users.sql":   {Data: []byte("two")},
	"db/010_later.sql":   {Data: []byte("ten")},
	"db/003_areas.sql":   {Data: []byte("three")},
	"db/README.md":       {Data: []byte("not a migration")},
	"other/001_init.sql": {Data: []byte("elsewhere")},
}

func TestLoadOrdersByNumber(t *testing.T) {
	ms, err := Load(files, "db")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, m := range ms {
		got = append(got, m.Version)
	}
	if !reflect.DeepEqual(got, []int{1, 2, 3, 10}) {
		t.Fatalf("versions %v", got)
	}
}

func TestLoadRefusesSharedNumbersAndUnnumberedFiles(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"shared":     {"db/002_a.sql": {}, "db/002_b.sql": {}},
		"unnumbered": {"db/init.sql": {}},
	} {
		if _, err := Load(fsys, "db"); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// Versions missing below the highest applied one are applied too: files
// from branches that land in another order than they were numbered.
func TestRunAppliesEveryMissingVersion(t *testing.T) {
	ms, _ := Load(files, "db")
	db := &fakeDB{recorded: []string{"001_init", "10"}} // an older name-keyed row, a number
	if err := Run(context.Background(), db, Dialect{}, ms); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(db.ran, []string{"two", "three"}) {
		t.Fatalf("ran %v, want two and three", db.ran)
	}
	if !reflect.DeepEqual(db.recorded, []string{"001_init", "10", "2", "3"}) {
		t.Fatalf("recorded %v", db.recorded)
	}
	// A second run has nothing to do.
	db.ran = nil
	if err := Run(context.Background(), db, Dialect{}, ms); err != nil || len(db.ran) != 0 {
		t.Fatalf("second run: %v, ran %v", err, db.ran)
	}
}

func TestRunStopsAtAFailingMigration(t *testing.T) {
	ms, _ := Load(files, "db")
	db := &fakeDB{failOn: "two"}
	if err := Run(context.Background(), db, Dialect{}, ms); err == nil {
		t.Fatal("no error")
	}
	if !reflect.DeepEqual(db.recorded, []string{"1"}) {
		t.Fatalf("recorded %v, want only 1", db.recorded)
	}
}
