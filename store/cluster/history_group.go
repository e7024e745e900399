package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
)

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

// seqAndGroup reads the current seq (0 before the first placement) and
// where the history group stands.
func (s *db) seqAndGroup(conn redis.Conn) (uint64, groupState, error) {
	seq, err := redis.Uint64(conn.Do("GET", s.keys.seq))
	if err != nil && !errors.Is(err, redis.ErrNil) {
		return 0, groupState{}, err
	}
	g, err := s.groupState(conn)
	return seq, g, err
}

func (s *db) groupState(conn redis.Conn) (groupState, error) {
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
func (s *db) trim() error {
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
func (s *db) WriterLag(ctx context.Context) (int64, error) {
	var lag int64
	err := s.do(ctx, func(c redis.Conn) error {
		seq, g, err := s.seqAndGroup(c)
		if err != nil {
			return err
		}
		lag = g.pending + int64(seq-min(seq, g.lastDelivered))
		return nil
	})
	return lag, err
}

func (s *db) waitHistory(ctx context.Context, seq uint64) error {
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
func (s *db) Flush(ctx context.Context) error {
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
	return s.waitHistory(ctx, seq)
}
