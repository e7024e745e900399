package app

import (
	"context"
	"time"

	"github.com/placecanvas/place"
)

// notice hands a notice to whom it is for: a kick to the hub, an event
// change to the event, a growth to the live canvas, a team change to the
// roster, a join code change to the gate.
func (a *App) notice(n place.Notice) {
	if k, ok := n.Kick(); ok {
		a.Hub.Kick(k)
		return
	}
	if n.Kind == place.NoticeEvent {
		a.Event.Changed() // the event's state changed elsewhere: load it again
		return
	}
	if n.Kind == place.NoticeGrow {
		go a.grown() // reads the store: not on the notice reader
		return
	}
	if a.Teams.OnNotice(n) {
		return
	}
	a.Join.OnNotice(n)
}

// grown applies a growth made on any instance (a notice of kind
// place.NoticeGrow) to this instance's live canvas: the size is read from
// the store, which recorded it before the notice was published, so that a
// late or repeated notice never shrinks anything. Connected clients get
// resize at the next flush.
func (a *App) grown() {
	for attempt := 0; attempt < 10; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		sz, err := a.Store.Sizes.CanvasSize(ctx)
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
