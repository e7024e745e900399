package embedded_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/store/embedded"
)

func open(t testing.TB, dir string, cfg place.Config, mutate ...func(*embedded.Options)) *embedded.Store {
	t.Helper()
	o := embedded.Options{DataDir: dir, Config: cfg}
	for _, m := range mutate {
		m(&o)
	}
	s, err := embedded.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRestartRebuildsCanvasFromSnapshotAndEvents(t *testing.T) {
	dir := t.TempDir()
	cfg := place.Config{Width: 20, Height: 10, Cooldown: 0}
	ctx := context.Background()
	s := open(t, dir, cfg, func(o *embedded.Options) { o.SnapshotEvery = 7 })
	now := time.Now()
	for i := 0; i < 30; i++ {
		if _, _, err := s.Placer.Place(ctx, place.Player{UserID: fmt.Sprint("u", i%4)}, i%20, i%10, uint8(i%16), now); err != nil {
			t.Fatal(err)
		}
	}
	want, _, seq, _ := s.Feed.Canvas(ctx)
	if seq != 30 {
		t.Fatalf("seq %d", seq)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, cfg)
	defer s.Close()
	got, _, seq2, _ := s.Feed.Canvas(ctx)
	if seq2 != 30 || string(got) != string(want) {
		t.Fatalf("after restart seq %d, canvas equal %v", seq2, string(got) == string(want))
	}
	p, _, err := s.Placer.Place(ctx, place.Player{UserID: "u9"}, 0, 0, 3, now)
	if err != nil || p.Seq != 31 {
		t.Fatalf("next placement seq %d err %v", p.Seq, err)
	}
}

// The configured size is only the first: afterwards the stored size wins,
// grown or not, and a grown canvas comes back with its pixels in place.
func TestStoredSizeWinsOverFlags(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := open(t, dir, place.Config{Width: 20, Height: 10})
	now := time.Now()
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u1"}, 19, 9, 3, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, place.Config{Width: 30, Height: 10})
	if sz, _ := s.Sizes.CanvasSize(ctx); sz != (place.Size{Width: 20, Height: 10}) {
		t.Fatalf("size after a restart with other flags = %v, want the stored 20x10", sz)
	}
	if _, err := s.Sizes.Grow(ctx, place.Size{Width: 25, Height: 12}, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u2"}, 24, 11, 4, now); err != nil {
		t.Fatal(err)
	}
	want, _, _, _ := s.Feed.Canvas(ctx)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, place.Config{Width: 20, Height: 10})
	defer s.Close()
	got, sz, seq, _ := s.Feed.Canvas(ctx)
	if sz != (place.Size{Width: 25, Height: 12}) || seq != 2 || string(got) != string(want) || got[9*25+19] != 3 || got[11*25+24] != 4 {
		t.Errorf("after restarting a grown canvas: size %v seq %d, same canvas %v", sz, seq, string(got) == string(want))
	}
}

func TestCooldownSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := place.Config{Width: 10, Height: 10, Cooldown: time.Minute}
	ctx := context.Background()
	s := open(t, dir, cfg)
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u1"}, 1, 1, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir, cfg)
	defer s.Close()
	_, _, err := s.Placer.Place(ctx, place.Player{UserID: "u1"}, 2, 2, 2, time.Now())
	if place.ErrorCode(err) != place.ERATELIMITED {
		t.Fatalf("err = %v, want RATE_LIMITED after restart", err)
	}
}

// The browser's cooldown survives a restart too: a new guest on the
// browser a guest placed from still waits; another browser does not.
func TestDeviceCooldownSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := place.Config{Width: 10, Height: 10, Cooldown: time.Minute}
	ctx := context.Background()
	s := open(t, dir, cfg)
	now := time.Now()
	if err := s.Devices.NoteDevice(ctx, "guest1", "browser-a", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "guest1", DeviceID: "browser-a"}, 1, 1, 1, now); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir, cfg)
	defer s.Close()
	_, _, err := s.Placer.Place(ctx, place.Player{UserID: "guest2", DeviceID: "browser-a"}, 2, 2, 2, time.Now())
	if place.ErrorCode(err) != place.ERATELIMITED {
		t.Fatalf("a new guest on the same browser after a restart: err = %v, want RATE_LIMITED", err)
	}
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "guest3", DeviceID: "browser-b"}, 3, 3, 3, time.Now()); err != nil {
		t.Fatalf("a guest on another browser: %v", err)
	}
}

// BenchmarkPlace measures the whole placement path of the embedded mode
// (validate, ban and cooldown check, apply, group commit to SQLite) with
// many users placing concurrently.
func BenchmarkPlace(b *testing.B) { benchmarkPlace(b, 0) }

