package place

import "context"

// Secrets keeps server secrets that survive restarts and that every
// instance of a cluster shares.
type Secrets interface {
	// Secret returns the secret of that name. The first call anywhere makes
	// it from size random bytes; every later call, on any instance, gets
	// the same bytes.
	Secret(ctx context.Context, name string, size int) ([]byte, error)
}
