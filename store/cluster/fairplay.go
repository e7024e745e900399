package cluster

import (
	"context"
	"crypto/rand"
)

// Secret implements place.Secrets in PostgreSQL: the first instance to ask
// stores its random bytes, and every instance reads those.
func (s *Store) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	fresh := make([]byte, size)
	_, _ = rand.Read(fresh)
	if _, err := s.db.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, pgError(err)
	}
	var v []byte
	err := s.db.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	return v, pgError(err)
}
