package cluster

import (
	"context"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
)

// AddUserSession records that token is one of the user's sessions until expiry.
func (s *SessionIndex) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	return s.db.do(ctx, func(c redis.Conn) error {
		_, err := addSessionScript.Do(c, s.db.keys.userSessions(userID), token, expiry.UnixMilli(), time.Now().UnixMilli())
		return err
	})
}

// RemoveUserSession forgets one of the user's sessions.
func (s *SessionIndex) RemoveUserSession(ctx context.Context, userID, token string) error {
	return s.db.do(ctx, func(c redis.Conn) error {
		_, err := c.Do("ZREM", s.db.keys.userSessions(userID), token)
		return err
	})
}

// UserSessions returns the user's unexpired session tokens.
func (s *SessionIndex) UserSessions(ctx context.Context, userID string) ([]string, error) {
	var tokens []string
	err := s.db.do(ctx, func(c redis.Conn) error {
		var err error
		tokens, err = redis.Strings(c.Do("ZRANGE", s.db.keys.userSessions(userID), "("+itoa(time.Now().UnixMilli()), "+inf", "BYSCORE"))
		return err
	})
	return tokens, err
}

// itoa formats the int64s used in Redis arguments.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
