package handlers

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/budget"
)

// Defaults of the expensive responses' limits (docs/architecture.md,
// "Expensive responses").
const (
	// DefaultCostlyPerMinute is the per-address rate of expensive responses
	// that must be computed (cached ones are free).
	DefaultCostlyPerMinute = 30
	// costlyCacheBytes bounds the cache of computed responses: past
	// canvases, their PNGs and gzips, overlays.
	costlyCacheBytes = 64 << 20
)

// costly is what every expensive response shares: the budget of workers
// and memory it runs under, the cache of results keyed by what they depend
// on, and the per-address rate of the requests that must compute.
type costly struct {
	budget *budget.Budget
	cache  *budget.Cache
	rate   *budget.Rate
}

func newCostly(b *budget.Budget, perMinute int) *costly {
	if b == nil {
		b = budget.New(budget.Options{})
	}
	if perMinute == 0 {
		perMinute = DefaultCostlyPerMinute
	}
	return &costly{budget: b, cache: budget.NewCache(costlyCacheBytes), rate: budget.NewRate(perMinute)}
}

// allowCostly takes one expensive request from the client address's rate:
// 429 RATE_LIMITED with the seconds to wait when it is spent.
func (s *timeTravel) allowCostly(c echo.Context) error {
	ok, wait := s.costly.rate.Allow(ipKey(s.clientIP(c.Request())), s.now())
	if ok {
		return nil
	}
	secs := max(1, int((wait+time.Second-1)/time.Second))
	return &place.Error{Code: place.ERATELIMITED, RemainingSeconds: secs,
		Message: "Too many images and past canvases asked for from your address; wait " + itoa(secs) + " seconds."}
}

// underBudget runs work with a worker and cost bytes of the shared budget:
// 503 SERVICE_UNAVAILABLE with Retry-After when they do not free up soon.
func (s *costly) underBudget(ctx context.Context, cost int64, work func() error) error {
	release, err := s.budget.Acquire(ctx, cost)
	if err != nil {
		return err
	}
	defer release()
	return work()
}

// cachedUnderBudget returns the value cached under key, or computes it
// under the budget (estimated cost bytes) and caches it: once, however
// many requests ask for it meanwhile. compute returns the value and its
// size in bytes. Handlers check the cache and the rate (allowCostly)
// first, so that only requests that make work count.
func cachedUnderBudget[V any](s *costly, ctx context.Context, key string, cost int64, compute func(context.Context) (V, int64, error)) (V, error) {
	return budget.Do(ctx, s.cache, key, func() (V, int64, error) {
		var v V
		var size int64
		err := s.underBudget(ctx, cost, func() (err error) {
			v, size, err = compute(ctx)
			return err
		})
		return v, size, err
	})
}

// cachedValue returns the value cached under key.
func cachedValue[V any](s *costly, key string) (V, bool) {
	return budget.Get[V](s.cache, key)
}
