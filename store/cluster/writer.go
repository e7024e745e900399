package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

const (
	writerBatch     = 5000
	writerBlock     = 250 * time.Millisecond
	writerCommit    = 15 * time.Second // one batch's PostgreSQL transaction
	finalFlush      = 5 * time.Second  // how long Close tries to write what is left
	trimEvery       = time.Second
	claimEveryRatio = 4 // look for abandoned entries every ClaimIdle/4
)

// createGroup creates the history consumer group (and the stream) unless
// it exists. Starting at id 0 means a group created after Redis lost its
// data still reads every entry of the new stream.
func (s *Store) createGroup() error {
	conn := s.pool.Get()
	defer conn.Close()
	_, err := conn.Do("XGROUP", "CREATE", s.keys.stream, historyGroup, "0", "MKSTREAM")
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return err
	}
	return nil
}

// runWriter copies the stream to PostgreSQL until the store closes: read a
// batch with the consumer group, write it in one transaction, then XACK.
// A batch that fails to write is retried (with backoff) until it succeeds,
// never dropped; its entries stay pending in the group meanwhile, so an
// instance that dies here leaves them to be claimed by another.
//
// New entries are read ahead by a second goroutine while a batch is being
// written, so that reading and writing overlap.
func (s *Store) runWriter() {
	ctx := s.ctx
	fresh := make(chan readResult, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		s.readAhead(ctx, fresh)
	}()
	defer func() {
		<-readerDone
		s.finalFlush()
	}()

	retry := newBackoff(100*time.Millisecond, 2*time.Second)
	ownPending := true // re-read entries delivered to us but not acknowledged
	var lastClaim, lastTrim, lastDeadCheck time.Time
	idle := time.NewTicker(writerBlock)
	defer idle.Stop()
	for ctx.Err() == nil {
		if time.Since(lastDeadCheck) > heartbeatEvery {
			lastDeadCheck = time.Now()
			if n, err := s.claimDead(); err != nil {
				s.log.Warn("history writer: claiming a dead instance's entries", "err", err)
			} else if n > 0 {
				s.log.Info("history writer: claimed entries of an instance whose heartbeat stopped", "entries", n)
				ownPending = true
			}
		}
		if time.Since(lastClaim) > s.claimIdle/claimEveryRatio {
			lastClaim = time.Now()
			if n, err := s.claimAbandoned(); err != nil {
				s.log.Warn("history writer: claiming abandoned entries", "err", err)
			} else if n > 0 {
				s.log.Info("history writer: claimed entries of a stopped instance", "entries", n)
				ownPending = true
			}
		}
		if time.Since(lastTrim) > trimEvery {
			lastTrim = time.Now()
			if err := s.trim(); err != nil {
				s.log.Warn("history writer: trimming the stream", "err", err)
			}
		}

		var r readResult
		if ownPending {
			r.batch, r.ids, r.epoch, r.err = s.readBatch(true, 0)
			if r.err == nil && len(r.ids) == 0 {
				ownPending = false
				continue
			}
		} else {
			select {
			case r = <-fresh:
			case <-idle.C:
				continue
			case <-ctx.Done():
				return
			}
		}
		if r.err != nil {
			if ctx.Err() == nil {
				s.log.Warn("history writer: reading the stream", "err", r.err)
				if strings.HasPrefix(r.err.Error(), "NOGROUP") {
					_ = s.createGroup()
				}
			}
			ownPending = true
			retry.wait(ctx)
			continue
		}
		var err error
		for ctx.Err() == nil {
			if err = s.writeBatch(ctx, r.batch, r.epoch); err == nil || errors.Is(err, errStaleEpoch) {
				break
			}
			s.log.Warn("history writer: writing to PostgreSQL (will retry)", "err", err, "placements", len(r.batch))
			retry.wait(ctx)
		}
		if errors.Is(err, errStaleEpoch) {
			// What is left of it is pending in the restored stream.
			s.log.Info("history writer: dropped a batch read before redis was restored", "placements", len(r.batch))
			ownPending = true
			retry.wait(ctx) // no spinning should Redis not get the new epoch
			continue
		}
		if err != nil {
			return // closing; the final flush makes a last attempt
		}
		retry.reset()
		if err := s.ack(r.ids); err != nil {
			s.log.Warn("history writer: acknowledging", "err", err)
			ownPending = true
		}
	}
}

type readResult struct {
	batch []place.Placement
	ids   []any
	epoch int64 // the Redis epoch the batch was read under
	err   error
}

