package cluster

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// The join code lives in PostgreSQL with the accounts; every instance
// keeps a copy and reloads it when a join-code notice says it changed.

// JoinCode implements place.JoinCodes.
func (s *JoinCodes) JoinCode(ctx context.Context) (place.JoinCode, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var j place.JoinCode
	err := s.db.pg.QueryRow(ctx, `SELECT code, version FROM join_code WHERE id = 1`).Scan(&j.Code, &j.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return place.JoinCode{}, nil
	}
	if err != nil {
		return j, pgError(err)
	}
	return j, nil
}

// SetJoinCode implements place.JoinCodes.
func (s *JoinCodes) SetJoinCode(ctx context.Context, code string) (place.JoinCode, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	j := place.JoinCode{Code: code}
	err := s.db.pg.QueryRow(ctx, `INSERT INTO join_code (id, code, version) VALUES (1, $1, 1)
		ON CONFLICT (id) DO UPDATE SET code = excluded.code, version = join_code.version + 1
		RETURNING version`, code).Scan(&j.Version)
	if err != nil {
		return j, pgError(err)
	}
	return j, nil
}

// SetJoinedVersion implements place.JoinCodes.
func (s *JoinCodes) SetJoinedVersion(ctx context.Context, userID string, version int64) error {
	return s.db.updateUser(ctx, `UPDATE users SET joined_version = $2 WHERE id = $1`, userID, version)
}

// JoinedVersion implements place.JoinCodes.
func (s *JoinCodes) JoinedVersion(ctx context.Context, userID string) (int64, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var v int64
	err := s.db.pg.QueryRow(ctx, `SELECT joined_version FROM users WHERE id = $1`, userID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, pgError(err)
	}
	return v, nil
}