// BenchmarkPlaceInTeams is BenchmarkPlace with every player in one of 8
// teams: each row then has a team_id, and an entry in placements_team.
func BenchmarkPlaceInTeams(b *testing.B) { benchmarkPlace(b, 8) }

func benchmarkPlace(b *testing.B, teams int64) {
	s := open(b, b.TempDir(), place.Config{Width: 500, Height: 500, Cooldown: 5 * time.Second})
	defer s.Close()
	ctx := context.Background()
	var user atomic.Int64
	now := time.Now()
	b.SetParallelism(64) // many users at once, as a busy canvas has
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := user.Add(1)
			var team int64
			if teams > 0 {
				team = 1 + n%teams
			}
			if _, _, err := s.Placer.Place(ctx, place.Player{UserID: fmt.Sprint("user", n), TeamID: team}, int(n%500), int(n/500%500), uint8(n%16), now); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
}

func TestConcurrentPlacementsGapFree(t *testing.T) {
	s := open(t, t.TempDir(), place.Config{Width: 100, Height: 100, Cooldown: time.Hour})
	defer s.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	var ok atomic.Int64
	for u := 0; u < 50; u++ {
		for tab := 0; tab < 3; tab++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := s.Placer.Place(ctx, place.Player{UserID: fmt.Sprint("user", u)}, u, tab, 1, time.Now()); err == nil {
					ok.Add(1)
				} else if place.ErrorCode(err) != place.ERATELIMITED {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	if ok.Load() != 50 {
		t.Fatalf("%d successes, want one per user (50)", ok.Load())
	}
	var seqs []uint64
	s.History.EachPlacement(ctx, func(p place.Placement) error { seqs = append(seqs, p.Seq); return nil })
	for i, q := range seqs {
		if q != uint64(i+1) {
			t.Fatalf("history seq %d at index %d", q, i)
		}
	}
}

// A snapshot taken before a growth (the latest one lost, say) is laid out
// on the grown canvas at start, and the placements after it replay at
// their coordinates.
func TestSnapshotFromBeforeAGrowth(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := place.Config{Width: 16, Height: 8}
	now := time.Now()
	s := open(t, dir, cfg)
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u1"}, 15, 7, 3, now); err != nil {
		t.Fatal(err)
	}
	s.Close() // snapshot at seq 1, 16x8
	s = open(t, dir, cfg)
	if _, err := s.Sizes.Grow(ctx, place.Size{Width: 20, Height: 12}, now, place.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Placer.Place(ctx, place.Player{UserID: "u2"}, 19, 11, 4, now); err != nil {
		t.Fatal(err)
	}
	want, _, _, _ := s.Feed.Canvas(ctx)
	s.Close() // snapshot at seq 2, 20x12
	db, err := sql.Open("sqlite", filepath.Join(dir, "place.db"))
	if err != nil {
		t.Fatal(err)
	}
	var w int
	if err := db.QueryRow(`SELECT width FROM snapshots WHERE seq = 1`).Scan(&w); err != nil || w != 16 {
		t.Fatalf("the snapshot before the growth: width %d, %v", w, err)
	}
	if _, err := db.Exec(`DELETE FROM snapshots WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s = open(t, dir, cfg)
	defer s.Close()
	got, sz, seq, _ := s.Feed.Canvas(ctx)
	if sz != (place.Size{Width: 20, Height: 12}) || seq != 2 || string(got) != string(want) || got[7*20+15] != 3 {
		t.Errorf("from the 16x8 snapshot: size %v seq %d, same canvas %v", sz, seq, string(got) == string(want))
	}
}

// BenchmarkTeamsCounts reads the teams with their counts over 200,000
// placements by players in 8 teams (what GET /api/v1/teams and the canvas
// page read at most every 2 s per instance).
func BenchmarkTeamsCounts(b *testing.B) {
	s := open(b, b.TempDir(), place.Config{Width: 500, Height: 500})
	defer s.Close()
	ctx := context.Background()
	for i := range 8 {
		if _, err := s.Teams.CreateTeam(ctx, fmt.Sprint("team ", i), i); err != nil {
			b.Fatal(err)
		}
	}
	const n = 200_000
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 64 {
				who := place.Player{UserID: fmt.Sprint("user", i%5000), TeamID: int64(1 + i%8)}
				if _, _, err := s.Placer.Place(ctx, who, i%500, i/500%500, uint8(i%16), time.Now()); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ResetTimer()
	for b.Loop() {
		teams, err := s.Teams.Teams(ctx)
		if err != nil || len(teams) != 8 || teams[0].Placements != n/8 {
			b.Fatalf("Teams: %+v %v", teams, err)
		}
	}
}
