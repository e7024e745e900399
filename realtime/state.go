package realtime

import (
	"time"

	"github.com/lxzan/gws"

	"github.com/placecanvas/place"
)

// FinalImageURL is where the canvas as it closed is served.
const FinalImageURL = "/api/v1/canvas/final.png"

// StateMessage tells a client the event's state: sent after the canvas on
// connect and to every client whenever it changes (docs/protocol.md). GET
// /api/v1/event answers the same object.
type StateMessage struct {
	Type            string            `json:"type"` // "state"
	State           place.CanvasState `json:"state"`
	OpensAt         *time.Time        `json:"opensAt,omitempty"`
	ClosesAt        *time.Time        `json:"closesAt,omitempty"`
	ClosedAt        *time.Time        `json:"closedAt,omitempty"`
	PauseMessage    string            `json:"pauseMessage,omitempty"`
	CooldownSeconds float64           `json:"cooldownSeconds"`
	Charges         int               `json:"charges"` // the placements a player may store
	GuestPlacement  bool              `json:"guestPlacement"`
	FinalImage      string            `json:"finalImage,omitempty"`
	ServerTime      int64             `json:"serverTime"`
}

// NewStateMessage describes settings st at now, with the cooldown that
// applies now and whether a final image is kept.
func NewStateMessage(st place.Settings, cooldown time.Duration, finalImage bool, now time.Time) StateMessage {
	m := StateMessage{
		Type: "state", State: st.State(now), OpensAt: timePtr(st.OpensAt), ClosesAt: timePtr(st.ClosesAt),
		ClosedAt: timePtr(st.ClosedSince(now)), CooldownSeconds: cooldown.Seconds(), Charges: st.ChargeLimit(),
		GuestPlacement: st.GuestPlacement, ServerTime: now.UnixMilli(),
	}
	if m.State == place.StatePaused {
		m.PauseMessage = st.PauseMessage
	}
	if finalImage && m.State == place.StateClosed {
		m.FinalImage = FinalImageURL
	}
	return m
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// BroadcastState sends the current state message to every connection. The
// broadcaster's lock orders it with joins: a connection that joins while
// the state changes gets the new state either way.
func (h *Hub) BroadcastState() {
	b := h.bc
	if b.state == nil {
		return
	}
	b.mu.Lock()
	frame := newFrame(gws.OpcodeText, b.state())
	targets := b.conns.snapshot(nil)
	b.mu.Unlock()
	b.sendAll(targets, frame)
}

// liveConfig is the canvas configuration with the live canvas's size and
// the cooldown that applies now (Options.Cooldown, the event's live
// setting, when set).
func (h *Hub) liveConfig() place.Config {
	cfg := h.cfg.WithSize(h.opts.Live.Size())
	if h.opts.Cooldown != nil {
		cfg.Cooldown = h.opts.Cooldown()
	}
	return cfg
}
