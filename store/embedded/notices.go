package embedded

import (
	"context"

	"github.com/placecanvas/place"
)

// PublishNotice implements place.Notices within the one process: every
// subscriber gets the notice before it returns.
func (s *Notices) PublishNotice(ctx context.Context, n place.Notice) error {
	return s.db.publishNotice(ctx, n)
}

func (s *db) publishNotice(_ context.Context, n place.Notice) error {
	s.noticesMu.Lock()
	subs := make([]func(place.Notice), 0, len(s.noticeSubs))
	for _, fn := range s.noticeSubs {
		subs = append(subs, fn)
	}
	s.noticesMu.Unlock()
	for _, fn := range subs {
		fn(n)
	}
	return nil
}

// SubscribeNotices implements place.Notices.
func (s *Notices) SubscribeNotices(ctx context.Context, fn func(place.Notice)) error {
	s.db.noticesMu.Lock()
	id := s.db.noticeNext
	s.db.noticeNext++
	s.db.noticeSubs[id] = fn
	s.db.noticesMu.Unlock()
	place.Subscribed(ctx)
	<-ctx.Done()
	s.db.noticesMu.Lock()
	delete(s.db.noticeSubs, id)
	s.db.noticesMu.Unlock()
	return nil
}
