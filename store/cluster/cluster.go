// Package cluster is the store of cluster mode (docs/architecture.md): canvas,
// cooldowns, sequence, sessions and fan-out in Redis; pixel history, users
// and the audit log in PostgreSQL, fed from a Redis stream by a writer
// goroutine. Any number of instances may share one Redis and one database.
//
// Redis must run with maxmemory-policy noeviction (an evicted cooldown key is
// a free pixel; an evicted stream entry is lost history) and with
// persistence if a Redis restart must not lose the placements that the
// writer has not yet copied to PostgreSQL.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sony/gobreaker/v2"

	"github.com/placecanvas/place"
)

// Options configure Open.
type Options struct {
	RedisURL    string // redis://[user:password@]host:port[/db]
	DatabaseURL string // postgres://…
	// KeyPrefix starts every Redis key of this canvas ("place:" if empty), so
	// that several canvases or test runs can share one Redis.
	KeyPrefix string
	Config    place.Config
	Logger    *slog.Logger
	// Cooldown, when set, gives the cooldown of each placement (the event's
	// live setting) instead of Config.Cooldown.
	Cooldown func() time.Duration
	// Charges, when set, gives the charges a player may store (the
	// event's live setting; 1 without it).
	Charges func() int
	// ConsumerName names this instance in the history consumer group; it must
	// differ between running instances (default: hostname, pid and a random
	// suffix).
	ConsumerName string

	// StreamRetain is how many recent placements the stream keeps for
	// replays (default 100,000); entries not yet written to PostgreSQL are
	// kept regardless.
	StreamRetain int
	// ClaimIdle is how long a placement may sit unwritten with another
	// consumer before this instance claims it (default 30 s).
	ClaimIdle time.Duration
	// FlushGap, when set, gives the broadcaster's current gap between
	// batches (realtime.Hub.FlushGap). A placement then waits up to a
	// quarter of it (at most MaxPlaceLinger) for others to go to Redis in
	// the same script call: its pixel waits for the next batch anyway, and
	// under load one call carries tens of placements instead of one or two.
	FlushGap func() time.Duration

	directPlace bool // one EVALSHA per placement on a pooled connection; for benchmarks
}

// Timeouts and sizes. Redis calls are short and fail fast so that a hung
// Redis turns into SERVICE_UNAVAILABLE well under a second; PostgreSQL calls
// each run under a deadline.
const (
	redisDialTimeout  = 500 * time.Millisecond
	redisReadTimeout  = time.Second
	redisWriteTimeout = time.Second
	redisCallTimeout  = time.Second
	placeTimeout      = 800 * time.Millisecond
	pipelineReceive   = 500 * time.Millisecond
	pgConnectTimeout  = 2 * time.Second
	pgCallTimeout     = 5 * time.Second
	pgReadTimeout     = 3 * time.Second
	followBlock       = 500 * time.Millisecond
	defaultRetain     = 100_000
	defaultClaimIdle  = 30 * time.Second
)

// errClosed is returned by calls on a closed Store.
var errClosed = errors.New("cluster store closed")

// db is the connection the role services share (roles.go): the Redis and
// PostgreSQL pools, the placement batcher, and the history writer with the
// heartbeat (writer), which run until Close.
type db struct {
	cfg       place.Config
	log       *slog.Logger
	keys      keys
	consumer  string
	redisURL  string
	retain    int
	claimIdle time.Duration
	cooldownF func() time.Duration // nil: cfg.Cooldown
	chargesF  func() int           // nil: one charge

	pool     *redis.Pool
	pg       *pgxpool.Pool
	breaker  *gobreaker.TwoStepCircuitBreaker[struct{}]
	placer   *batcher // nil with directPlace
	writer   *writer
	sessions *redisstore.RedisStore

	restoring atomic.Bool
	hook      atomic.Pointer[func(stage string, batch []place.Placement)] // tests: called by the writer at each stage of a commit
	written   atomic.Uint64                                               // highest seq this instance's writer committed

	ctx        context.Context // ends with Close
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	writerDone chan struct{}
	closeOnce  sync.Once
}

// keys names the Redis keys of one canvas.
type keys struct {
	prefix, canvas, seq, stream, banned, meta, restoreLock, notices string
}

func newKeys(prefix string) keys {
	return keys{
		prefix:      prefix,
		canvas:      prefix + "canvas",
		seq:         prefix + "seq",
		stream:      prefix + "stream",
		banned:      prefix + "banned",
		meta:        prefix + "meta",
		restoreLock: prefix + "restore-lock",
		notices:     prefix + "notices",
	}
}

func (k keys) cooldown(userID string) string     { return k.prefix + "cooldown:" + userID }
func (k keys) userSessions(userID string) string { return k.prefix + "user-sessions:" + userID }
func (k keys) counter(key string) string         { return k.prefix + "counter:" + key }
func (k keys) readyProbe(instance string) string { return k.prefix + "ready-probe:" + instance }

// historyGroup is the consumer group whose members copy the stream to
// PostgreSQL; an entry it has acknowledged is in the placements table.
const historyGroup = "history"

