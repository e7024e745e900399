package cluster

import (
	"errors"
	"time"

	"github.com/gomodule/redigo/redis"
)

// claimAbandoned takes over entries that another consumer (an instance
// that died or lost PostgreSQL) has held unacknowledged for ClaimIdle.
func (s *writer) claimAbandoned() (int, error) {
	conn := s.db.pool.Get()
	defer conn.Close()
	claimed := 0
	start := "0-0"
	for range 20 {
		reply, err := redis.Values(conn.Do("XAUTOCLAIM", s.db.keys.stream, historyGroup, s.db.consumer,
			s.db.claimIdle.Milliseconds(), start, "COUNT", writerBatch, "JUSTID"))
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

func (s *writer) forgetIdleConsumers(conn redis.Conn) {
	consumers, err := redis.Values(conn.Do("XINFO", "CONSUMERS", s.db.keys.stream, historyGroup))
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
		if name != "" && name != s.db.consumer && pending == 0 && time.Duration(idle)*time.Millisecond > consumerForgetAfter {
			_, _ = conn.Do("XGROUP", "DELCONSUMER", s.db.keys.stream, historyGroup, name)
		}
	}
}
