package handlers

import (
	"context"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/placecanvas/place"
)

// bcryptSlots bounds concurrent bcrypt work: at cost 12 one hash takes a
// core for a quarter of a second, so a login flood must queue here instead
// of starving placements and broadcasts of CPU.
const bcryptSlots = 2

// bcryptWait is how long a request waits for a slot before it is told to
// come back later.
const bcryptWait = 10 * time.Second

// passwords hashes and checks passwords with bcrypt behind a semaphore.
type passwords struct {
	cost  int
	slots chan struct{}

	dummyOnce sync.Once
	dummy     []byte
}

func newPasswords(cost int) *passwords {
	return &passwords{cost: cost, slots: make(chan struct{}, bcryptSlots)}
}

func (p *passwords) acquire(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, bcryptWait)
	defer cancel()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return place.ErrUnavailable
	}
}

func (p *passwords) release() { <-p.slots }

// hash returns the bcrypt hash of pw, which must already be validated (at
// most 72 bytes: bcrypt would fail or truncate longer ones).
func (p *passwords) hash(ctx context.Context, pw string) ([]byte, error) {
	if err := place.ValidatePassword(pw); err != nil {
		return nil, err
	}
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	return bcrypt.GenerateFromPassword([]byte(pw), p.cost)
}

// check reports whether pw matches hash. An empty hash (unknown user, guest)
// is compared against a dummy hash of the same cost, so that the answer
// takes as long as for a wrong password.
func (p *passwords) check(ctx context.Context, hash []byte, pw string) (bool, error) {
	if len(hash) == 0 {
		p.dummyOnce.Do(func() {
			p.dummy, _ = bcrypt.GenerateFromPassword([]byte("not a password anyone has"), p.cost)
		})
	}
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	if len(hash) == 0 {
		_ = bcrypt.CompareHashAndPassword(p.dummy, []byte(pw))
		return false, nil
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(pw)) == nil, nil
}
