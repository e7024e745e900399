package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// ErrFeedReset is place.ErrFeedReset: Redis lost data and was restored from
// PostgreSQL with a lower sequence.
var ErrFeedReset = place.ErrFeedReset

// Canvas returns the canvas, its size and its seq, read in one atomic step.
func (s *Feed) Canvas(ctx context.Context) ([]byte, place.Size, uint64, error) {
	var data []byte
	var sz place.Size
	var seq uint64
	missing := false
	err := s.db.do(ctx, func(c redis.Conn) error {
		reply, err := redis.Values(canvasScript.Do(c, s.db.keys.canvas, s.db.keys.seq, s.db.keys.meta))
		if err != nil {
			return err
		}
		if len(reply) < 4 || reply[0] == nil || reply[2] == nil || reply[3] == nil {
			missing = true
			return nil
		}
		if data, err = redis.Bytes(reply[0], nil); err != nil {
			return err
		}
		if reply[1] != nil {
			if seq, err = redis.Uint64(reply[1], nil); err != nil {
				return err
			}
		}
		if sz.Width, err = redis.Int(reply[2], nil); err != nil {
			return err
		}
		sz.Height, err = redis.Int(reply[3], nil)
		return err
	})
	if err != nil {
		return nil, place.Size{}, 0, err
	}
	if missing {
		s.db.triggerRestore()
		return nil, place.Size{}, 0, fmt.Errorf("%w (redis holds no canvas; restoring)", place.ErrUnavailable)
	}
	if len(data) != sz.Width*sz.Height {
		return nil, place.Size{}, 0, fmt.Errorf("redis canvas has %d bytes, want %dx%d", len(data), sz.Width, sz.Height)
	}
	return data, sz, seq, nil
}

// Follow tails the stream from after. Connection failures are retried
// (resuming from the last delivered seq, so nothing is skipped); entries
// already trimmed from the stream are read from PostgreSQL.
func (s *Feed) Follow(ctx context.Context, after uint64, fn func([]place.Placement)) error {
	outer := ctx
	ctx, cancel := s.db.untilClosed(ctx)
	defer cancel()
	cursor := after
	backoff := newBackoff(50*time.Millisecond, 2*time.Second)
	var conn redis.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	recovering := false
	for ctx.Err() == nil {
		if conn == nil {
			c, err := s.db.pool.GetContext(ctx)
			if err != nil {
				backoff.wait(ctx)
				continue
			}
			conn = c
		}
		if recovering {
			// After an outage, make sure Redis did not come back with an
			// older sequence; following it would skip seqs.
			cur, err := redis.Uint64(conn.Do("GET", s.db.keys.seq))
			if err != nil && !errors.Is(err, redis.ErrNil) {
				conn.Close()
				conn = nil
				backoff.wait(ctx)
				continue
			}
			if cur < cursor {
				return ErrFeedReset
			}
			recovering = false
		}
		reply, err := redis.DoWithTimeout(conn, followBlock+redisReadTimeout,
			"XREAD", "COUNT", 1000, "BLOCK", followBlock.Milliseconds(), "STREAMS", s.db.keys.stream, streamID(cursor))
		if err != nil {
			if ctx.Err() == nil {
				s.db.log.Warn("following placements", "err", err)
			}
			conn.Close()
			conn = nil
			recovering = true
			backoff.wait(ctx)
			continue
		}
		backoff.reset()
		if reply == nil {
			continue
		}
		ps, err := parseXRead(reply)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			continue
		}
		if ps[0].Seq != cursor+1 {
			// The stream no longer holds (cursor, first): history has them.
			gap, err := s.sinceFromHistory(ctx, cursor, ps[0].Seq-1, int(ps[0].Seq-1-cursor))
			if err != nil {
				return fmt.Errorf("follow from %d: %w", cursor, err)
			}
			fn(gap)
		}
		fn(ps)
		cursor = ps[len(ps)-1].Seq
	}
	if outer.Err() == nil {
		return errClosed
	}
	return outer.Err()
}

