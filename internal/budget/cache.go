package budget

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// Cache keeps the results of expensive work, keyed by everything they
// depend on, least recently used first out, within a bound of bytes. Do
// computes a missing result once however many requests ask for it at the
// same time: the others wait for it.
type Cache struct {
	max int64

	mu    sync.Mutex
	used  int64
	order *list.List // of *entry, most recently used first
	items map[string]*list.Element
	calls map[string]*call
}

type entry struct {
	key  string
	val  any
	size int64
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

// NewCache returns a cache of at most maxBytes (by the sizes that Do's
// compute functions report).
func NewCache(maxBytes int64) *Cache {
	return &Cache{max: maxBytes, order: list.New(), items: map[string]*list.Element{}, calls: map[string]*call{}}
}

// Get returns the value stored under key.
func Get[V any](c *Cache, key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.items[key]
	if !ok {
		return zero, false
	}
	c.order.MoveToFront(el)
	v, ok := el.Value.(*entry).val.(V)
	return v, ok
}

// Do returns the value under key, computing it with compute when missing
// (once, for every caller asking meanwhile). compute returns the value and
// its size in bytes; errors are not kept. A caller whose wait for another
// caller's computation ended with that caller's cancellation computes it
// itself.
func Do[V any](ctx context.Context, c *Cache, key string, compute func() (V, int64, error)) (V, error) {
	var zero V
	for {
		if v, ok := Get[V](c, key); ok {
			return v, nil
		}
		c.mu.Lock()
		if cl, ok := c.calls[key]; ok {
			c.mu.Unlock()
			select {
			case <-cl.done:
			case <-ctx.Done():
				return zero, ctx.Err()
			}
			if cl.err != nil {
				if isCancel(cl.err) && ctx.Err() == nil {
					continue // the computing request went away; try again
				}
				return zero, cl.err
			}
			v, _ := cl.val.(V)
			return v, nil
		}
		cl := &call{done: make(chan struct{})}
		c.calls[key] = cl
		c.mu.Unlock()

		return run(c, key, cl, compute)
	}
}

// run computes the value of cl and hands it to its waiters, also when
// compute panics (the panic goes on to the caller's recovery).
func run[V any](c *Cache, key string, cl *call, compute func() (V, int64, error)) (v V, err error) {
	var size int64
	err = errPanicked
	defer func() {
		cl.val, cl.err = v, err
		c.mu.Lock()
		delete(c.calls, key)
		if err == nil {
			c.put(key, v, size)
		}
		c.mu.Unlock()
		close(cl.done)
	}()
	v, size, err = compute()
	return v, err
}

var errPanicked = errors.New("budget: the computation panicked")

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// put stores val (c.mu held); a value larger than the whole cache is not kept.
func (c *Cache) put(key string, val any, size int64) {
	if size > c.max {
		return
	}
	if el, ok := c.items[key]; ok {
		c.used -= el.Value.(*entry).size
		c.order.Remove(el)
		delete(c.items, key)
	}
	for c.used+size > c.max {
		last := c.order.Back()
		e := last.Value.(*entry)
		c.order.Remove(last)
		delete(c.items, e.key)
		c.used -= e.size
	}
	c.items[key] = c.order.PushFront(&entry{key: key, val: val, size: size})
	c.used += size
}

// Size returns the bytes held and the number of entries.
func (c *Cache) Size() (bytes int64, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, len(c.items)
}
