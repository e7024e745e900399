package place

import "context"

// subscribedKey is the context key of the hook WithSubscribed sets.
type subscribedKey struct{}

// WithSubscribed returns a copy of ctx under which a subscription
// (Notices.SubscribeNotices, Kicks.SubscribeKicks) calls ready once, as
// soon as it listens: every notice published after ready has been called
// reaches it. A caller that must not publish before the subscriber hears
// (a test, or a start-up that announces itself) waits for it instead of
// guessing a delay. Like net/http/httptrace, the hook rides on the context
// so that the store interfaces keep their shape.
func WithSubscribed(ctx context.Context, ready func()) context.Context {
	return context.WithValue(ctx, subscribedKey{}, ready)
}

// Subscribed calls the hook WithSubscribed put on ctx, if any. Stores call
// it once per subscription, when it starts to listen.
func Subscribed(ctx context.Context) {
	if ready, ok := ctx.Value(subscribedKey{}).(func()); ok && ready != nil {
		ready()
	}
}
