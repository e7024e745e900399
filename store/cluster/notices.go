package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
)

// Notices (kicks, and any other message to every instance) go through a
// short Redis stream rather than Pub/Sub: every instance reads it with
// XREAD BLOCK from the last id it has seen. A reply is due at least every
// noticeBlock, so the connection is proven alive on every round trip (a
// read that takes longer than noticeBlock+noticeSlack means a dead link and
// a reconnect), and a reconnect resumes after the last notice handled, so a
// notice published while an instance was disconnected is delivered as soon
// as it is back instead of being lost as a Pub/Sub message would be.
const (
	noticeBlock  = 2 * time.Second
	noticeSlack  = time.Second
	noticeRetain = 1000 // notices kept for instances that reconnect
	noticeBatch  = 100  // notices read per round trip
)

// NoticeClientName is the Redis client name of the connection that reads
// notices, followed by the consumer name (it shows in CLIENT LIST).
const NoticeClientName = "place-notices-"

// PublishNotice appends n to the notice stream, which keeps the latest
// noticeRetain.
func (s *Notices) PublishNotice(ctx context.Context, n place.Notice) error {
	return s.db.publishNotice(ctx, n)
}

func (s *db) publishNotice(ctx context.Context, n place.Notice) error {
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return s.do(ctx, func(c redis.Conn) error {
		_, err := c.Do("XADD", s.keys.notices, "MAXLEN", "~", noticeRetain, "*", "n", b)
		return err
	})
}

// SubscribeNotices calls fn for every notice published after the call, in
// order, until ctx ends or the store closes. A lost connection is redialled
// with backoff, and the notices published meanwhile are delivered then.
func (s *Notices) SubscribeNotices(ctx context.Context, fn func(place.Notice)) error {
	outer := ctx
	ctx, cancel := s.db.untilClosed(ctx)
	defer cancel()
	retry := newBackoff(50*time.Millisecond, 2*time.Second)
	last := "" // the id of the last notice handled; "" until first connected
	for ctx.Err() == nil {
		err := s.readNotices(ctx, &last, fn, retry)
		if ctx.Err() == nil {
			s.db.log.Warn("notice stream connection lost; reconnecting and catching up", "err", err, "after", last)
			retry.wait(ctx)
		}
	}
	if outer.Err() == nil {
		return errClosed
	}
	return outer.Err()
}

// readNotices reads the stream on a connection of its own until it fails
// or ctx ends.
func (s *Notices) readNotices(ctx context.Context, last *string, fn func(place.Notice), retry *backoff) error {
	conn, err := redis.DialURLContext(ctx, s.db.redisURL,
		redis.DialConnectTimeout(redisDialTimeout),
		redis.DialReadTimeout(noticeBlock+noticeSlack),
		redis.DialWriteTimeout(redisWriteTimeout),
		redis.DialClientName(s.NoticeClient()))
	if err != nil {
		return err
	}
	defer conn.Close()
	// Closing the connection ends a blocked read at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if *last == "" {
		if *last, err = lastNoticeID(conn, s.db.keys.notices); err != nil {
			return err
		}
		// Every notice after last is read, on this connection or the next.
		place.Subscribed(ctx)
	}
	for {
		reply, err := redis.Values(conn.Do("XREAD", "COUNT", noticeBatch, "BLOCK", noticeBlock.Milliseconds(), "STREAMS", s.db.keys.notices, *last))
		if err != nil && !errors.Is(err, redis.ErrNil) {
			return err
		}
		retry.reset()
		entries, err := streamEntries(reply)
		if err != nil {
			return err
		}
		for _, e := range entries {
			*last = e.id
			var n place.Notice
			if err := json.Unmarshal(e.fields["n"], &n); err != nil {
				s.db.log.Warn("ignoring malformed notice", "id", e.id, "err", err)
				continue
			}
			fn(n)
		}
	}
}

// lastNoticeID is the id of the newest notice, or "0-0" when there is none,
// so that a notice added after it is read.
func lastNoticeID(conn redis.Conn, key string) (string, error) {
	entries, err := redis.Values(conn.Do("XREVRANGE", key, "+", "-", "COUNT", 1))
	if err != nil {
		return "", err
	}
	if len(entries) == 0 {
		return "0-0", nil
	}
	e, err := redis.Values(entries[0], nil)
	if err != nil || len(e) < 1 {
		return "", fmt.Errorf("notice stream: unexpected entry %v", entries[0])
	}
	return redis.String(e[0], nil)
}

type streamEntry struct {
	id     string
	fields map[string][]byte
}

// streamEntries parses the reply of an XREAD of one stream.
func streamEntries(reply []any) ([]streamEntry, error) {
	if len(reply) == 0 {
		return nil, nil
	}
	stream, err := redis.Values(reply[0], nil)
	if err != nil || len(stream) != 2 {
		return nil, fmt.Errorf("XREAD: unexpected reply %v", reply[0])
	}
	raw, err := redis.Values(stream[1], nil)
	if err != nil {
		return nil, err
	}
	out := make([]streamEntry, 0, len(raw))
	for _, r := range raw {
		e, err := redis.Values(r, nil)
		if err != nil || len(e) != 2 {
			return nil, fmt.Errorf("XREAD: unexpected entry %v", r)
		}
		id, err := redis.String(e[0], nil)
		if err != nil {
			return nil, err
		}
		kv, err := redis.ByteSlices(e[1], nil)
		if err != nil {
			return nil, err
		}
		fields := make(map[string][]byte, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			fields[string(kv[i])] = kv[i+1]
		}
		out = append(out, streamEntry{id: id, fields: fields})
	}
	return out, nil
}

// NoticeClient is the Redis client name of this store's notice reader.
func (s *Notices) NoticeClient() string { return NoticeClientName + s.db.consumer }
