package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/metrics"
)

// errPlaceTimeout is a placement that got no answer from Redis in time.
var errPlaceTimeout = errors.New("redis did not answer the placement in time")

// Place runs placeScript: the placement is in the stream, and so durable in
// cluster mode's sense (docs/architecture.md), when it returns.
func (s *Placer) Place(ctx context.Context, who place.Player, x, y int, color uint8, now time.Time) (place.Placement, time.Time, error) {
	userID := who.UserID
	nowMs := now.UnixMilli()
	cd := s.db.cooldown()
	keys := who.Keys()
	device := keys[len(keys)-1] // the user again when the device is unknown
	players := 0
	budgetKey := s.db.keys.cooldown(userID) // unused without a budget
	if who.Budget.Applies() && cd > 0 {
		players, budgetKey = who.Budget.Players, s.db.keys.cooldown(who.Budget.Key)
	}
	r := &placeReq{
		cooldownKey:       s.db.keys.cooldown(userID),
		deviceCooldownKey: s.db.keys.cooldown(device),
		budgetKey:         budgetKey,
		device:            device,
		team:              who.TeamID,
		args:              [6]any{userID, x, y, int(color), nowMs, cd.Milliseconds()},
		budgetPlayers:     players,
		charges:           s.chargeLimit(),
	}
	r.slack = place.ChargeSlack(time.Duration(r.charges-1)*cd, cd).Milliseconds()
	reply, err := s.evalPlace(ctx, r)
	if err != nil {
		return place.Placement{}, time.Time{}, err
	}
	vals, err := redis.Int64s(reply, nil)
	if err != nil || len(vals) == 0 {
		return place.Placement{}, time.Time{}, fmt.Errorf("place script: unexpected reply %v: %w", reply, err)
	}
	switch vals[0] {
	case placeBanned:
		return place.Placement{}, time.Time{}, place.Errorf(place.EBANNED, "You are banned from placing pixels.")
	case placeCooldown:
		return place.Placement{}, time.Time{}, place.CooldownError(now, time.UnixMilli(vals[1]))
	case placeBudget:
		return place.Placement{}, time.Time{}, place.AddressBudgetError(now, time.UnixMilli(vals[1]))
	case placeNoCanvas:
		s.db.triggerRestore()
		return place.Placement{}, time.Time{}, fmt.Errorf("%w (redis holds no canvas; restoring)", place.ErrUnavailable)
	case placeOutside:
		if len(vals) < 3 {
			return place.Placement{}, time.Time{}, fmt.Errorf("place script: unexpected reply %v", vals)
		}
		return place.Placement{}, time.Time{}, place.Config{}.WithSize(place.Size{Width: int(vals[1]), Height: int(vals[2])}).CoordsError()
	}
	at := time.UnixMilli(nowMs)
	p := place.Placement{Seq: uint64(vals[1]), X: x, Y: y, Color: color, UserID: userID, At: at, TeamID: who.TeamID}
	if len(vals) < 3 {
		return p, time.Time{}, fmt.Errorf("place script: unexpected reply %v", vals)
	}
	return p, time.UnixMilli(vals[2]), nil
}

// chargeLimit is the charges a player may store now.
func (s *Placer) chargeLimit() int {
	if s.db.chargesF != nil {
		return max(1, s.db.chargesF())
	}
	return 1
}

