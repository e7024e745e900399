package app

import (
	"context"
	"time"
)

// grown applies a growth made on any instance (a notice of kind
// place.NoticeGrow) to this instance's live canvas: the size is read from
// the store, which recorded it before the notice was published, so that a
// late or repeated notice never shrinks anything. Connected clients get
// resize at the next tick.
func (a *App) grown() {
	for attempt := 0; attempt < 10; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		sz, err := a.Store.CanvasSize(ctx)
		cancel()
		if err == nil {
			if a.Hub.Grow(sz) {
				a.log.Info("the canvas grew", "width", sz.Width, "height", sz.Height)
			}
			return
		}
		a.log.Warn("reading the canvas size after a growth failed; retrying", "err", err)
		time.Sleep(500 * time.Millisecond)
	}
}
