package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
)

const (
	writerBatch     = 5000
	writerBlock     = 250 * time.Millisecond
	writerLinger    = 20 * time.Millisecond // least time between two reads of a batch that was not full
	writerCommit    = 15 * time.Second      // one batch's PostgreSQL transaction
	finalFlush      = 5 * time.Second       // how long Close tries to write what is left
	trimEvery       = time.Second
	claimEveryRatio = 4 // look for abandoned entries every ClaimIdle/4
)

// writer is the history writer and the heartbeat of this instance: the
// goroutines that copy the placement stream to PostgreSQL, take over what
// dead or stalled instances left unwritten, and trim the stream. It runs
// over the shared connection from Open until Close.
type writer struct{ db *db }

// createGroup creates the history consumer group (and the stream) unless
// it exists. Starting at id 0 means a group created after Redis lost its
// data still reads every entry of the new stream.
func (s *db) createGroup() error {
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
func (s *writer) runWriter() {
	ctx := s.db.ctx
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
	var chores writerChores
	idle := time.NewTicker(writerBlock)
	defer idle.Stop()
	for ctx.Err() == nil {
		if s.runChores(&chores) {
			ownPending = true
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
			s.readFailed(ctx, r.err)
			ownPending = true
			retry.wait(ctx)
			continue
		}
		reread, closing := s.storeBatch(ctx, r, retry)
		if closing {
			return // the final flush makes a last attempt
		}
		if reread {
			ownPending = true
		}
	}
}

// writerChores are the writer's periodic jobs between batches: when each
// last ran.
type writerChores struct {
	lastClaim, lastTrim, lastDeadCheck time.Time
}

// runChores runs the chores that are due: claiming the entries of a dead
// instance or abandoned ones, and trimming the stream. It reports whether
// entries were claimed, which the writer must then read as its own pending
// ones.
func (s *writer) runChores(c *writerChores) (claimed bool) {
	if time.Since(c.lastDeadCheck) > heartbeatEvery {
		c.lastDeadCheck = time.Now()
		if n, err := s.claimDead(); err != nil {
			s.db.log.Warn("history writer: claiming a dead instance's entries", "err", err)
		} else if n > 0 {
			s.db.log.Info("history writer: claimed entries of an instance whose heartbeat stopped", "entries", n)
			claimed = true
		}
	}
	if time.Since(c.lastClaim) > s.db.claimIdle/claimEveryRatio {
		c.lastClaim = time.Now()
		if n, err := s.claimAbandoned(); err != nil {
			s.db.log.Warn("history writer: claiming abandoned entries", "err", err)
		} else if n > 0 {
			s.db.log.Info("history writer: claimed entries of a stopped instance", "entries", n)
			claimed = true
		}
	}
	if time.Since(c.lastTrim) > trimEvery {
		c.lastTrim = time.Now()
		if err := s.db.trim(); err != nil {
			s.db.log.Warn("history writer: trimming the stream", "err", err)
		}
	}
	return claimed
}

// readFailed logs a failed read of the stream, and creates the consumer
// group again if Redis lost it.
func (s *writer) readFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	s.db.log.Warn("history writer: reading the stream", "err", err)
	if strings.HasPrefix(err.Error(), "NOGROUP") {
		_ = s.db.createGroup()
	}
}

// storeBatch writes a batch to PostgreSQL, retrying until it is committed,
// then acknowledges it. It reports whether the writer must read its pending
// entries again (the batch was stale, or the acknowledgement failed), and
// whether it gave up because the store is closing.
func (s *writer) storeBatch(ctx context.Context, r readResult, retry *backoff) (reread, closing bool) {
	// A batch handed over as the store closes is not written: it must not
	// be acknowledged either, but left pending for the final flush.
	err := ctx.Err()
	for ctx.Err() == nil {
		if err = s.writeBatch(ctx, r.batch, r.epoch); err == nil || errors.Is(err, errStaleEpoch) {
			break
		}
		s.db.log.Warn("history writer: writing to PostgreSQL (will retry)", "err", err, "placements", len(r.batch))
		retry.wait(ctx)
	}
	if errors.Is(err, errStaleEpoch) {
		// What is left of it is pending in the restored stream.
		s.db.log.Info("history writer: dropped a batch read before redis was restored", "placements", len(r.batch))
		retry.wait(ctx) // no spinning should Redis not get the new epoch
		return true, false
	}
	if err != nil {
		return false, true
	}
	retry.reset()
	if err := s.ack(r.ids); err != nil {
		s.db.log.Warn("history writer: acknowledging", "err", err)
		return true, false
	}
	return false, false
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
func (s *writer) readAhead(ctx context.Context, out chan<- readResult) {
	retry := newBackoff(100*time.Millisecond, 2*time.Second)
	for ctx.Err() == nil {
		start := time.Now()
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
			continue
		}
		retry.reset()
		if len(ids) < writerBatch {
			linger(ctx, writerLinger-time.Since(start))
		}
	}
}

// linger waits d (if positive) or until ctx ends. Under load, each history
// transaction then carries what arrived in writerLinger rather than the
// few placements that came in while the previous one was written: the cost
// of a transaction (seven round trips to Redis and PostgreSQL) is shared by
// about a hundred placements at 5,000/s instead of about ten. A history
// read that waits for its own placement (WaitHistory) waits that much
// longer at most.
func linger(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// finalFlush writes what is still pending or unread, once, within a short
// deadline; whatever fails stays in the stream for another instance.
func (s *writer) finalFlush() {
	ctx, cancel := context.WithTimeout(context.Background(), finalFlush)
	defer cancel()
	ownPending := true
	for ctx.Err() == nil {
		batch, ids, epoch, err := s.readBatch(ownPending, 0)
		if err != nil {
			s.db.log.Warn("history writer: final flush", "err", err)
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
			s.db.log.Warn("history writer: final flush left placements in the stream", "err", err)
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
func (s *writer) readBatch(pending bool, block time.Duration) ([]place.Placement, []any, int64, error) {
	conn := s.db.pool.Get()
	defer conn.Close()
	epoch, err := redis.Int64(conn.Do("HGET", s.db.keys.meta, "epoch"))
	if errors.Is(err, redis.ErrNil) {
		epoch, err = 0, nil // a Redis never restored by this version
	}
	if err != nil {
		return nil, nil, 0, err
	}
	batch, ids, err := s.readEntries(conn, pending, block)
	return batch, ids, epoch, err
}

func (s *writer) readEntries(conn redis.Conn, pending bool, block time.Duration) ([]place.Placement, []any, error) {
	args := []any{"GROUP", historyGroup, s.db.consumer, "COUNT", writerBatch}
	id := ">"
	if pending {
		id = "0"
	} else if block > 0 {
		args = append(args, "BLOCK", block.Milliseconds())
	}
	args = append(args, "STREAMS", s.db.keys.stream, id)
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

func (s *writer) ack(ids []any) error {
	conn := s.db.pool.Get()
	defer conn.Close()
	_, err := conn.Do("XACK", append([]any{s.db.keys.stream, historyGroup}, ids...)...)
	return err
}

func (s *writer) writerHook(stage string, batch []place.Placement) {
	if f := s.db.hook.Load(); f != nil {
		(*f)(stage, batch)
	}
}
