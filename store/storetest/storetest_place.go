package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

func testPlaceAndCooldown(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	now := base()
	data, seq := canvas(t, s)
	if len(data) != cfg.Width*cfg.Height || seq != 0 || bytes.Count(data, []byte{0}) != len(data) {
		t.Fatalf("fresh canvas: %d bytes, seq %d, want %d white bytes at seq 0", len(data), seq, cfg.Width*cfg.Height)
	}

	p, next, err := s.Placer.Place(ctx(t), place.Player{UserID: "u1"}, 3, 2, 5, now)
	if err != nil {
		t.Fatal(err)
	}
	want := place.Placement{Seq: 1, X: 3, Y: 2, Color: 5, UserID: "u1", At: now}
	if p.Seq != want.Seq || p.X != 3 || p.Y != 2 || p.Color != 5 || p.UserID != "u1" || !p.At.Equal(now) || p.Rollback {
		t.Errorf("Place returned %+v, want %+v", p, want)
	}
	if !next.Equal(now.Add(cfg.Cooldown)) {
		t.Errorf("next placement at %v, want %v", next, now.Add(cfg.Cooldown))
	}
	if until, err := s.Placer.CooldownUntil(ctx(t), "u1"); err != nil || !until.Equal(now.Add(cfg.Cooldown)) {
		t.Errorf("CooldownUntil = %v, %v; want %v", until, err, now.Add(cfg.Cooldown))
	}
	if until, err := s.Placer.CooldownUntil(ctx(t), "nobody"); err != nil || !until.IsZero() {
		t.Errorf("CooldownUntil of a user who never placed = %v, %v; want zero", until, err)
	}

	// In cooldown: RATE_LIMITED with the seconds left, and nothing changes.
	_, _, err = s.Placer.Place(ctx(t), place.Player{UserID: "u1"}, 4, 4, 7, now.Add(1500*time.Millisecond))
	wantCode(t, err, place.ERATELIMITED)
	var pe *place.Error
	if errors.As(err, &pe); pe.RemainingSeconds != 4 {
		t.Errorf("RemainingSeconds = %d, want 4 (3.5 s rounded up)", pe.RemainingSeconds)
	}
	data, seq = canvas(t, s)
	if seq != 1 || data[2*cfg.Width+3] != 5 || data[4*cfg.Width+4] != 0 {
		t.Errorf("after a refused placement: seq %d, pixel (3,2)=%d, (4,4)=%d; want seq 1, 5, 0", seq, data[2*cfg.Width+3], data[4*cfg.Width+4])
	}
	if until, _ := s.Placer.CooldownUntil(ctx(t), "u1"); !until.Equal(now.Add(cfg.Cooldown)) {
		t.Errorf("a refused placement moved the cooldown to %v", until)
	}

	// Other users are not affected; the same user may place once it ends.
	if p := mustPlace(t, s, "u2", 3, 2, 9, now.Add(time.Second)); p.Seq != 2 {
		t.Errorf("second placement got seq %d, want 2", p.Seq)
	}
	if p := mustPlace(t, s, "u1", 3, 2, 5, now.Add(cfg.Cooldown)); p.Seq != 3 {
		t.Errorf("placement after the cooldown got seq %d, want 3 (same color is allowed)", p.Seq)
	}
	data, seq = canvas(t, s)
	if seq != 3 || data[2*cfg.Width+3] != 5 {
		t.Errorf("canvas at seq %d has %d at (3,2), want seq 3 and color 5", seq, data[2*cfg.Width+3])
	}
}

func testNoCooldown(t *testing.T, open Opener) {
	cfg := DefaultConfig
	cfg.Cooldown = 0
	s := open(t, cfg)
	now := base()
	for i := range 3 {
		p, next, err := s.Placer.Place(ctx(t), place.Player{UserID: "u1"}, i, 0, 1, now)
		if err != nil {
			t.Fatalf("placement %d without cooldown: %v", i, err)
		}
		if !next.Equal(now) || p.Seq != uint64(i+1) {
			t.Errorf("placement %d: seq %d, next %v; want seq %d, next now", i, p.Seq, next, i+1)
		}
	}
}