// Open connects to Redis and PostgreSQL, applies migrations, checks the
// canvas size against stored data, restores Redis from PostgreSQL if Redis
// holds no canvas, and starts the history writer.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.RedisURL == "" || opts.DatabaseURL == "" {
		return nil, errors.New("cluster mode needs both a Redis URL and a database URL")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	opts.setDefaults()

	s := &db{
		cfg:        opts.Config,
		log:        opts.Logger.With("store", "cluster"),
		keys:       newKeys(opts.KeyPrefix),
		consumer:   opts.ConsumerName,
		redisURL:   opts.RedisURL,
		retain:     opts.StreamRetain,
		claimIdle:  opts.ClaimIdle,
		cooldownF:  opts.Cooldown,
		chargesF:   opts.Charges,
		writerDone: make(chan struct{}),
	}
	s.writer = &writer{s}
	s.pool = newPool(opts.RedisURL)
	s.sessions = redisstore.NewWithPrefix(s.pool, opts.KeyPrefix+"session:")
	s.breaker = newBreaker(s.log)

	var err error
	s.pg, err = openPostgres(ctx, opts.DatabaseURL)
	if err != nil {
		s.pool.Close()
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	if err := s.start(ctx); err != nil {
		s.cancel()
		s.pg.Close()
		s.pool.Close()
		return nil, err
	}
	if !opts.directPlace {
		s.placer = newBatcher(s, 4, opts.FlushGap)
	}
	s.runBackground()
	return newStore(s), nil
}

// setDefaults fills in the options left empty.
func (opts *Options) setDefaults() {
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "place:"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ConsumerName == "" {
		host, _ := os.Hostname()
		opts.ConsumerName = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomID(4))
	}
	if opts.StreamRetain <= 0 {
		opts.StreamRetain = defaultRetain
	}
	if opts.ClaimIdle <= 0 {
		opts.ClaimIdle = defaultClaimIdle
	}
}

// newBreaker returns the circuit breaker in front of Redis (see do).
func newBreaker(log *slog.Logger) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "redis",
		MaxRequests: 1,
		Timeout:     time.Second, // how long to fail fast before probing again
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 5 },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			log.Warn("redis circuit breaker", "from", from.String(), "to", to.String())
		},
	})
}

// openPostgres opens the PostgreSQL pool (at least 8 connections).
func openPostgres(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pgcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	pgcfg.ConnConfig.ConnectTimeout = pgConnectTimeout
	if pgcfg.MaxConns < 8 {
		pgcfg.MaxConns = 8
	}
	db, err := pgxpool.NewWithConfig(ctx, pgcfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return db, nil
}

// runBackground sends a first heartbeat, then starts the heartbeat and the
// history writer, which run until Close.
func (s *db) runBackground() {
	if err := s.writer.beat(); err != nil {
		s.log.Warn("heartbeat", "err", err)
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.writer.runHeartbeat()
	}()
	go func() {
		defer s.wg.Done()
		defer close(s.writerDone)
		s.writer.runWriter()
	}()
}

// start prepares PostgreSQL and Redis for serving.
func (s *db) start(ctx context.Context) error {
	if err := Migrate(ctx, s.pg); err != nil {
		return err
	}
	if err := s.checkStoredSize(ctx); err != nil {
		return err
	}
	if err := s.createGroup(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return s.ensureCanvas(ctx)
}

// Close stops the history writer after a last attempt to write what is
// pending, then closes the connections. Unwritten placements stay in the
// stream for the next instance (or the next start) to write.
func (s *db) Close() error {
	s.closeOnce.Do(func() {
		if s.placer != nil {
			s.placer.close()
		}
		s.cancel()
		s.wg.Wait()
		if s.pool != nil {
			s.writer.stopHeartbeat()
		}
		s.pg.Close()
		if s.pool != nil { // nil for a store from OpenAccounts
			s.pool.Close()
		}
	})
	return nil
}

// Ready reports whether Redis and PostgreSQL answer, the canvas is loaded,
// Redis takes writes (a small key with a TTL is set: at maxmemory it is
// refused) and will not evict keys.
func (s *db) Ready(ctx context.Context) error {
	var policy string
	err := s.do(ctx, func(c redis.Conn) error {
		n, err := redis.Int(c.Do("EXISTS", s.keys.canvas))
		if err != nil {
			return err
		}
		if n == 0 {
			s.triggerRestore()
			return errors.New("redis holds no canvas (restoring from PostgreSQL)")
		}
		reply, err := redis.Strings(c.Do("CONFIG", "GET", "maxmemory-policy"))
		if err == nil && len(reply) == 2 {
			policy = reply[1]
		}
		// A write probe: a Redis that answers reads but refuses writes
		// (maxmemory reached: OOM) cannot take placements.
		if _, err := c.Do("SET", s.keys.readyProbe(s.consumer), time.Now().UnixMilli(), "PX", 60000); err != nil {
			return err
		}
		// A Redis that refuses CONFIG (managed services rename it) cannot be
		// checked; it is not reported as wrong.
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if policy != "" && policy != "noeviction" {
		return fmt.Errorf("redis maxmemory-policy is %q; cluster mode needs noeviction (an evicted key loses cooldowns or history)", policy)
	}
	pctx, cancel := context.WithTimeout(ctx, pgReadTimeout)
	defer cancel()
	if err := s.pg.Ping(pctx); err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	return nil
}