// errStaleEpoch is a batch read from a Redis that has since been restored
// from PostgreSQL: committing it could reuse seqs the restored Redis hands
// out again, so it is dropped and the stream read again.
var errStaleEpoch = errors.New("the batch was read before redis was restored")

// readAhead reads new entries for the writer until ctx ends. A batch read
// but not handed over when ctx ends stays pending for the final flush.
func (s *Store) readAhead(ctx context.Context, out chan<- readResult) {
	retry := newBackoff(100*time.Millisecond, 2*time.Second)
	for ctx.Err() == nil {
		batch, ids, epoch, err := s.readBatch(false, writerBlock)
		if err == nil && len(ids) == 0 {
			continue
		}
		select {
		case out <- readResult{batch, ids, epoch, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			retry.wait(ctx)
		} else {
			retry.reset()
		}
	}
}

// finalFlush writes what is still pending or unread, once, within a short
// deadline; whatever fails stays in the stream for another instance.
func (s *Store) finalFlush() {
	ctx, cancel := context.WithTimeout(context.Background(), finalFlush)
	defer cancel()
	ownPending := true
	for ctx.Err() == nil {
		batch, ids, epoch, err := s.readBatch(ownPending, 0)
		if err != nil {
			s.log.Warn("history writer: final flush", "err", err)
			return
		}
		if len(ids) == 0 {
			if !ownPending {
				return
			}
			ownPending = false
			continue
		}
		err = s.writeBatch(ctx, batch, epoch)
		if errors.Is(err, errStaleEpoch) {
			ownPending = true
			continue
		}
		if err != nil {
			s.log.Warn("history writer: final flush left placements in the stream", "err", err)
			return
		}
		if err := s.ack(ids); err != nil {
			return
		}
	}
}

// readBatch reads up to writerBatch entries: this consumer's unacknowledged
// ones (pending) or new ones, blocking up to block for new ones. It also
// returns the Redis epoch, read before the entries: should Redis be restored
// in between, the batch is refused as stale and read again, never committed
// under an epoch it does not belong to.
func (s *Store) readBatch(pending bool, block time.Duration) ([]place.Placement, []any, int64, error) {
	conn := s.pool.Get()
	defer conn.Close()
	epoch, err := redis.Int64(conn.Do("HGET", s.keys.meta, "epoch"))
	if errors.Is(err, redis.ErrNil) {
		epoch, err = 0, nil // a Redis never restored by this version
	}
	if err != nil {
		return nil, nil, 0, err
	}
	batch, ids, err := s.readEntries(conn, pending, block)
	return batch, ids, epoch, err
}

func (s *Store) readEntries(conn redis.Conn, pending bool, block time.Duration) ([]place.Placement, []any, error) {
	args := []any{"GROUP", historyGroup, s.consumer, "COUNT", writerBatch}
	id := ">"
	if pending {
		id = "0"
	} else if block > 0 {
		args = append(args, "BLOCK", block.Milliseconds())
	}
	args = append(args, "STREAMS", s.keys.stream, id)
	reply, err := redis.DoWithTimeout(conn, block+redisReadTimeout, "XREADGROUP", args...)
	if err != nil || reply == nil {
		return nil, nil, err
	}
	streams, err := redis.Values(reply, nil)
	if err != nil || len(streams) == 0 {
		return nil, nil, err
	}
	stream, err := redis.Values(streams[0], nil)
	if err != nil || len(stream) != 2 {
		return nil, nil, fmt.Errorf("unexpected XREADGROUP reply: %v", err)
	}
	entries, err := redis.Values(stream[1], nil)
	if err != nil {
		return nil, nil, err
	}
	batch := make([]place.Placement, 0, len(entries))
	ids := make([]any, 0, len(entries))
	for _, e := range entries {
		p, ok, err := parseEntry(e)
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, streamID(p.Seq))
		if ok {
			batch = append(batch, p)
		}
	}
	return batch, ids, nil
}

// writeBatch stores placements exactly once. The usual batch is new and
// goes straight into placements with COPY. A batch that overlaps rows
// already there (a retry after a commit whose acknowledgement was lost, or
// entries claimed from an instance that died after committing) makes COPY
// fail on the primary key; it is then copied into a temporary staging table
// and inserted with ON CONFLICT DO NOTHING, so nothing is written twice.
//
// The batch is committed only if PostgreSQL's Redis epoch is still the one
// it was read under (see restore), else errStaleEpoch.
func (s *Store) writeBatch(ctx context.Context, batch []place.Placement, epoch int64) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := pgCtx(ctx, writerCommit)
	defer cancel()
	err := s.copyPlacements(ctx, batch, epoch, false)
	if isUniqueViolation(err) {
		err = s.copyPlacements(ctx, batch, epoch, true)
	}
	if err != nil {
		return err
	}
	if last := batch[len(batch)-1].Seq; last > s.written.Load() {
		s.written.Store(last)
	}
	return nil
}

