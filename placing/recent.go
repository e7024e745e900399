package placing

import "github.com/placecanvas/place/fairplay"

// remember records an accepted placement's identity, address and device
// for /admin/suspects.
func (s *Service) remember(a Attempt) {
	m := fairplay.Mark{At: a.At, UserID: a.UserID, Device: a.Device, X: a.X, Y: a.Y}
	if a.IP.IsValid() {
		m.Addr = AddressKey(a.IP)
	}
	s.recent.Add(m)
}

// Recent is the last hour's accepted placements of this instance, by
// address and device (see fairplay.Recent).
func (s *Service) Recent() *fairplay.Recent { return s.recent }
