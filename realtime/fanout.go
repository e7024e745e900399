package realtime

import "sync"

// Fanout hands every value sent to it to each subscriber's channel. A
// subscriber whose channel is full is dropped (its channel closed) rather
// than holding up the others: it resumes on its own, by seq or by
// reconnecting. Both the pixel stream and the live panels use it.
type Fanout[T any] struct {
	size   int
	mu     sync.Mutex
	subs   map[<-chan T]chan T
	closed bool
}

// NewFanout returns a Fanout whose subscribers buffer size values.
func NewFanout[T any](size int) *Fanout[T] {
	return &Fanout[T]{size: size, subs: make(map[<-chan T]chan T)}
}

// Subscribe adds a subscriber whose channel starts with first. Once the
// Fanout is closed, the channel comes back closed and ok is false.
func (f *Fanout[T]) Subscribe(first ...T) (ch <-chan T, ok bool) {
	c := make(chan T, max(f.size, len(first)))
	for _, v := range first {
		c <- v
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		close(c)
		return c, false
	}
	f.subs[c] = c
	return c, true
}

// Unsubscribe removes a subscriber and closes its channel.
func (f *Fanout[T]) Unsubscribe(ch <-chan T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.subs[ch]; ok {
		delete(f.subs, ch)
		close(c)
	}
}

// Send offers v to every subscriber without waiting.
func (f *Fanout[T]) Send(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, c := range f.subs {
		select {
		case c <- v:
		default:
			delete(f.subs, k)
			close(c)
		}
	}
}

// Len returns the number of subscribers.
func (f *Fanout[T]) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// Close ends every subscription and refuses new ones.
func (f *Fanout[T]) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for k, c := range f.subs {
		delete(f.subs, k)
		close(c)
	}
}