var placementColumns = []string{"seq", "x", "y", "color", "user_id", "placed_at", "rollback"}

func (s *Store) copyPlacements(ctx context.Context, batch []place.Placement, epoch int64, staged bool) error {
	s.writerHook("begin")
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
	// Held until commit: a restore waits for this batch before reading the
	// highest seq in history.
	var current int64
	err = tx.QueryRow(ctx, `SELECT value::bigint FROM meta WHERE key = 'redis_epoch' FOR SHARE`).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		current, err = 0, nil
	}
	if err != nil {
		return err
	}
	if current != epoch {
		return fmt.Errorf("%w (epoch %d, now %d)", errStaleEpoch, epoch, current)
	}
	table := "placements"
	if staged {
		table = "placements_staging"
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS placements_staging
			(LIKE placements INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
			return err
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{table}, placementColumns,
		pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
			p := batch[i]
			return []any{int64(p.Seq), int32(p.X), int32(p.Y), int16(p.Color), p.UserID, p.At, p.Rollback}, nil
		}))
	if err != nil {
		return err
	}
	if staged {
		if _, err := tx.Exec(ctx, `INSERT INTO placements
			SELECT * FROM placements_staging ORDER BY seq ON CONFLICT (seq) DO NOTHING`); err != nil {
			return err
		}
	}
	s.writerHook("commit")
	return tx.Commit(ctx)
}

func (s *Store) ack(ids []any) error {
	conn := s.pool.Get()
	defer conn.Close()
	_, err := conn.Do("XACK", append([]any{s.keys.stream, historyGroup}, ids...)...)
	return err
}

// claimAbandoned takes over entries that another consumer (an instance
// that died or lost PostgreSQL) has held unacknowledged for ClaimIdle.
func (s *Store) claimAbandoned() (int, error) {
	conn := s.pool.Get()
	defer conn.Close()
	claimed := 0
	start := "0-0"
	for range 20 {
		reply, err := redis.Values(conn.Do("XAUTOCLAIM", s.keys.stream, historyGroup, s.consumer,
			s.claimIdle.Milliseconds(), start, "COUNT", writerBatch, "JUSTID"))
		if err != nil {
			return claimed, err
		}
		if len(reply) < 2 {
			return claimed, errors.New("unexpected XAUTOCLAIM reply")
		}
		ids, _ := redis.Values(reply[1], nil)
		claimed += len(ids)
		start, _ = redis.String(reply[0], nil)
		if start == "0-0" {
			break
		}
	}
	s.forgetIdleConsumers(conn)
	return claimed, nil
}

// consumerForgetAfter is how long a consumer with nothing pending may be
// idle before it is removed from the group: every start of an instance
// adds a consumer name, and the list would otherwise only grow.
const consumerForgetAfter = time.Hour

func (s *Store) forgetIdleConsumers(conn redis.Conn) {
	consumers, err := redis.Values(conn.Do("XINFO", "CONSUMERS", s.keys.stream, historyGroup))
	if err != nil {
		return
	}
	for _, c := range consumers {
		vals, _ := redis.Values(c, nil)
		var name string
		var pending, idle int64
		for i := 0; i+1 < len(vals); i += 2 {
			switch k, _ := redis.String(vals[i], nil); k {
			case "name":
				name, _ = redis.String(vals[i+1], nil)
			case "pending":
				pending, _ = redis.Int64(vals[i+1], nil)
			case "idle":
				idle, _ = redis.Int64(vals[i+1], nil)
			}
		}
		if name != "" && name != s.consumer && pending == 0 && time.Duration(idle)*time.Millisecond > consumerForgetAfter {
			_, _ = conn.Do("XGROUP", "DELCONSUMER", s.keys.stream, historyGroup, name)
		}
	}
}

// groupState is where the history group stands.
type groupState struct {
	lastDelivered uint64 // highest seq handed to any consumer
	pending       int64  // delivered but not acknowledged
	minPending    uint64 // lowest pending seq, when pending > 0
}

// written reports whether every placement up to seq is committed.
func (g groupState) written(seq uint64) bool {
	return g.lastDelivered >= seq && (g.pending == 0 || g.minPending > seq)
}

