// Package embedded is the single-process store: canvas, cooldowns and the
// sequence live in memory; history, users, sessions and canvas snapshots live
// in a SQLite file (pure Go driver, WAL, group commit).
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/live"
	"github.com/placecanvas/place/migrations"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Options configure Open.
type Options struct {
	DataDir string
	Config  place.Config
	Logger  *slog.Logger
	// SnapshotEvery is the number of placements between canvas snapshots
	// (default 50,000); a snapshot is also taken after SnapshotInterval
	// (default 1 minute) when anything changed.
	SnapshotEvery    int
	SnapshotInterval time.Duration
	// Live is the process's live canvas, which the store loads at open and
	// applies every batch to at commit, before acknowledging it (nil: the
	// store keeps one of its own).
	Live *live.Canvas
	// Cooldown, when set, gives the cooldown of each placement (the event's
	// live setting) instead of Config.Cooldown.
	Cooldown func() time.Duration
	// Charges, when set, gives the charges a player may store (the
	// event's live setting; 1 without it).
	Charges func() int
	// AnySize takes the canvas size from the stored data instead of
	// refusing a different Config size, and records none in an empty
	// database; for tools that never touch the canvas (place admin).
	AnySize bool
	// CommitGap, when set, gives the shortest time between the starts of
	// two group commits (realtime.Hub.CommitGap; 0: commit as soon as the
	// last one ends). What arrives meanwhile shares the next commit, so a
	// large audience's placements cost one commit a broadcast rather than
	// several, and each commit's placements leave in one flush.
	CommitGap func() time.Duration
}

// db is the connection the role services share (roles.go): the SQLite
// database, the live state in memory (cooldowns, bans, the sequence, the
// placements not yet committed) and the writer goroutine that commits them.
type db struct {
	cfg  place.Config
	log  *slog.Logger
	opts Options

	wdb *sql.DB // the single writer connection
	rdb *sql.DB // readers (WAL allows them beside the writer)

	// Live state, guarded by mu: includes placements not yet committed
	// (their pixels reach a canvas only once committed: see publish).
	mu        sync.Mutex
	seq       uint64
	cooldowns map[string]time.Time
	// budgets are the address budgets' slots (place.AddressBudget), made
	// on first use (see takeBudgetLocked).
	budgets       map[string][]time.Time
	budgetsPruned time.Time
	banned        map[string]bool
	pending       []place.Placement
	batch         *commitBatch
	wake          chan struct{}

	// live is the canvas as committed, with the replay ring (see publish).
	live *live.Canvas
	// Committed seq, guarded by cmu, for Follow.
	cmu          sync.RWMutex
	committedSeq uint64
	changed      chan struct{} // closed and replaced after every commit
	recent       recentFeed    // the latest committed placements, for the feed

	noticesMu  sync.Mutex
	noticeSubs map[int]func(place.Notice)
	noticeNext int

	counters counterMap

	sessions *sessionStore

	stop     chan struct{}
	stopped  chan struct{}
	closeMu  sync.Mutex
	closed   bool
	commitFn func(ctx context.Context, batch []place.Placement) error // replaced in tests

	insertStmt *sql.Stmt // prepared on first use by the writer goroutine
}

// commitBatch is closed (done) once the placements queued with it are
// committed.
type commitBatch struct {
	done chan struct{}
}

// Open opens (creating if needed) the database in opts.DataDir, applies the
// migrations, checks the canvas size against stored data and rebuilds the
// canvas from the latest snapshot plus later placements.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SnapshotEvery <= 0 {
		opts.SnapshotEvery = 50_000
	}
	if opts.SnapshotInterval <= 0 {
		opts.SnapshotInterval = time.Minute
	}
	if opts.Live == nil {
		opts.Live = live.New(opts.Config.Width, opts.Config.Height)
	}
	if opts.DataDir == "" {
		opts.DataDir = "data"
	}
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(opts.DataDir, "place.db")
	wdb, err := openDB(path, 1, writerPragmas...)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, wdb); err != nil {
		wdb.Close()
		return nil, err
	}
	rdb, err := openDB(path, 8)
	if err != nil {
		wdb.Close()
		return nil, err
	}
	s := &db{
		cfg:        opts.Config,
		log:        opts.Logger,
		opts:       opts,
		live:       opts.Live,
		wdb:        wdb,
		rdb:        rdb,
		cooldowns:  make(map[string]time.Time),
		banned:     make(map[string]bool),
		batch:      &commitBatch{done: make(chan struct{})},
		wake:       make(chan struct{}, 1),
		changed:    make(chan struct{}),
		noticeSubs: make(map[int]func(place.Notice)),
		stop:       make(chan struct{}),
		stopped:    make(chan struct{}),
	}
	s.counters.m = make(map[string]counter)
	s.commitFn = s.insertBatch
	s.sessions = &sessionStore{db: wdb, rdb: rdb}
	if err := s.load(ctx); err != nil {
		wdb.Close()
		rdb.Close()
		return nil, err
	}
	go s.writer()
	go s.sessions.cleanup(s.stop)
	return newStore(s), nil
}

// writerPragmas tune the single writer connection for the history's
// random index inserts: each placement lands on a random page of the pixel
// and user indexes, so the cost of a commit is the pages it dirties, which
// are written to the WAL and copied into the database by a checkpoint.
// Checkpointing every 8,000 pages (~32 MiB of WAL) instead of 1,000 copies
// an index page that many commits wrote once per checkpoint rather than
// once per few commits. (A larger page cache than the default 2 MiB made
// no difference the measurements could separate from the noise, and it
// counts toward the process's memory.)
var writerPragmas = []string{"wal_autocheckpoint(8000)"}

