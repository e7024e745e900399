package cluster

import (
	"errors"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Every instance keeps a heartbeat key with a short TTL. When an instance
// dies its key expires within heartbeatTTL, and the next instance to look
// takes over the history entries it had read but not written at once,
// rather than after ClaimIdle (which still covers an instance that is
// alive but cannot write, e.g. has lost PostgreSQL).
const (
	heartbeatTTL   = 2 * time.Second
	heartbeatEvery = 500 * time.Millisecond // refresh, and look for dead instances
	// deadClaimMinIdle leaves alone entries handed out less than this ago:
	// should a live instance's heartbeat lapse (a Redis hiccup), the batch
	// it is writing right now is not taken from it. Taking one would be
	// harmless anyway: history writes are idempotent.
	deadClaimMinIdle = time.Second
)

func (k keys) heartbeat(consumer string) string { return k.prefix + "instance:" + consumer }

// runHeartbeat refreshes this instance's heartbeat until the store closes.
func (s *writer) runHeartbeat() {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-s.db.ctx.Done():
			return
		case <-t.C:
			if err := s.beat(); err != nil {
				s.db.log.Debug("heartbeat", "err", err)
			}
		}
	}
}

func (s *writer) beat() error {
	conn := s.db.pool.Get()
	defer conn.Close()
	_, err := conn.Do("SET", s.db.keys.heartbeat(s.db.consumer), time.Now().UnixMilli(), "PX", heartbeatTTL.Milliseconds())
	return err
}

// stopHeartbeat removes the heartbeat once this instance has written what
// it could, so that another takes over anything left at once.
func (s *writer) stopHeartbeat() {
	conn := s.db.pool.Get()
	defer conn.Close()
	_, _ = conn.Do("DEL", s.db.keys.heartbeat(s.db.consumer))
}

// claimDead takes over the pending history entries of every consumer whose
// heartbeat is gone (an instance that died, or one of a version without
// heartbeats that stopped long ago).
func (s *writer) claimDead() (int, error) {
	conn := s.db.pool.Get()
	defer conn.Close()
	summary, err := redis.Values(conn.Do("XPENDING", s.db.keys.stream, historyGroup))
	if err != nil {
		return 0, err
	}
	if len(summary) < 4 || summary[3] == nil {
		return 0, nil // nothing pending
	}
	owners, err := redis.Values(summary[3], nil)
	if err != nil {
		return 0, err
	}
	claimed := 0
	for _, o := range owners {
		pair, err := redis.Strings(o, nil)
		if err != nil || len(pair) != 2 {
			return claimed, errors.New("unexpected XPENDING reply")
		}
		if pair[0] == s.db.consumer {
			continue
		}
		alive, err := redis.Bool(conn.Do("EXISTS", s.db.keys.heartbeat(pair[0])))
		if err != nil || alive {
			if err != nil {
				return claimed, err
			}
			continue
		}
		n, err := s.claimFrom(conn, pair[0])
		claimed += n
		if err != nil {
			return claimed, err
		}
	}
	return claimed, nil
}

// claimFrom moves the pending entries of one consumer to this one.
func (s *writer) claimFrom(conn redis.Conn, consumer string) (int, error) {
	claimed := 0
	for range 20 {
		entries, err := redis.Values(conn.Do("XPENDING", s.db.keys.stream, historyGroup,
			"IDLE", deadClaimMinIdle.Milliseconds(), "-", "+", writerBatch, consumer))
		if err != nil || len(entries) == 0 {
			return claimed, err
		}
		args := []any{s.db.keys.stream, historyGroup, s.db.consumer, deadClaimMinIdle.Milliseconds()}
		for _, e := range entries {
			v, err := redis.Values(e, nil)
			if err != nil || len(v) == 0 {
				return claimed, errors.New("unexpected XPENDING entry")
			}
			args = append(args, v[0])
		}
		ids, err := redis.Values(conn.Do("XCLAIM", append(args, "JUSTID")...))
		if err != nil {
			return claimed, err
		}
		claimed += len(ids)
		if len(entries) < writerBatch {
			break
		}
	}
	return claimed, nil
}