func (s *Store) groupState(conn redis.Conn) (groupState, error) {
	var g groupState
	_ = conn.Send("MULTI")
	_ = conn.Send("XINFO", "GROUPS", s.keys.stream)
	_ = conn.Send("XPENDING", s.keys.stream, historyGroup)
	reply, err := redis.Values(conn.Do("EXEC"))
	if err != nil {
		return g, err
	}
	if len(reply) != 2 {
		return g, errors.New("unexpected group state reply")
	}
	groups, err := redis.Values(reply[0], nil)
	if err != nil {
		return g, err
	}
	found := false
	for _, gr := range groups {
		info, err := redis.StringMap(gr, nil)
		if err != nil {
			// Newer fields (entries-read, lag) may be nil; parse by hand.
			vals, _ := redis.Values(gr, nil)
			info = map[string]string{}
			for i := 0; i+1 < len(vals); i += 2 {
				k, _ := redis.String(vals[i], nil)
				v, _ := redis.String(vals[i+1], nil)
				info[k] = v
			}
		}
		if info["name"] == historyGroup {
			found = true
			if g.lastDelivered, err = seqOf(info["last-delivered-id"]); err != nil {
				return g, err
			}
		}
	}
	if !found {
		return g, errors.New("NOGROUP history consumer group missing")
	}
	summary, err := redis.Values(reply[1], nil)
	if err != nil || len(summary) < 2 {
		return g, fmt.Errorf("unexpected XPENDING reply: %v", err)
	}
	g.pending, _ = redis.Int64(summary[0], nil)
	if g.pending > 0 {
		id, _ := redis.String(summary[1], nil)
		if g.minPending, err = seqOf(id); err != nil {
			return g, err
		}
	}
	return g, nil
}

// trim drops stream entries that are both written to PostgreSQL and older
// than the newest StreamRetain.
func (s *Store) trim() error {
	conn := s.pool.Get()
	defer conn.Close()
	seq, err := redis.Uint64(conn.Do("GET", s.keys.seq))
	if err != nil {
		return err
	}
	if seq <= uint64(s.retain) {
		return nil
	}
	g, err := s.groupState(conn)
	if err != nil {
		return err
	}
	keepFrom := min(seq-uint64(s.retain)+1, g.lastDelivered+1)
	if g.pending > 0 {
		keepFrom = min(keepFrom, g.minPending)
	}
	// "~" lets Redis drop whole internal nodes only: it keeps a few more
	// entries than asked, never fewer.
	_, err = conn.Do("XTRIM", s.keys.stream, "MINID", "~", streamID(keepFrom))
	return err
}

// WriterLag returns how many placements are not yet in PostgreSQL: those
// handed to a writer and not acknowledged, plus those not read yet.
func (s *Store) WriterLag(ctx context.Context) (int64, error) {
	var lag int64
	err := s.do(ctx, func(c redis.Conn) error {
		seq, err := redis.Uint64(c.Do("GET", s.keys.seq))
		if err != nil && !errors.Is(err, redis.ErrNil) {
			return err
		}
		g, err := s.groupState(c)
		if err != nil {
			return err
		}
		lag = g.pending + int64(seq-min(seq, g.lastDelivered))
		return nil
	})
	return lag, err
}

// WaitHistory waits until every placement up to seq is in PostgreSQL, so
// that history reads include them. It returns place.ErrUnavailable if that
// does not happen before ctx ends (PostgreSQL down).
func (s *Store) WaitHistory(ctx context.Context, seq uint64) error {
	for {
		var g groupState
		err := s.do(ctx, func(c redis.Conn) error {
			var err error
			g, err = s.groupState(c)
			return err
		})
		if err == nil && g.written(seq) {
			return nil
		}
		t := time.NewTimer(10 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			if err == nil {
				err = ctx.Err()
			}
			return fmt.Errorf("%w (history not written up to seq %d: %v)", place.ErrUnavailable, seq, err)
		case <-t.C:
		}
	}
}

// Flush waits until every placement acknowledged so far is in PostgreSQL.
func (s *Store) Flush(ctx context.Context) error {
	var seq uint64
	err := s.do(ctx, func(c redis.Conn) error {
		var err error
		seq, err = redis.Uint64(c.Do("GET", s.keys.seq))
		if errors.Is(err, redis.ErrNil) {
			err = nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.WaitHistory(ctx, seq)
}

func (s *Store) writerHook(stage string) {
	if f := s.hook.Load(); f != nil {
		(*f)(stage)
	}
}
