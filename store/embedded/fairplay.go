package embedded

import (
	"context"
	"crypto/rand"
	"fmt"
)

// Secret implements place.Secrets.
func (s *Store) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	_, _ = rand.Read(fresh)
	if _, err := s.wdb.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("store secret: %w", err)
	}
	var v []byte
	if err := s.wdb.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	return v, nil
}
