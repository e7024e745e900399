package handlers

import (
	"context"
	"time"
)

// ownWritesWait bounds how long a history read waits for the placements
// this process acknowledged (cluster mode writes history a moment after).
const ownWritesWait = 2 * time.Second

// awaitOwnWrites returns once history includes every placement this process
// has acknowledged, so that a player who placed a pixel finds it in any
// history read that follows (read-your-writes), or after ownWritesWait,
// then serving what there is. Only the first read after a new
// acknowledgement asks the store.
func (s *Server) awaitOwnWrites(ctx context.Context) {
	seq := s.hub.Acknowledged()
	if seq <= s.historySeen.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ownWritesWait)
	defer cancel()
	if err := s.history.WaitHistory(ctx, seq); err != nil {
		s.log.Debug("history read without waiting for this instance's placements", "seq", seq, "err", err)
		return
	}
	for {
		seen := s.historySeen.Load()
		if seen >= seq || s.historySeen.CompareAndSwap(seen, seq) {
			return
		}
	}
}
