package embedded

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/placecanvas/place"
)

// sessionStore is an scs.Store over the SQLite database.
type sessionStore struct {
	db, rdb *sql.DB
}

func (ss *sessionStore) Find(token string) ([]byte, bool, error) {
	var data []byte
	err := ss.rdb.QueryRow(`SELECT data FROM sessions WHERE token = ? AND expiry > ?`, token, time.Now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

func (ss *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	_, err := ss.db.Exec(`INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?) ON CONFLICT(token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, b, expiry.UnixMilli())
	return writeError(err)
}

func (ss *sessionStore) Delete(token string) error {
	_, err := ss.db.Exec(`DELETE FROM sessions WHERE token = ?`, token)
	return err
}

func (ss *sessionStore) cleanup(stop <-chan struct{}) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			now := time.Now().UnixMilli()
			_, _ = ss.db.Exec(`DELETE FROM sessions WHERE expiry <= ?`, now)
			_, _ = ss.db.Exec(`DELETE FROM user_sessions WHERE expiry <= ?`, now)
		}
	}
}

// AddUserSession implements place.SessionIndex.
func (s *SessionIndex) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	_, err := s.db.wdb.ExecContext(ctx, `INSERT INTO user_sessions (user_id, token, expiry) VALUES (?, ?, ?) ON CONFLICT(user_id, token) DO UPDATE SET expiry = excluded.expiry`, userID, token, expiry.UnixMilli())
	return writeError(err)
}

// RemoveUserSession implements place.SessionIndex.
func (s *SessionIndex) RemoveUserSession(ctx context.Context, userID, token string) error {
	_, err := s.db.wdb.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = ? AND token = ?`, userID, token)
	return err
}

// UserSessions implements place.SessionIndex.
func (s *SessionIndex) UserSessions(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT token FROM user_sessions WHERE user_id = ? AND expiry > ?`, userID, time.Now().UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// PublishKick implements place.Kicks within the one process.
func (s *Notices) PublishKick(ctx context.Context, k place.Kick) error {
	return s.PublishNotice(ctx, place.KickNotice(k))
}

// SubscribeKicks implements place.Kicks.
func (s *Notices) SubscribeKicks(ctx context.Context, fn func(place.Kick)) error {
	return s.SubscribeNotices(ctx, func(n place.Notice) {
		if k, ok := n.Kick(); ok {
			fn(k)
		}
	})
}

// PublishNotice implements place.Notices within the one process: every
// subscriber gets the notice before it returns.
func (s *Notices) PublishNotice(ctx context.Context, n place.Notice) error {
	return s.db.publishNotice(ctx, n)
}

func (s *db) publishNotice(_ context.Context, n place.Notice) error {
	s.noticesMu.Lock()
	subs := make([]func(place.Notice), 0, len(s.noticeSubs))
	for _, fn := range s.noticeSubs {
		subs = append(subs, fn)
	}
	s.noticesMu.Unlock()
	for _, fn := range subs {
		fn(n)
	}
	return nil
}

// SubscribeNotices implements place.Notices.
func (s *Notices) SubscribeNotices(ctx context.Context, fn func(place.Notice)) error {
	s.db.noticesMu.Lock()
	id := s.db.noticeNext
	s.db.noticeNext++
	s.db.noticeSubs[id] = fn
	s.db.noticesMu.Unlock()
	<-ctx.Done()
	s.db.noticesMu.Lock()
	delete(s.db.noticeSubs, id)
	s.db.noticesMu.Unlock()
	return nil
}

type counter struct {
	n   int64
	end time.Time
}

type counterMap struct {
	mu sync.Mutex
	m  map[string]counter
}

// Incr implements place.Counters in memory (one process holds them all).
func (s *Counters) Incr(_ context.Context, key string, window time.Duration, now time.Time) (int64, time.Time, error) {
	s.db.counters.mu.Lock()
	defer s.db.counters.mu.Unlock()
	c := s.db.counters.m[key]
	if !now.Before(c.end) {
		c = counter{end: now.Add(window)}
	}
	c.n++
	s.db.counters.m[key] = c
	s.db.counters.prune(now)
	return c.n, c.end, nil
}

// prune drops ended windows once the map grows large; mu must be held.
func (cm *counterMap) prune(now time.Time) {
	if len(cm.m) <= 100_000 {
		return
	}
	for k, v := range cm.m {
		if !now.Before(v.end) {
			delete(cm.m, k)
		}
	}
}

// Count implements place.Counters.
func (s *Counters) Count(_ context.Context, key string, now time.Time) (int64, time.Time, error) {
	s.db.counters.mu.Lock()
	defer s.db.counters.mu.Unlock()
	c := s.db.counters.m[key]
	if !now.Before(c.end) {
		return 0, time.Time{}, nil
	}
	return c.n, c.end, nil
}

// Reset implements place.Counters.
func (s *Counters) Reset(_ context.Context, key string) error {
	s.db.counters.mu.Lock()
	defer s.db.counters.mu.Unlock()
	delete(s.db.counters.m, key)
	return nil
}