// evalPlace runs one placement behind the circuit breaker, through the
// batcher unless it is disabled.
func (s *Placer) evalPlace(ctx context.Context, r *placeReq) (any, error) {
	done, err := s.db.breaker.Allow()
	if err != nil {
		return nil, fmt.Errorf("%w (redis: %v)", place.ErrUnavailable, err)
	}
	r.deadline = time.Now().Add(placeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(r.deadline) {
		r.deadline = d
	}
	r.reply = make(chan placeResult, 1)
	var reply any
	if s.db.placer == nil {
		reply, err = s.evalDirect(ctx, r)
	} else {
		reply, err = s.db.placer.do(ctx, r)
	}
	done(breakerOutcome(err))
	return reply, redisError(err)
}

func (s *Placer) evalDirect(ctx context.Context, r *placeReq) (any, error) {
	ctx, cancel := context.WithDeadline(ctx, r.deadline)
	defer cancel()
	conn, err := s.db.pool.GetContext(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	replies, err := redis.Values(placeScript.Do(conn, s.db.placeArgs([]*placeReq{r})...))
	if err != nil {
		return nil, err
	}
	if len(replies) != 1 {
		return nil, fmt.Errorf("place script: %d results for 1 placement", len(replies))
	}
	return replies[0], nil
}

// placeArgs lays out the keys and arguments of placeScript for a batch.
func (s *db) placeArgs(batch []*placeReq) []any {
	args := make([]any, 0, 6+12*len(batch))
	args = append(args, 5+3*len(batch), s.keys.banned, s.keys.canvas, s.keys.seq, s.keys.stream, s.keys.meta)
	for _, r := range batch {
		args = append(args, r.cooldownKey, r.deviceCooldownKey, r.budgetKey)
	}
	for _, r := range batch {
		args = append(args, r.args[:]...)
		args = append(args, r.device, r.team, r.budgetPlayers, r.charges, r.slack)
	}
	return args
}

// PlaceRollback writes the pixels as rollback placements attributed to the
// actor.
func (s *Placer) PlaceRollback(ctx context.Context, actorID string, pixels []place.Pixel, now time.Time) ([]place.Placement, error) {
	return s.placeModerated(ctx, actorID, pixels, now, false)
}

// PlaceWipe writes the pixels as a wipe attributed to the actor.
func (s *Placer) PlaceWipe(ctx context.Context, actorID string, pixels []place.Pixel, now time.Time) ([]place.Placement, error) {
	return s.placeModerated(ctx, actorID, pixels, now, true)
}

// placeModerated writes a moderator's pixels (a rollback, or a wipe) in
// chunks so that no single script holds Redis for long.
func (s *Placer) placeModerated(ctx context.Context, actorID string, pixels []place.Pixel, now time.Time, wipe bool) ([]place.Placement, error) {
	const chunk = 1000
	kind := 1
	if wipe {
		kind = 2
	}
	nowMs := now.UnixMilli()
	at := time.UnixMilli(nowMs)
	out := make([]place.Placement, 0, len(pixels))
	for start := 0; start < len(pixels); start += chunk {
		part := pixels[start:min(start+chunk, len(pixels))]
		args := make([]any, 0, 7+3*len(part))
		args = append(args, s.db.keys.canvas, s.db.keys.seq, s.db.keys.stream, s.db.keys.meta, actorID, nowMs, kind)
		for _, p := range part {
			args = append(args, p.X, p.Y, int(p.Color))
		}
		var first int64
		err := s.db.do(ctx, func(c redis.Conn) error {
			var err error
			first, err = redis.Int64(rollbackScript.Do(c, args...))
			return err
		})
		if err != nil {
			return out, err
		}
		if first == -2 {
			return out, place.Errorf(place.EINVALIDCOORDS, "A pixel lies beyond the canvas, which has just become smaller; nothing of this change was written.")
		}
		if first < 0 {
			s.db.triggerRestore()
			return out, fmt.Errorf("%w (redis holds no canvas; restoring)", place.ErrUnavailable)
		}
		for i, p := range part {
			out = append(out, place.Placement{Seq: uint64(first) + uint64(i), X: p.X, Y: p.Y, Color: p.Color, UserID: actorID, At: at, Rollback: true, Wipe: wipe})
		}
	}
	return out, nil
}

// CooldownUntil returns the stored end of the user's cooldown, or the zero
// time when there is none.
func (s *Placer) CooldownUntil(ctx context.Context, userID string) (time.Time, error) {
	var until time.Time
	err := s.db.do(ctx, func(c redis.Conn) error {
		ms, err := redis.Int64(c.Do("GET", s.db.keys.cooldown(userID)))
		if errors.Is(err, redis.ErrNil) {
			return nil
		}
		if err != nil {
			return err
		}
		until = time.UnixMilli(ms)
		return nil
	})
	return until, err
}

// SetCooldownUntil moves the user's cooldown end to until if that is later.
func (s *Placer) SetCooldownUntil(ctx context.Context, userID string, until time.Time) error {
	// The key outlives the cooldown by a little, so that a caller with a
	// slightly different clock still finds it; Place compares the stored end.
	ttl := max(time.Until(until), 0) + time.Second
	return s.db.do(ctx, func(c redis.Conn) error {
		_, err := extendCooldownScript.Do(c, s.db.keys.cooldown(userID), until.UnixMilli(), ttl.Milliseconds())
		return err
	})
}

// SetBanned adds the user to or removes them from the set that Place checks.
func (s *Placer) SetBanned(ctx context.Context, userID string, banned bool) error {
	return s.db.setBanned(ctx, userID, banned)
}

func (s *db) setBanned(ctx context.Context, userID string, banned bool) error {
	cmd := "SREM"
	if banned {
		cmd = "SADD"
	}
	return s.do(ctx, func(c redis.Conn) error {
		_, err := c.Do(cmd, s.keys.banned, userID)
		return err
	})
}

// batcher sends concurrent placements to Redis together: each worker owns
// a connection, takes whatever requests are waiting (up to maxBatch) and
// runs them in one placeScript call, so that throughput is bounded by
// Redis rather than by round trips and per-call overhead. One worker at a
// time collects (it holds the collect token): it takes the first request,
// waits up to the linger for more (see Options.FlushGap; no wait without
// it), and lets the next worker collect while its call is in flight.
type batcher struct {
	s       *db
	reqs    chan *placeReq
	collect chan struct{} // the collector's token
	linger  func() time.Duration
	stop    chan struct{}
	done    chan struct{}
}

type placeReq struct {
	cooldownKey       string
	deviceCooldownKey string // the user's again when the device is unknown
	budgetKey         string // the address budget's (the user's when there is none)
	device            string // place.DeviceKey, or the user id
	team              int64  // the player's team (0: none)
	args              [6]any
	budgetPlayers     int   // the address budget's players (0: none)
	charges           int   // the charges a player may store
	slack             int64 // place.ChargeSlack, ms
	deadline          time.Time
	reply             chan placeResult // buffered: a worker never blocks on a caller that gave up
}

type placeResult struct {
	v   any
	err error
}

const maxBatch = 256

// MaxPlaceLinger bounds how long a placement waits for others before it
// goes to Redis (a quarter of the broadcaster's gap).
const MaxPlaceLinger = 10 * time.Millisecond

// newBatcher starts workers; gap, when not nil, gives the broadcaster's
// gap, a quarter of which is the linger.
func newBatcher(s *db, workers int, gap func() time.Duration) *batcher {
	b := &batcher{s: s, reqs: make(chan *placeReq, 4096), collect: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	b.collect <- struct{}{}
	b.linger = func() time.Duration { return 0 }
	if gap != nil {
		b.linger = func() time.Duration { return min(gap()/4, MaxPlaceLinger) }
	}
	finished := make(chan struct{}, workers)
	for range workers {
		go func() {
			b.work()
			finished <- struct{}{}
		}()
	}
	go func() {
		for range workers {
			<-finished
		}
		close(b.done)
	}()
	return b
}

func (b *batcher) close() {
	close(b.stop)
	<-b.done
	b.failQueued(errClosed)
}

func (b *batcher) do(ctx context.Context, r *placeReq) (any, error) {
	timer := time.NewTimer(time.Until(r.deadline))
	defer timer.Stop()
	select {
	case b.reqs <- r:
	case <-b.stop:
		return nil, errClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, errPlaceTimeout
	}
	select {
	case res := <-r.reply:
		return res.v, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, errPlaceTimeout
	}
}

// gather collects the next batch into batch, holding the collect token
// meanwhile; false when the batcher stops.
func (b *batcher) gather(batch []*placeReq, wait *time.Timer) ([]*placeReq, bool) {
	select {
	case <-b.collect:
	case <-b.stop:
		return batch, false
	}
	defer func() { b.collect <- struct{}{} }()
	select {
	case r := <-b.reqs:
		batch = append(batch, r)
	case <-b.stop:
		return batch, false
	}
	if d := b.linger(); d > 0 {
		wait.Reset(d)
		defer wait.Stop()
	linger:
		for len(batch) < maxBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			case <-wait.C:
				break linger
			case <-b.stop:
				break linger // what was taken is still sent, or answered
			}
		}
	}
fill:
	for len(batch) < maxBatch {
		select {
		case r := <-b.reqs:
			batch = append(batch, r)
		default:
			break fill
		}
	}
	return batch, true
}

func (b *batcher) work() {
	batch := make([]*placeReq, 0, maxBatch)
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	var conn redis.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		var ok bool
		batch, ok = b.gather(batch[:0], wait)
		if !ok {
			return
		}
		// Requests whose caller has given up are not sent: sending them
		// would place pixels nobody is told about.
		now := time.Now()
		live := batch[:0]
		for _, r := range batch {
			if now.Before(r.deadline) {
				live = append(live, r)
			}
		}
		if len(live) == 0 {
			continue
		}
		if conn == nil {
			ctx, cancel := context.WithDeadline(context.Background(), live[0].deadline)
			c, err := b.s.pool.GetContext(ctx)
			cancel()
			if err != nil {
				// Redis is unreachable: whatever queued up meanwhile would
				// only wait for the same failure.
				for _, r := range live {
					r.reply <- placeResult{err: err}
				}
				b.failQueued(err)
				continue
			}
			conn = c
		}
		if err := b.send(conn, live); err != nil {
			conn.Close()
			conn = nil
		}
	}
}

