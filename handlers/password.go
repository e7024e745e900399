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

// bcryptPerClient is how many password checks or hashes one client address
// (IPv6: /64) may have under way at once. The rest are answered at once
// with TOO_MANY_ATTEMPTS rather than queued, so that a burst from one
// address holds at most this many of the bcryptSlots and others' logins
// wait for at most one hash.
const bcryptPerClient = 1

// passwords hashes and checks passwords with bcrypt behind a semaphore.
type passwords struct {
	cost  int
	slots chan struct{}

	clientsMu sync.Mutex
	clients   map[string]int // work under way per client address key

	dummyOnce sync.Once
	dummy     []byte
}

func newPasswords(cost int) *passwords {
	return &passwords{cost: cost, slots: make(chan struct{}, bcryptSlots), clients: make(map[string]int)}
}

var errPasswordBusy = &place.Error{
	Code:             place.ETOOMANYATTEMPTS,
	Message:          "Another password from your address is being checked; try again in a moment.",
	RemainingSeconds: 1,
}

// claim reserves one of the client's bcryptPerClient places, or answers
// TOO_MANY_ATTEMPTS at once; release gives it back.
func (p *passwords) claim(client string) (release func(), err error) {
	p.clientsMu.Lock()
	defer p.clientsMu.Unlock()
	if p.clients[client] >= bcryptPerClient {
		return nil, errPasswordBusy
	}
	p.clients[client]++
	return func() {
		p.clientsMu.Lock()
		defer p.clientsMu.Unlock()
		if p.clients[client]--; p.clients[client] <= 0 {
			delete(p.clients, client)
		}
	}, nil
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