func testSetCooldownUntil(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	later := now.Add(time.Minute)
	if err := s.Placer.SetCooldownUntil(ctx(t), "u1", later); err != nil {
		t.Fatal(err)
	}
	if err := s.Placer.SetCooldownUntil(ctx(t), "u1", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if until, err := s.Placer.CooldownUntil(ctx(t), "u1"); err != nil || !until.Equal(later) {
		t.Errorf("CooldownUntil = %v, %v; want the later end %v", until, err, later)
	}
	_, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "u1"}, 0, 0, 1, now.Add(10*time.Second))
	wantCode(t, err, place.ERATELIMITED)
	mustPlace(t, s, "u1", 0, 0, 1, later)
}

func testBan(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	mustPlace(t, s, "bad", 1, 1, 3, now)
	if err := s.Placer.SetBanned(ctx(t), "bad", true); err != nil {
		t.Fatal(err)
	}
	// Banned comes before cooldown: a banned user in cooldown is told BANNED.
	_, _, err := s.Placer.Place(ctx(t), place.Player{UserID: "bad"}, 1, 2, 3, now.Add(time.Second))
	wantCode(t, err, place.EBANNED)
	_, _, err = s.Placer.Place(ctx(t), place.Player{UserID: "bad"}, 1, 2, 3, now.Add(time.Hour))
	wantCode(t, err, place.EBANNED)
	if _, seq := canvas(t, s); seq != 1 {
		t.Errorf("seq %d after refused placements, want 1", seq)
	}
	mustPlace(t, s, "good", 1, 2, 3, now)
	if err := s.Placer.SetBanned(ctx(t), "bad", false); err != nil {
		t.Fatal(err)
	}
	mustPlace(t, s, "bad", 1, 2, 4, now.Add(time.Hour))
}

func testConcurrentSeq(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	const workers, each = 16, 40
	now := base()
	var mu sync.Mutex
	var seqs []uint64
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				user := fmt.Sprintf("w%d-u%d", w, i)
				p, _, err := s.Placer.Place(context.Background(), place.Player{UserID: user}, (w*each+i)%cfg.Width, w%cfg.Height, uint8(i%16), now)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seqs = append(seqs, p.Seq)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent placement: %v", err)
	}
	slices.Sort(seqs)
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Fatalf("seqs are not 1..%d without gaps or repeats: position %d has %d", workers*each, i, seq)
		}
	}
	if _, seq := canvas(t, s); seq != workers*each {
		t.Errorf("canvas seq %d, want %d", seq, workers*each)
	}
}

func testSameUserConcurrent(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	const n = 5
	var wg sync.WaitGroup
	results := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := s.Placer.Place(context.Background(), place.Player{UserID: "same"}, i, i, 2, now)
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	ok, limited := 0, 0
	for err := range results {
		switch place.ErrorCode(err) {
		case "":
			ok++
		case place.ERATELIMITED:
			limited++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || limited != n-1 {
		t.Errorf("%d succeeded and %d were rate limited; want exactly 1 and %d", ok, limited, n-1)
	}
	if _, seq := canvas(t, s); seq != 1 {
		t.Errorf("seq %d, want 1", seq)
	}
}

// placeMany makes n placements by distinct users and returns them.
func placeMany(t *testing.T, s place.Stores, cfg place.Config, n int, now time.Time, rng *rand.Rand) []place.Placement {
	t.Helper()
	out := make([]place.Placement, 0, n)
	for range n {
		user := fmt.Sprintf("u%d", rng.IntN(1<<30))
		out = append(out, mustPlace(t, s, user, rng.IntN(cfg.Width), rng.IntN(cfg.Height), uint8(rng.IntN(16)), now))
	}
	return out
}

func samePlacement(a, b place.Placement) bool {
	return a.Seq == b.Seq && a.X == b.X && a.Y == b.Y && a.Color == b.Color &&
		a.UserID == b.UserID && a.At.Equal(b.At) && a.Rollback == b.Rollback
}