// failQueued answers every request waiting in the queue with err.
func (b *batcher) failQueued(err error) {
	for {
		select {
		case r := <-b.reqs:
			r.reply <- placeResult{err: err}
		default:
			return
		}
	}
}

// send runs the batch as one script call on conn and answers every
// request. It returns an error when the connection is no longer usable.
func (b *batcher) send(conn redis.Conn, batch []*placeReq) error {
	args := b.s.placeArgs(batch)
	metrics.PlaceScriptPlacements.Observe(float64(len(batch)))
	reply, err := redis.DoWithTimeout(conn, pipelineReceive, "EVALSHA", append([]any{placeScript.Hash()}, args...)...)
	if err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		// Redis lost its script cache (restart, SCRIPT FLUSH): the script did
		// not run, so running it again (which loads it) places once.
		reply, err = placeScript.Do(conn, args...)
	}
	var re redis.Error
	fatal := err != nil && !errors.As(err, &re)
	var replies []any
	if err == nil {
		replies, err = redis.Values(reply, nil)
		if err == nil && len(replies) != len(batch) {
			err = fmt.Errorf("place script: %d results for %d placements", len(replies), len(batch))
		}
	}
	for i, r := range batch {
		if err != nil {
			r.reply <- placeResult{err: err}
		} else {
			r.reply <- placeResult{v: replies[i]}
		}
	}
	if fatal {
		return err
	}
	return nil
}