func openDB(path string, conns int, pragmas ...string) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
	for _, p := range pragmas {
		dsn += "&_pragma=" + p
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	return db, nil
}

// Migrate applies the SQLite migrations that have not run yet (see
// package migrations).
func Migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations.Load(migrations.SQLite, "sqlite")
	if err != nil {
		return err
	}
	return migrations.Run(ctx, sqlMigrator{db}, migrations.SQLiteDialect, ms)
}

// sqlMigrator adapts database/sql to the migration runner.
type sqlMigrator struct{ db *sql.DB }

func (m sqlMigrator) Exec(ctx context.Context, q string, args ...any) error {
	_, err := m.db.ExecContext(ctx, q, args...)
	return err
}

func (m sqlMigrator) Strings(ctx context.Context, q string) ([]string, error) {
	rows, err := m.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (m sqlMigrator) Begin(ctx context.Context) (migrations.Tx, error) {
	tx, err := m.db.BeginTx(ctx, nil)
	return sqlTx{tx}, err
}

type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Exec(ctx context.Context, q string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, q, args...)
	return err
}
func (t sqlTx) Commit(context.Context) error   { return t.tx.Commit() }
func (t sqlTx) Rollback(context.Context) error { return t.tx.Rollback() }

// MigrateDir applies the migrations to the database in dataDir (for `place migrate`).
func MigrateDir(ctx context.Context, dataDir string) error {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	db, err := openDB(filepath.Join(dataDir, "place.db"), 1)
	if err != nil {
		return err
	}
	defer db.Close()
	return Migrate(ctx, db)
}

// load reads the stored size and rebuilds the live state.
func (s *db) load(ctx context.Context) error {
	if err := s.loadSize(ctx); err != nil {
		return err
	}
	canvas := make([]byte, s.cfg.Width*s.cfg.Height)
	var snapSeq uint64
	var snapW, snapH int
	var data []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT seq, width, height, data FROM snapshots ORDER BY seq DESC LIMIT 1`).Scan(&snapSeq, &snapW, &snapH, &data)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("read snapshot: %w", err)
	case len(data) != snapW*snapH:
		return fmt.Errorf("snapshot at seq %d has %d bytes of a %dx%d canvas", snapSeq, len(data), snapW, snapH)
	default:
		// A snapshot taken before a growth is laid out on the grown canvas;
		// one taken before a growth was undone is cropped (nothing was
		// placed in the area the growth added: see UndoGrowth).
		canvas = place.Relayout(data, place.Size{Width: snapW, Height: snapH}, s.cfg.Size())
		s.seq = snapSeq
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT seq, x, y, color FROM placements WHERE seq > ? ORDER BY seq`, snapSeq)
	if err != nil {
		return fmt.Errorf("replay placements: %w", err)
	}
	for rows.Next() {
		var p place.Placement
		if err := rows.Scan(&p.Seq, &p.X, &p.Y, &p.Color); err != nil {
			rows.Close()
			return err
		}
		if !s.cfg.Size().Contains(p.X, p.Y) {
			rows.Close()
			return fmt.Errorf("placement %d at %d,%d is outside the stored %dx%d canvas", p.Seq, p.X, p.Y, s.cfg.Width, s.cfg.Height)
		}
		canvas[p.Y*s.cfg.Width+p.X] = p.Color
		s.seq = p.Seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	s.committedSeq = s.seq
	if err := s.loadLive(ctx, canvas); err != nil {
		return err
	}
	return s.loadRules(ctx)
}

// loadLive starts the live canvas from canvas at the last seq and fills its
// replay ring with the latest placements, so that clients can resume from
// a seq at once after a restart.
func (s *db) loadLive(ctx context.Context, canvas []byte) error {
	s.live.Reset(canvas, s.cfg.Size(), s.seq)
	after := uint64(0)
	if s.seq >= live.RingSize {
		after = s.seq - (live.RingSize - 1)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT seq, x, y, color FROM placements WHERE seq > ? ORDER BY seq`, int64(after))
	if err != nil {
		return fmt.Errorf("read recent placements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p place.Placement
		if err := rows.Scan(&p.Seq, &p.X, &p.Y, &p.Color); err != nil {
			return err
		}
		if !s.live.Remember(p, after) {
			s.log.Warn("replay ring not filled: history has gaps", "expected", after+1, "got", p.Seq)
			return nil
		}
		after = p.Seq
	}
	return rows.Err()
}

// Ready reports whether the database answers and takes a write.
func (s *db) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.rdb.PingContext(ctx); err != nil {
		return err
	}
	return writeError(s.probeWrite(ctx))
}

// probeWrite commits a write that needs 64 KiB of free pages in the
// database (a row of that size, deleted in the same transaction, whose
// pages stay free for the next writes): it fails, as the next guests and
// sessions soon would, when the disk is full or the database cannot grow.
func (s *db) probeWrite(ctx context.Context) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES ('ready_probe', zeroblob(65536))`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = 'ready_probe'`); err != nil {
		return err
	}
	return tx.Commit()
}

// Close stops accepting placements, commits what is pending, takes a final
// snapshot and closes the database.
func (s *db) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	s.closeMu.Unlock()
	close(s.stop)
	<-s.stopped
	if s.insertStmt != nil {
		_ = s.insertStmt.Close()
	}
	err1 := s.wdb.Close()
	err2 := s.rdb.Close()
	return errors.Join(err1, err2)
}