// Since returns up to max placements after the given seq, from the stream,
// or from PostgreSQL for those already trimmed from it.
func (s *Feed) Since(ctx context.Context, after uint64, max int) ([]place.Placement, error) {
	if max <= 0 {
		return nil, nil
	}
	var ps []place.Placement
	var cur uint64
	err := s.db.do(ctx, func(c redis.Conn) error {
		reply, err := c.Do("XRANGE", s.db.keys.stream, "("+streamID(after), "+", "COUNT", max)
		if err != nil {
			return err
		}
		if ps, err = parseEntries(reply); err != nil {
			return err
		}
		if len(ps) > 0 && ps[0].Seq == after+1 {
			return nil
		}
		cur, err = redis.Uint64(c.Do("GET", s.db.keys.seq))
		if errors.Is(err, redis.ErrNil) {
			err = nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(ps) > 0 && ps[0].Seq == after+1 {
		return ps, nil
	}
	if len(ps) == 0 && after >= cur {
		return nil, nil
	}
	upto := cur
	if len(ps) > 0 {
		upto = ps[0].Seq - 1
	}
	old, err := s.sinceFromHistory(ctx, after, upto, max)
	if err != nil {
		return nil, err
	}
	if n := max - len(old); n > 0 && uint64(len(old)) == upto-after {
		old = append(old, ps[:min(n, len(ps))]...)
	}
	return old, nil
}

// sinceFromHistory reads placements in (after, upto] from PostgreSQL, up to
// max of them, and fails unless they are all there.
func (s *Feed) sinceFromHistory(ctx context.Context, after, upto uint64, max int) ([]place.Placement, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, `SELECT seq, x, y, color, user_id, placed_at, rollback, wipe, COALESCE(team_id, 0)
		FROM placements WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`, int64(after), int64(upto), max)
	if err != nil {
		return nil, pgError(err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (place.Placement, error) { return scanTeamPlacement(r) })
	if err != nil {
		return nil, pgError(err)
	}
	want := min(uint64(max), upto-after)
	if uint64(len(ps)) != want || (len(ps) > 0 && ps[0].Seq != after+1) {
		return nil, fmt.Errorf("%w (placements after %d are neither in the stream nor in history yet)", place.ErrUnavailable, after)
	}
	return ps, nil
}

// parseXRead parses an XREAD or XREADGROUP reply for one stream.
func parseXRead(reply any) ([]place.Placement, error) {
	streams, err := redis.Values(reply, nil)
	if err != nil || len(streams) == 0 {
		return nil, err
	}
	stream, err := redis.Values(streams[0], nil)
	if err != nil || len(stream) != 2 {
		return nil, fmt.Errorf("unexpected stream reply: %v", err)
	}
	return parseEntries(stream[1])
}

// parseEntries parses stream entries ([id, [field, value, …]] each).
func parseEntries(reply any) ([]place.Placement, error) {
	entries, err := redis.Values(reply, nil)
	if err != nil {
		return nil, err
	}
	ps := make([]place.Placement, 0, len(entries))
	for _, e := range entries {
		p, ok, err := parseEntry(e)
		if err != nil {
			return nil, err
		}
		if ok {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// parseEntry parses one stream entry; ok is false for an entry that was
// deleted while pending (it has an id but no fields).
func parseEntry(e any) (p place.Placement, ok bool, err error) {
	parts, err := redis.Values(e, nil)
	if err != nil || len(parts) != 2 {
		return p, false, fmt.Errorf("unexpected stream entry: %v", err)
	}
	id, err := redis.String(parts[0], nil)
	if err != nil {
		return p, false, err
	}
	if p.Seq, err = seqOf(id); err != nil {
		return p, false, fmt.Errorf("stream id %q: %w", id, err)
	}
	if parts[1] == nil {
		return p, false, nil
	}
	fields, err := redis.Values(parts[1], nil)
	if err != nil {
		return p, false, err
	}
	for i := 0; i+1 < len(fields); i += 2 {
		k, _ := fields[i].([]byte)
		v, _ := fields[i+1].([]byte)
		switch string(k) {
		case "x":
			p.X, err = strconv.Atoi(string(v))
		case "y":
			p.Y, err = strconv.Atoi(string(v))
		case "color":
			var c int
			c, err = strconv.Atoi(string(v))
			p.Color = uint8(c)
		case "user":
			p.UserID = string(v)
		case "ts":
			var ms int64
			ms, err = strconv.ParseInt(string(v), 10, 64)
			p.At = time.UnixMilli(ms)
		case "rb": // 0: a player's placement, 1: a rollback, 2: a wipe
			p.Rollback, p.Wipe = string(v) != "0", string(v) == "2"
		case "team":
			p.TeamID, err = strconv.ParseInt(string(v), 10, 64)
		}
		if err != nil {
			return p, false, fmt.Errorf("stream entry %s field %s: %w", id, k, err)
		}
	}
	return p, true, nil
}

// backoff is an exponential delay between retries.
type backoff struct {
	min, max, cur time.Duration
}

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max, cur: min} }

func (b *backoff) reset() { b.cur = b.min }

// wait sleeps for the current delay (or until ctx ends) and doubles it.
func (b *backoff) wait(ctx context.Context) {
	t := time.NewTimer(b.cur)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	b.cur = min(2*b.cur, b.max)
}
