package place

import (
	"context"
	"net/netip"
	"time"
)

// Secrets keeps server secrets that survive restarts and that every
// instance of a cluster shares.
type Secrets interface {
	// Secret returns the secret of that name. The first call anywhere makes
	// it from size random bytes; every later call, on any instance, gets
	// the same bytes.
	Secret(ctx context.Context, name string, size int) ([]byte, error)
}

// NetworkBan is a moderator's ban of an address or network until a time.
type NetworkBan struct {
	ID        int64
	Network   netip.Prefix
	Reason    string
	ActorID   string
	ActorName string
	CreatedAt time.Time
	EndsAt    time.Time
}

// NetworkBans stores bans of addresses and networks.
type NetworkBans interface {
	// AddNetworkBan stores a ban and returns it with its ID.
	AddNetworkBan(ctx context.Context, b NetworkBan) (NetworkBan, error)
	// LiftNetworkBan ends a ban in force at now (ENOTFOUND when there is
	// none with that id) and returns it as it was.
	LiftNetworkBan(ctx context.Context, id int64, now time.Time) (NetworkBan, error)
	// NetworkBans returns the bans in force at now, newest first.
	NetworkBans(ctx context.Context, now time.Time) ([]NetworkBan, error)
}

// NetworkBanOf returns, of the bans given, the one covering ip that ends
// last.
func NetworkBanOf(bans []NetworkBan, ip netip.Addr) (NetworkBan, bool) {
	var found NetworkBan
	ok := false
	ip = ip.Unmap()
	for _, b := range bans {
		if b.Network.Contains(ip) && (!ok || b.EndsAt.After(found.EndsAt)) {
			found, ok = b, true
		}
	}
	return found, ok
}

// Devices remembers which browsers (device ids) each user has used, so that
// a ban follows the user's browsers: a device is banned while any user seen
// on it is banned (its DeviceKey in the placement ban set, see
// Placer.SetBanned).
type Devices interface {
	// NoteDevice records that the user used the device; a banned user's
	// new device is banned at once.
	NoteDevice(ctx context.Context, userID, deviceID string, now time.Time) error
	// SyncDeviceBans sets the placement ban of each of the user's devices
	// from the bans of every user seen on it (after a ban or unban).
	SyncDeviceBans(ctx context.Context, userID string) error
}
