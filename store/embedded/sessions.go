package embedded

import (
	"context"
	"database/sql"
	"errors"
	"time"
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
