package handlers

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/placecanvas/place/realtime"
)

// ownWritesWait bounds how long a history read waits for the placements
// this process acknowledged (cluster mode writes history a moment after).
const ownWritesWait = 2 * time.Second

// ownWrites is the read-your-writes wait of the history reads (the pages,
// the API, the live panel): seen is a seq up to which history is known to
// be readable.
type ownWrites struct {
	hub     *realtime.Hub
	history interface {
		WaitHistory(ctx context.Context, seq uint64) error
	}
	log  *slog.Logger
	seen atomic.Uint64
}

// await returns once history includes every placement this process
// has acknowledged, so that a player who placed a pixel finds it in any
// history read that follows (read-your-writes), or after ownWritesWait,
// then serving what there is. Only the first read after a new
// acknowledgement asks the store.
func (s *ownWrites) await(ctx context.Context) {
	seq := s.hub.Acknowledged()
	if seq <= s.seen.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ownWritesWait)
	defer cancel()
	if err := s.history.WaitHistory(ctx, seq); err != nil {
		s.log.Debug("history read without waiting for this instance's placements", "seq", seq, "err", err)
		return
	}
	for {
		seen := s.seen.Load()
		if seen >= seq || s.seen.CompareAndSwap(seen, seq) {
			return
		}
	}
}
