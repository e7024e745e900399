package embedded

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// chargeLimit is the charges a player may store now.
func (s *Placer) chargeLimit() int {
	if s.db.opts.Charges != nil {
		return max(1, s.db.opts.Charges())
	}
	return 1
}

// Place implements place.Placer for a pixel the placement service checked:
// the ban, cooldown and address budget checks and the canvas write happen
// under one lock, then the call waits for the group commit that
// makes the placement durable.
func (s *Placer) Place(ctx context.Context, who place.Player, x, y int, color uint8, now time.Time) (place.Placement, time.Time, error) {
	userID := who.UserID
	keys := who.Keys()
	s.db.mu.Lock()
	if s.db.isClosed() {
		s.db.mu.Unlock()
		return place.Placement{}, time.Time{}, place.ErrUnavailable
	}
	if !s.db.cfg.Size().Contains(x, y) { // checked before an undone growth shrank the canvas
		s.db.mu.Unlock()
		return place.Placement{}, time.Time{}, s.db.cfg.CoordsError()
	}
	for _, k := range keys {
		if s.db.banned[k] {
			s.db.mu.Unlock()
			return place.Placement{}, time.Time{}, place.Errorf(place.EBANNED, "You are banned from placing pixels.")
		}
	}
	// The charge clock (place.Charges): the later of the keys' clocks; a
	// player with none has one charge.
	cd, limit := s.db.cooldown(), s.chargeLimit()
	spare := time.Duration(limit-1) * cd
	var clock time.Time
	known := false
	for _, k := range keys {
		if u, ok := s.db.cooldowns[k]; ok {
			known = true
			if u.After(clock) {
				clock = u
			}
		}
	}
	if !known {
		clock = now.Add(spare)
	}
	if floor := now.Add(-place.ChargeSlack(spare, cd)); clock.Before(floor) {
		clock = floor
	}
	if clock.Sub(now) > spare {
		s.db.mu.Unlock()
		return place.Placement{}, time.Time{}, place.CooldownError(now, clock.Add(-spare))
	}
	if err := s.db.takeBudgetLocked(who.Budget, now, cd); err != nil {
		s.db.mu.Unlock()
		return place.Placement{}, time.Time{}, err
	}
	next := clock.Add(cd)
	if cd > 0 {
		for _, k := range keys {
			s.db.cooldowns[k] = next
		}
	}
	p := s.db.applyLocked(place.Placement{X: x, Y: y, Color: color, UserID: userID, At: now, TeamID: who.TeamID})
	b := s.db.batch
	s.db.mu.Unlock()
	s.db.signal()
	if err := s.db.waitCommit(ctx, b); err != nil {
		return place.Placement{}, time.Time{}, err
	}
	return p, next, nil
}

// PlaceRollback implements place.Placer.
func (s *Placer) PlaceRollback(ctx context.Context, actorID string, pixels []place.Pixel, now time.Time) ([]place.Placement, error) {
	return s.placeModerated(ctx, actorID, pixels, now, false)
}

// PlaceWipe implements place.Placer.
func (s *Placer) PlaceWipe(ctx context.Context, actorID string, pixels []place.Pixel, now time.Time) ([]place.Placement, error) {
	return s.placeModerated(ctx, actorID, pixels, now, true)
}

// placeModerated writes a moderator's pixels: a rollback, or a wipe.
func (s *Placer) placeModerated(ctx context.Context, actorID string, pixels []place.Pixel, now time.Time, wipe bool) ([]place.Placement, error) {
	if len(pixels) == 0 {
		return nil, nil
	}
	s.db.mu.Lock()
	if s.db.isClosed() {
		s.db.mu.Unlock()
		return nil, place.ErrUnavailable
	}
	for _, px := range pixels {
		if !s.db.cfg.Size().Contains(px.X, px.Y) {
			s.db.mu.Unlock()
			return nil, s.db.cfg.CoordsError()
		}
	}
	out := make([]place.Placement, 0, len(pixels))
	for _, px := range pixels {
		out = append(out, s.db.applyLocked(place.Placement{X: px.X, Y: px.Y, Color: px.Color, UserID: actorID, At: now, Rollback: true, Wipe: wipe}))
	}
	b := s.db.batch
	s.db.mu.Unlock()
	s.db.signal()
	if err := s.db.waitCommit(ctx, b); err != nil {
		return nil, err
	}
	return out, nil
}

// applyLocked gives p the next seq and queues it for the group commit.
func (s *db) applyLocked(p place.Placement) place.Placement {
	s.seq++
	p.Seq = s.seq
	s.pending = append(s.pending, p)
	return p
}

func (s *db) isClosed() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

func (s *db) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *db) waitCommit(ctx context.Context, b *commitBatch) error {
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		// The placement stays queued and will be committed; it is simply not
		// acknowledged to this caller.
		return place.ErrUnavailable
	}
}

// CooldownUntil implements place.Placer.
func (s *Placer) CooldownUntil(_ context.Context, userID string) (time.Time, error) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	return s.db.cooldowns[userID], nil
}

// SetCooldownUntil implements place.Placer.
func (s *Placer) SetCooldownUntil(_ context.Context, userID string, until time.Time) error {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if until.After(s.db.cooldowns[userID]) {
		s.db.cooldowns[userID] = until
	}
	return nil
}

// SetBanned implements place.Placer.
func (s *Placer) SetBanned(ctx context.Context, userID string, banned bool) error {
	return s.db.setBanned(ctx, userID, banned)
}

