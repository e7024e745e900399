// Package storetest is the contract test suite that every place.Store
// passes: the embedded store and the cluster store run the same tests.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placecanvas/place"
)

// Flusher is implemented by stores whose history lags acknowledged
// placements (the cluster store writes history from a stream). Flush
// returns once every placement acknowledged so far is readable through
// place.History. The suite calls it before reading history.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Opener returns a new, empty store with the given canvas rules; the store
// must be closed by the opener's cleanup, if at all.
type Opener func(t *testing.T, cfg place.Config) place.Store

// DefaultConfig is the configuration most tests use.
var DefaultConfig = place.Config{Width: 64, Height: 48, Cooldown: 5 * time.Second}

// Run runs the whole contract against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"PlaceAndCooldown", testPlaceAndCooldown},
		{"NoCooldown", testNoCooldown},
		{"CooldownCarriesOver", testSetCooldownUntil},
		{"Ban", testBan},
		{"SeqGapFreeUnderConcurrency", testConcurrentSeq},
		{"OneOfConcurrentPlacementsBySameUser", testSameUserConcurrent},
		{"Follow", testFollow},
		{"Since", testSince},
		{"CanvasEqualsReplay", testCanvasEqualsReplay},
		{"PixelHistory", testPixelHistory},
		{"RecentAndUserPlacements", testRecentAndUserPlacements},
		{"RollbackPlan", testRollbackPlan},
		{"PlaceRollback", testPlaceRollback},
		{"Users", testUsers},
		{"SearchUsers", testSearchUsers},
		{"AuditLog", testAuditLog},
		{"SessionIndex", testSessionIndex},
		{"Kicks", testKicks},
		{"Notices", testNotices},
		{"Counters", testCounters},
		{"Sessions", testSessions},
		{"Ready", testReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// ctx returns a context bounded so that a hung store fails the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// flush makes acknowledged placements visible to history reads.
func flush(t *testing.T, s place.Store) {
	t.Helper()
	if f, ok := s.(Flusher); ok {
		if err := f.Flush(ctx(t)); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
}

// base is a fixed, millisecond-precise starting time near now, so that
// cooldown keys with real expiry and recorded times both behave.
func base() time.Time { return time.Now().Truncate(time.Millisecond) }

func mustPlace(t *testing.T, s place.Store, user string, x, y int, color uint8, now time.Time) place.Placement {
	t.Helper()
	p, _, err := s.Place(ctx(t), user, x, y, color, now)
	if err != nil {
		t.Fatalf("Place(%s, %d, %d, %d): %v", user, x, y, color, err)
	}
	return p
}

func wantCode(t *testing.T, err error, code place.Code) {
	t.Helper()
	if got := place.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func canvas(t *testing.T, s place.Store) ([]byte, uint64) {
	t.Helper()
	data, seq, err := s.Canvas(ctx(t))
	if err != nil {
		t.Fatalf("Canvas: %v", err)
	}
	return data, seq
}

// newUser creates a registered user, so that history has a name to show.
func newUser(t *testing.T, s place.Store, name string) place.User {
	t.Helper()
	u, err := s.CreateAccount(ctx(t), name, []byte("hash-"+name), base())
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	return u
}

func testPlaceAndCooldown(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	now := base()
	data, seq := canvas(t, s)
	if len(data) != cfg.Width*cfg.Height || seq != 0 || bytes.Count(data, []byte{0}) != len(data) {
		t.Fatalf("fresh canvas: %d bytes, seq %d, want %d white bytes at seq 0", len(data), seq, cfg.Width*cfg.Height)
	}

	p, next, err := s.Place(ctx(t), "u1", 3, 2, 5, now)
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
	if until, err := s.CooldownUntil(ctx(t), "u1"); err != nil || !until.Equal(now.Add(cfg.Cooldown)) {
		t.Errorf("CooldownUntil = %v, %v; want %v", until, err, now.Add(cfg.Cooldown))
	}
	if until, err := s.CooldownUntil(ctx(t), "nobody"); err != nil || !until.IsZero() {
		t.Errorf("CooldownUntil of a user who never placed = %v, %v; want zero", until, err)
	}

	// In cooldown: RATE_LIMITED with the seconds left, and nothing changes.
	_, _, err = s.Place(ctx(t), "u1", 4, 4, 7, now.Add(1500*time.Millisecond))
	wantCode(t, err, place.ERATELIMITED)
	var pe *place.Error
	if errors.As(err, &pe); pe.RemainingSeconds != 4 {
		t.Errorf("RemainingSeconds = %d, want 4 (3.5 s rounded up)", pe.RemainingSeconds)
	}
	data, seq = canvas(t, s)
	if seq != 1 || data[2*cfg.Width+3] != 5 || data[4*cfg.Width+4] != 0 {
		t.Errorf("after a refused placement: seq %d, pixel (3,2)=%d, (4,4)=%d; want seq 1, 5, 0", seq, data[2*cfg.Width+3], data[4*cfg.Width+4])
	}
	if until, _ := s.CooldownUntil(ctx(t), "u1"); !until.Equal(now.Add(cfg.Cooldown)) {
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
		p, next, err := s.Place(ctx(t), "u1", i, 0, 1, now)
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
	if err := s.SetCooldownUntil(ctx(t), "u1", later); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCooldownUntil(ctx(t), "u1", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if until, err := s.CooldownUntil(ctx(t), "u1"); err != nil || !until.Equal(later) {
		t.Errorf("CooldownUntil = %v, %v; want the later end %v", until, err, later)
	}
	_, _, err := s.Place(ctx(t), "u1", 0, 0, 1, now.Add(10*time.Second))
	wantCode(t, err, place.ERATELIMITED)
	mustPlace(t, s, "u1", 0, 0, 1, later)
}

func testBan(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	mustPlace(t, s, "bad", 1, 1, 3, now)
	if err := s.SetBanned(ctx(t), "bad", true); err != nil {
		t.Fatal(err)
	}
	// Banned comes before cooldown: a banned user in cooldown is told BANNED.
	_, _, err := s.Place(ctx(t), "bad", 1, 2, 3, now.Add(time.Second))
	wantCode(t, err, place.EBANNED)
	_, _, err = s.Place(ctx(t), "bad", 1, 2, 3, now.Add(time.Hour))
	wantCode(t, err, place.EBANNED)
	if _, seq := canvas(t, s); seq != 1 {
		t.Errorf("seq %d after refused placements, want 1", seq)
	}
	mustPlace(t, s, "good", 1, 2, 3, now)
	if err := s.SetBanned(ctx(t), "bad", false); err != nil {
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
				p, _, err := s.Place(context.Background(), user, (w*each+i)%cfg.Width, w%cfg.Height, uint8(i%16), now)
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
			_, _, err := s.Place(context.Background(), "same", i, i, 2, now)
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
func placeMany(t *testing.T, s place.Store, cfg place.Config, n int, now time.Time, rng *rand.Rand) []place.Placement {
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

func testFollow(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	now := base()
	placed := placeMany(t, s, cfg, 10, now, rng)

	fctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan place.Placement, 100)
	done := make(chan error, 1)
	go func() {
		done <- s.Follow(fctx, 3, func(ps []place.Placement) {
			for _, p := range ps {
				got <- p
			}
		})
	}()
	// Some placements land after Follow started.
	time.Sleep(50 * time.Millisecond)
	placed = append(placed, placeMany(t, s, cfg, 10, now, rng)...)
	rb, err := s.PlaceRollback(ctx(t), "mod", []place.Pixel{{X: 1, Y: 1, Color: 0}}, now)
	if err != nil {
		t.Fatal(err)
	}
	placed = append(placed, rb...)

	timeout := time.After(10 * time.Second)
	for _, want := range placed[3:] {
		select {
		case p := <-got:
			if !samePlacement(p, want) {
				t.Fatalf("Follow delivered %+v, want %+v", p, want)
			}
		case <-timeout:
			t.Fatalf("Follow did not deliver seq %d", want.Seq)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Follow returned %v after its context ended", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Follow did not return after its context ended")
	}
	select {
	case p := <-got:
		t.Errorf("Follow delivered an extra placement %+v", p)
	default:
	}
}

func testSince(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	placed := placeMany(t, s, cfg, 12, base(), rand.New(rand.NewPCG(3, 4)))
	for _, tc := range []struct {
		after uint64
		max   int
		want  []place.Placement
	}{
		{0, 100, placed},
		{5, 3, placed[5:8]},
		{11, 10, placed[11:]},
		{12, 10, nil},
		{40, 10, nil},
		{0, 0, nil},
	} {
		got, err := s.Since(ctx(t), tc.after, tc.max)
		if err != nil {
			t.Fatalf("Since(%d, %d): %v", tc.after, tc.max, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("Since(%d, %d) returned %d placements, want %d", tc.after, tc.max, len(got), len(tc.want))
		}
		for i := range got {
			if !samePlacement(got[i], tc.want[i]) {
				t.Errorf("Since(%d, %d)[%d] = %+v, want %+v", tc.after, tc.max, i, got[i], tc.want[i])
			}
		}
	}
}

// Replay rebuilds a canvas from a store's history and checks that seqs
// run 1, 2, 3, … without gaps. It returns the canvas and the last seq.
func Replay(t testing.TB, s place.Store, cfg place.Config) ([]byte, uint64) {
	t.Helper()
	data := make([]byte, cfg.Width*cfg.Height)
	var last uint64
	err := s.EachPlacement(context.Background(), func(p place.Placement) error {
		if p.Seq != last+1 {
			return fmt.Errorf("history jumps from seq %d to %d", last, p.Seq)
		}
		last = p.Seq
		data[p.Y*cfg.Width+p.X] = p.Color
		return nil
	})
	if err != nil {
		t.Fatalf("EachPlacement: %v", err)
	}
	return data, last
}

func testCanvasEqualsReplay(t *testing.T, open Opener) {
	cfg := place.Config{Width: 16, Height: 8, Cooldown: time.Second}
	s := open(t, cfg)
	rng := rand.New(rand.NewPCG(5, 6))
	now := base()
	placeMany(t, s, cfg, 300, now, rng)
	if _, err := s.PlaceRollback(ctx(t), "mod", []place.Pixel{{X: 0, Y: 0, Color: 15}, {X: 15, Y: 7, Color: 14}}, now); err != nil {
		t.Fatal(err)
	}
	placeMany(t, s, cfg, 20, now, rng)
	flush(t, s)
	live, seq := canvas(t, s)
	replayed, last := Replay(t, s, cfg)
	if seq != 322 || last != seq {
		t.Errorf("canvas seq %d, history up to %d; want both 322", seq, last)
	}
	if !bytes.Equal(live, replayed) {
		t.Error("the canvas differs from the replay of history")
	}
}

func testPixelHistory(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "Bob")
	now := base()
	mustPlace(t, s, alice.ID, 7, 7, 1, now)
	mustPlace(t, s, bob.ID, 7, 7, 2, now.Add(time.Second))
	mustPlace(t, s, alice.ID, 8, 7, 3, now.Add(5*time.Second))
	mustPlace(t, s, alice.ID, 7, 7, 4, now.Add(10*time.Second))
	flush(t, s)

	h, err := s.PixelHistory(ctx(t), 7, 7, 10)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		seq   uint64
		name  string
		color uint8
		at    time.Time
	}
	var got []row
	for _, e := range h {
		got = append(got, row{e.Seq, e.Username, e.Color, e.At})
	}
	want := []row{{4, "alice", 4, now.Add(10 * time.Second)}, {2, "Bob", 2, now.Add(time.Second)}, {1, "alice", 1, now}}
	if len(got) != len(want) {
		t.Fatalf("PixelHistory = %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i].seq != want[i].seq || got[i].name != want[i].name || got[i].color != want[i].color || !got[i].at.Equal(want[i].at) {
			t.Errorf("PixelHistory[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if h[0].UserID != alice.ID || h[0].X != 7 || h[0].Y != 7 {
		t.Errorf("PixelHistory[0] = %+v", h[0])
	}
	if h, err := s.PixelHistory(ctx(t), 7, 7, 1); err != nil || len(h) != 1 || h[0].Seq != 4 {
		t.Errorf("PixelHistory with limit 1 = %+v, %v", h, err)
	}
	if h, err := s.PixelHistory(ctx(t), 0, 0, 10); err != nil || len(h) != 0 {
		t.Errorf("PixelHistory of an untouched pixel = %+v, %v", h, err)
	}
}

func seqsOf(h []place.HistoryEntry) []uint64 {
	var out []uint64
	for _, e := range h {
		out = append(out, e.Seq)
	}
	return out
}

func testRecentAndUserPlacements(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	now := base()
	for i := range 6 {
		u := alice.ID
		if i%2 == 1 {
			u = bob.ID
		}
		mustPlace(t, s, u, i, 0, 1, now.Add(time.Duration(i)*10*time.Second))
	}
	flush(t, s)
	for _, tc := range []struct {
		name string
		get  func() ([]place.HistoryEntry, error)
		want []uint64
	}{
		{"recent", func() ([]place.HistoryEntry, error) { return s.RecentPlacements(ctx(t), 0, 4) }, []uint64{6, 5, 4, 3}},
		{"recent before", func() ([]place.HistoryEntry, error) { return s.RecentPlacements(ctx(t), 3, 10) }, []uint64{2, 1}},
		{"user", func() ([]place.HistoryEntry, error) { return s.UserPlacements(ctx(t), alice.ID, 0, 10) }, []uint64{5, 3, 1}},
		{"user before", func() ([]place.HistoryEntry, error) { return s.UserPlacements(ctx(t), bob.ID, 6, 1) }, []uint64{4}},
	} {
		h, err := tc.get()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(seqsOf(h), tc.want) {
			t.Errorf("%s: seqs %v, want %v", tc.name, seqsOf(h), tc.want)
		}
	}
	h, _ := s.RecentPlacements(ctx(t), 0, 1)
	if len(h) != 1 || h[0].Username != "bob" {
		t.Errorf("RecentPlacements does not name the user: %+v", h)
	}
}

func testRollbackPlan(t *testing.T, open Opener) {
	cfg := DefaultConfig
	cfg.Cooldown = 0
	s := open(t, cfg)
	now := base()
	since := now.Add(time.Minute)
	at := func(d time.Duration) time.Time { return since.Add(d) }

	mustPlace(t, s, "other", 1, 1, 5, now)    // (1,1): other's red, then vandal twice
	mustPlace(t, s, "vandal", 1, 1, 3, at(0)) // at since exactly: counts
	mustPlace(t, s, "vandal", 1, 1, 4, at(time.Second))
	mustPlace(t, s, "vandal", 2, 2, 3, at(time.Second)) // (2,2): only the vandal → white
	mustPlace(t, s, "vandal", 3, 3, 3, at(time.Second)) // (3,3): overwritten later by someone else → untouched
	mustPlace(t, s, "other", 3, 3, 9, at(2*time.Second))
	mustPlace(t, s, "vandal", 4, 4, 7, now) // (4,4): vandal before since → untouched
	mustPlace(t, s, "other", 5, 5, 6, now)  // (5,5): vandal's old pixel, then other, then vandal
	mustPlace(t, s, "vandal", 5, 5, 2, now.Add(time.Second))
	mustPlace(t, s, "other", 5, 5, 8, now.Add(2*time.Second))
	mustPlace(t, s, "vandal", 5, 5, 3, at(3*time.Second)) // → other's 8
	mustPlace(t, s, "vandal", 6, 6, 1, now)               // (6,6): vandal before since, then after → vandal's own old 1
	mustPlace(t, s, "vandal", 6, 6, 3, at(time.Second))

	// Not flushed on purpose: a rollback right after the vandal's last pixel
	// must see it.
	plan, err := s.RollbackPlan(ctx(t), "vandal", since)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].Y*cfg.Width+plan[i].X < plan[j].Y*cfg.Width+plan[j].X })
	want := []place.Pixel{{X: 1, Y: 1, Color: 5}, {X: 2, Y: 2, Color: 0}, {X: 5, Y: 5, Color: 8}, {X: 6, Y: 6, Color: 1}}
	if !slices.Equal(plan, want) {
		t.Errorf("RollbackPlan = %+v, want %+v", plan, want)
	}
	if plan, err := s.RollbackPlan(ctx(t), "nobody", since); err != nil || len(plan) != 0 {
		t.Errorf("RollbackPlan of a user without placements = %+v, %v", plan, err)
	}
}

func testPlaceRollback(t *testing.T, open Opener) {
	cfg := DefaultConfig
	s := open(t, cfg)
	now := base()
	mustPlace(t, s, "vandal", 1, 1, 3, now)
	mustPlace(t, s, "mod", 9, 9, 1, now) // the moderator is in cooldown now
	pixels := []place.Pixel{{X: 1, Y: 1, Color: 5}, {X: 2, Y: 1, Color: 0}}
	ps, err := s.PlaceRollback(ctx(t), "mod", pixels, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("PlaceRollback returned %d placements, want 2", len(ps))
	}
	for i, p := range ps {
		want := place.Placement{Seq: uint64(3 + i), X: pixels[i].X, Y: pixels[i].Y, Color: pixels[i].Color, UserID: "mod", At: now.Add(time.Second), Rollback: true}
		if !samePlacement(p, want) {
			t.Errorf("rollback placement %d = %+v, want %+v", i, p, want)
		}
	}
	data, seq := canvas(t, s)
	if seq != 4 || data[1*cfg.Width+1] != 5 {
		t.Errorf("after rollback: seq %d, pixel (1,1) = %d; want 4, 5", seq, data[cfg.Width+1])
	}
	if ps, err := s.PlaceRollback(ctx(t), "mod", nil, now); err != nil || len(ps) != 0 {
		t.Errorf("empty rollback = %+v, %v", ps, err)
	}
	flush(t, s)
	h, err := s.PixelHistory(ctx(t), 1, 1, 10)
	if err != nil || len(h) != 2 || !h[0].Rollback || h[0].UserID != "mod" || h[1].Rollback {
		t.Errorf("history of a rolled back pixel = %+v, %v", h, err)
	}
}

var guestName = regexp.MustCompile(`^Guest_[A-Za-z0-9]{6}$`)

func testUsers(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	g1, err := s.CreateGuest(ctx(t), now)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := s.CreateGuest(ctx(t), now)
	if err != nil {
		t.Fatal(err)
	}
	if !guestName.MatchString(g1.Username) || !g1.IsGuest || g1.ID == "" || g1.ID == g2.ID || g1.Username == g2.Username {
		t.Errorf("guests %+v and %+v", g1, g2)
	}
	if !g1.CreatedAt.Equal(now) {
		t.Errorf("guest created at %v, want %v", g1.CreatedAt, now)
	}
	if u, err := s.UserByID(ctx(t), g1.ID); err != nil || u.Username != g1.Username || !u.IsGuest {
		t.Errorf("UserByID(guest) = %+v, %v", u, err)
	}
	_, err = s.UserByID(ctx(t), "no-such-id")
	wantCode(t, err, place.ENOTFOUND)
	_, err = s.UserByName(ctx(t), "nobody")
	wantCode(t, err, place.ENOTFOUND)

	alice, err := s.CreateAccount(ctx(t), "Alice", []byte("h1"), now)
	if err != nil {
		t.Fatal(err)
	}
	if alice.IsGuest || alice.IsAdmin || alice.Banned || string(alice.PasswordHash) != "h1" || alice.Username != "Alice" {
		t.Errorf("CreateAccount = %+v", alice)
	}
	if u, err := s.UserByName(ctx(t), "aLiCe"); err != nil || u.ID != alice.ID || u.Username != "Alice" {
		t.Errorf("UserByName is not case-insensitive: %+v, %v", u, err)
	}
	_, err = s.CreateAccount(ctx(t), "ALICE", []byte("h2"), now)
	wantCode(t, err, place.EUSERNAMETAKEN)

	up, err := s.UpgradeGuest(ctx(t), g1.ID, "Carol", []byte("h3"))
	if err != nil {
		t.Fatal(err)
	}
	if up.ID != g1.ID || up.IsGuest || up.Username != "Carol" || string(up.PasswordHash) != "h3" {
		t.Errorf("UpgradeGuest = %+v, want id %s kept, registered as Carol", up, g1.ID)
	}
	if u, err := s.UserByName(ctx(t), "carol"); err != nil || u.ID != g1.ID {
		t.Errorf("upgraded guest by name: %+v, %v", u, err)
	}
	_, err = s.UpgradeGuest(ctx(t), g2.ID, "alice", []byte("h4"))
	wantCode(t, err, place.EUSERNAMETAKEN)
	if u, _ := s.UserByID(ctx(t), g2.ID); !u.IsGuest || u.Username != g2.Username {
		t.Errorf("a failed upgrade changed the guest: %+v", u)
	}
	_, err = s.UpgradeGuest(ctx(t), "no-such-id", "Dave", []byte("h5"))
	wantCode(t, err, place.ENOTFOUND)

	if err := s.SetAdmin(ctx(t), alice.ID, true); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UserByID(ctx(t), alice.ID); !u.IsAdmin {
		t.Error("SetAdmin(true) did not make an admin")
	}
	if err := s.SetAdmin(ctx(t), alice.ID, false); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UserByID(ctx(t), alice.ID); u.IsAdmin {
		t.Error("SetAdmin(false) did not revoke")
	}
	wantCode(t, s.SetAdmin(ctx(t), "no-such-id", true), place.ENOTFOUND)

	if err := s.SetBan(ctx(t), g2.ID, true, "spam"); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UserByID(ctx(t), g2.ID); !u.Banned || u.BanReason != "spam" {
		t.Errorf("after SetBan: %+v", u)
	}
	if err := s.SetBan(ctx(t), g2.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UserByID(ctx(t), g2.ID); u.Banned {
		t.Errorf("after lifting the ban: %+v", u)
	}
	wantCode(t, s.SetBan(ctx(t), "no-such-id", true, "x"), place.ENOTFOUND)
}

func testSearchUsers(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	for _, name := range []string{"painter", "Painter2", "bob", "a_b"} {
		newUser(t, s, name)
	}
	guest, err := s.CreateGuest(ctx(t), base())
	if err != nil {
		t.Fatal(err)
	}
	names := func(q string, limit int) []string {
		users, err := s.SearchUsers(ctx(t), q, limit)
		if err != nil {
			t.Fatalf("SearchUsers(%q): %v", q, err)
		}
		var out []string
		for _, u := range users {
			out = append(out, u.Username)
		}
		sort.Strings(out)
		return out
	}
	if got := names("PAINT", 10); !slices.Equal(got, []string{"Painter2", "painter"}) {
		t.Errorf("search PAINT = %v", got)
	}
	if got := names("paint", 1); len(got) != 1 {
		t.Errorf("search with limit 1 = %v", got)
	}
	if got := names("_", 10); !slices.Contains(got, "a_b") || !slices.Contains(got, guest.Username) || slices.Contains(got, "bob") {
		t.Errorf("search _ (a literal underscore) = %v", got)
	}
	if got := names(guest.Username[6:], 10); !slices.Equal(got, []string{guest.Username}) {
		t.Errorf("guests are found too: %v", got)
	}
	if got := names("zzz", 10); len(got) != 0 {
		t.Errorf("search zzz = %v", got)
	}
}

func testAuditLog(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	now := base()
	for i, action := range []string{"ban", "rollback", "unban"} {
		if err := s.AddAudit(ctx(t), place.AuditEntry{
			At: now.Add(time.Duration(i) * time.Second), ActorID: "m1", ActorName: "mod",
			Action: action, TargetID: "u1", TargetName: "vandal", Detail: fmt.Sprintf("detail %d", i),
		}); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.AuditLog(ctx(t), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[0].Action != "unban" || log[1].Action != "rollback" || log[2].Action != "ban" {
		t.Fatalf("AuditLog = %+v, want unban, rollback, ban", log)
	}
	e := log[2]
	if e.ID == 0 || !e.At.Equal(now) || e.ActorID != "m1" || e.ActorName != "mod" || e.TargetID != "u1" || e.TargetName != "vandal" || e.Detail != "detail 0" {
		t.Errorf("audit entry = %+v", e)
	}
	older, err := s.AuditLog(ctx(t), log[0].ID, 1)
	if err != nil || len(older) != 1 || older[0].ID != log[1].ID {
		t.Errorf("AuditLog before %d = %+v, %v", log[0].ID, older, err)
	}
}

func testSessionIndex(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	exp := time.Now().Add(time.Hour)
	for _, tok := range []string{"t1", "t2", "t3"} {
		if err := s.AddUserSession(ctx(t), "u1", tok, exp); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddUserSession(ctx(t), "u2", "other", exp); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserSession(ctx(t), "u1", "expired", time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveUserSession(ctx(t), "u1", "t2"); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserSessions(ctx(t), "u1")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if !slices.Equal(got, []string{"t1", "t3"}) {
		t.Errorf("UserSessions = %v, want [t1 t3]", got)
	}
	if got, err := s.UserSessions(ctx(t), "nobody"); err != nil || len(got) != 0 {
		t.Errorf("UserSessions of a user without sessions = %v, %v", got, err)
	}
}

func testKicks(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan place.Kick, 100)
	done := make(chan error, 1)
	go func() { done <- s.SubscribeKicks(sctx, func(k place.Kick) { got <- k }) }()

	want := place.Kick{UserID: "u1", Token: "tok", Reason: "banned"}
	// A subscription takes a moment to start: publish until one arrives.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		if err := s.PublishKick(ctx(t), want); err != nil {
			t.Fatal(err)
		}
		select {
		case k := <-got:
			if k != want {
				t.Fatalf("received kick %+v, want %+v", k, want)
			}
			break wait
		case <-tick.C:
		case <-deadline:
			t.Fatal("no kick delivered")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("SubscribeKicks returned %v after its context ended", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("SubscribeKicks did not return after its context ended")
	}
}

// testNotices: notices of any kind arrive in order, once each, and a kick
// subscriber sees only kicks.
func testNotices(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan place.Notice, 100)
	kicks := make(chan place.Kick, 100)
	go func() { _ = s.SubscribeNotices(sctx, func(n place.Notice) { got <- n }) }()
	go func() { _ = s.SubscribeKicks(sctx, func(k place.Kick) { kicks <- k }) }()
	// A subscription takes a moment to start: announce until one arrives.
	hello := place.Notice{Kind: "hello", Data: []byte(`{}`)}
	deadline := time.After(10 * time.Second)
wait:
	for {
		if err := s.PublishNotice(ctx(t), hello); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			break wait
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("no notice delivered")
		}
	}
	time.Sleep(100 * time.Millisecond) // both subscriptions are up
	for len(got) > 0 {
		<-got
	}
	sent := []place.Notice{
		{Kind: "settings", Data: []byte(`{"cooldown":5}`)},
		place.KickNotice(place.Kick{UserID: "u2", Reason: "banned"}),
		{Kind: "version", Data: []byte(`"v2"`)},
	}
	for _, n := range sent {
		if err := s.PublishNotice(ctx(t), n); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range sent {
		select {
		case n := <-got:
			if n.Kind != want.Kind || string(n.Data) != string(want.Data) {
				t.Errorf("notice %d = %s %s, want %s %s", i, n.Kind, n.Data, want.Kind, want.Data)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("notice %d not delivered", i)
		}
	}
	select {
	case k := <-kicks:
		if k.UserID != "u2" {
			t.Errorf("kick subscriber got %+v", k)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("kick not delivered")
	}
	select {
	case n := <-got:
		t.Errorf("unexpected notice %s %s", n.Kind, n.Data)
	case k := <-kicks:
		t.Errorf("unexpected kick %+v", k)
	case <-time.After(200 * time.Millisecond):
	}
}

func testCounters(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	const window = 400 * time.Millisecond
	start := time.Now()
	for i := int64(1); i <= 3; i++ {
		n, end, err := s.Incr(ctx(t), "ip:1", window, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if n != i {
			t.Errorf("Incr #%d = %d", i, n)
		}
		if end.Before(start) || end.After(time.Now().Add(window)) {
			t.Errorf("window ends at %v, want within %v of %v", end, window, start)
		}
	}
	if n, _, err := s.Count(ctx(t), "ip:1", time.Now()); err != nil || n != 3 {
		t.Errorf("Count = %d, %v; want 3", n, err)
	}
	if n, _, err := s.Count(ctx(t), "ip:2", time.Now()); err != nil || n != 0 {
		t.Errorf("Count of an unused key = %d, %v; want 0", n, err)
	}
	if n, _, _ := s.Incr(ctx(t), "ip:2", window, time.Now()); n != 1 {
		t.Errorf("keys share a counter: Incr(ip:2) = %d", n)
	}
	if err := s.Reset(ctx(t), "ip:1"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := s.Count(ctx(t), "ip:1", time.Now()); n != 0 {
		t.Errorf("Count after Reset = %d", n)
	}
	s.Incr(ctx(t), "ip:3", window, time.Now())
	time.Sleep(window + 200*time.Millisecond)
	if n, _, _ := s.Count(ctx(t), "ip:3", time.Now()); n != 0 {
		t.Errorf("Count after the window = %d, want 0", n)
	}
	if n, _, _ := s.Incr(ctx(t), "ip:3", window, time.Now()); n != 1 {
		t.Errorf("Incr in a new window = %d, want 1", n)
	}
}

func testSessions(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	ss := s.Sessions()
	if err := ss.Commit("tok1", []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, ok, err := ss.Find("tok1")
	if err != nil || !ok || string(b) != "data" {
		t.Errorf("Find = %q, %v, %v", b, ok, err)
	}
	if err := ss.Delete("tok1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ss.Find("tok1"); err != nil || ok {
		t.Errorf("Find after Delete = %v, %v", ok, err)
	}
}

func testReady(t *testing.T, open Opener) {
	s := open(t, DefaultConfig)
	err := s.Ready(ctx(t))
	if err != nil && strings.Contains(err.Error(), "maxmemory-policy") {
		// Reporting a misconfigured shared service is Ready doing its job.
		t.Skipf("the test service is misconfigured: %v", err)
	}
	if err != nil {
		t.Errorf("Ready: %v", err)
	}
}
