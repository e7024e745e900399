package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/placecanvas/place"
)

// JoinCode implements place.JoinCodes.
func (s *JoinCodes) JoinCode(ctx context.Context) (place.JoinCode, error) {
	var j place.JoinCode
	err := s.db.rdb.QueryRowContext(ctx, `SELECT code, version FROM join_code WHERE id = 1`).Scan(&j.Code, &j.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return place.JoinCode{}, nil
	}
	if err != nil {
		return j, fmt.Errorf("join code: %w", err)
	}
	return j, nil
}

// SetJoinCode implements place.JoinCodes.
func (s *JoinCodes) SetJoinCode(ctx context.Context, code string) (place.JoinCode, error) {
	j := place.JoinCode{Code: code}
	err := s.db.wdb.QueryRowContext(ctx, `INSERT INTO join_code (id, code, version) VALUES (1, ?, 1)
		ON CONFLICT (id) DO UPDATE SET code = excluded.code, version = join_code.version + 1
		RETURNING version`, code).Scan(&j.Version)
	if err != nil {
		return j, writeError(fmt.Errorf("set join code: %w", err))
	}
	return j, nil
}

// SetJoinedVersion implements place.JoinCodes.
func (s *JoinCodes) SetJoinedVersion(ctx context.Context, userID string, version int64) error {
	return s.db.updateUser(ctx, `UPDATE users SET joined_version = ? WHERE id = ?`, version, userID)
}

// JoinedVersion implements place.JoinCodes.
func (s *JoinCodes) JoinedVersion(ctx context.Context, userID string) (int64, error) {
	var v int64
	err := s.db.rdb.QueryRowContext(ctx, `SELECT joined_version FROM users WHERE id = ?`, userID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("joined version: %w", err)
	}
	return v, nil
}