func (s *db) setBanned(_ context.Context, userID string, banned bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if banned {
		s.banned[userID] = true
	} else {
		delete(s.banned, userID)
	}
	return nil
}

// writer is the group-commit loop: it takes everything queued since the last
// commit, writes it in one transaction and then releases every waiter.
func (s *db) writer() {
	defer close(s.stopped)
	sinceSnapshot := 0
	lastSnapshot := time.Now()
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	var lastCommit time.Time
	for {
		stopping := false
		select {
		case <-s.wake:
		case <-ticker.C:
		case <-s.stop:
			stopping = true
		}
		if !stopping {
			stopping = !s.holdForGap(lastCommit)
		}
		s.mu.Lock()
		batch, b := s.pending, s.batch
		s.pending = nil
		s.batch = &commitBatch{done: make(chan struct{})}
		s.mu.Unlock()

		if len(batch) > 0 {
			lastCommit = time.Now()
			s.commitWithRetry(batch)
			// Published before the waiters are released, so that an
			// acknowledged placement is already in Canvas and the feed.
			s.publish(batch)
			close(b.done)
			sinceSnapshot += len(batch)
		} else {
			close(b.done)
		}
		if sinceSnapshot >= s.opts.SnapshotEvery || (sinceSnapshot > 0 && (stopping || time.Since(lastSnapshot) >= s.opts.SnapshotInterval)) {
			if err := s.snapshot(); err != nil {
				s.log.Error("canvas snapshot failed", "err", err)
			} else {
				sinceSnapshot = 0
				lastSnapshot = time.Now()
			}
		}
		if stopping {
			return
		}
	}
}

// holdForGap waits until the commit gap (Options.CommitGap) has passed
// since the last commit started; false when the store is stopping.
func (s *db) holdForGap(last time.Time) bool {
	if s.opts.CommitGap == nil {
		return true
	}
	d := time.Until(last.Add(s.opts.CommitGap()))
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}

// commitWithRetry never gives up on a batch: the placements in it already
// changed the live canvas, so dropping them would lose pixels.
func (s *db) commitWithRetry(batch []place.Placement) {
	start := time.Now()
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := s.commitFn(ctx, batch)
		cancel()
		if err == nil {
			metrics.CommitDuration.Observe(time.Since(start).Seconds())
			metrics.CommitBatchSize.Observe(float64(len(batch)))
			return
		}
		s.log.Error("history commit failed; retrying", "err", err, "attempt", attempt, "events", len(batch))
		time.Sleep(backoff)
		if backoff < 2*time.Second {
			backoff *= 2
		}
	}
}

// insertBatch writes a batch in one transaction with one prepared
// single-row INSERT per placement. A statement inserting many rows costs
// more: it is parsed for every batch and, since it may fail halfway, it
// keeps a statement journal of every page it touches (in a CPU profile of
// BenchmarkPlace at 300,000 placements, 12% went to the statement journal
// and 8% to parsing; the per-row calls cost about as much, but the journal's
// writes to a temporary file are gone).
func (s *db) insertBatch(ctx context.Context, batch []place.Placement) error {
	if s.insertStmt == nil { // only the writer goroutine gets here
		st, err := s.wdb.PrepareContext(ctx, `INSERT INTO placements (seq, x, y, color, user_id, placed_at, rollback, wipe, team_id) VALUES (?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return fmt.Errorf("prepare insert: %w", err)
		}
		s.insertStmt = st
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st := tx.StmtContext(ctx, s.insertStmt)
	for _, p := range batch {
		rb, wipe := 0, 0
		if p.Rollback {
			rb = 1
		}
		if p.Wipe {
			wipe = 1
		}
		var team any // NULL: no team
		if p.TeamID != 0 {
			team = p.TeamID
		}
		if _, err := st.ExecContext(ctx, int64(p.Seq), p.X, p.Y, int(p.Color), p.UserID, p.At.UnixMilli(), rb, wipe, team); err != nil {
			return fmt.Errorf("insert placements: %w", err)
		}
	}
	return tx.Commit()
}

func (s *db) snapshot() error {
	data, sz, seq := s.live.Snapshot() // shared, read only
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO snapshots (seq, width, height, data) VALUES (?, ?, ?, ?)`, int64(seq), sz.Width, sz.Height, data); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM snapshots WHERE seq < (SELECT MIN(seq) FROM (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT 2))`); err != nil {
		return err
	}
	return tx.Commit()
}

// takeBudgetLocked takes a slot of the address budget b, or refuses with
// ADDRESS_BUDGET and changes nothing. Addresses whose slots all ended are
// dropped at most once a cooldown, so that the map holds only the busy
// ones (kept in memory only: a restart frees every address's slots).
func (s *db) takeBudgetLocked(b place.AddressBudget, now time.Time, cd time.Duration) error {
	if !b.Applies() || cd <= 0 {
		return nil
	}
	if s.budgets == nil || (len(s.budgets) > 1000 && now.Sub(s.budgetsPruned) > cd) {
		s.pruneBudgetsLocked(now)
		s.budgetsPruned = now
	}
	slots, until, ok := b.Take(s.budgets[b.Key], now, cd)
	if !ok {
		return place.AddressBudgetError(now, until)
	}
	s.budgets[b.Key] = slots
	return nil
}

func (s *db) pruneBudgetsLocked(now time.Time) {
	if s.budgets == nil {
		s.budgets = map[string][]time.Time{}
		return
	}
	for k, slots := range s.budgets {
		if !slices.ContainsFunc(slots, func(end time.Time) bool { return end.After(now) }) {
			delete(s.budgets, k)
		}
	}
}
