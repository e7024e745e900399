package handlers

import (
	"context"
	"errors"

	"github.com/placecanvas/place"
)

// userBans bans and unbans users as the user page and the suspects' bulk
// action do: the placement ban, the browsers the user played from, their
// sessions and their open sockets.
type userBans struct {
	moderation Moderation
	devices    place.Devices
	sessionIdx Sessions
	store      place.SessionStore // the session store (the data behind each token)
}

// mark records the ban (with its reason) or lifts it, for placements and
// for the browsers the user played from: a new guest on them cannot place.
func (b *userBans) mark(ctx context.Context, userID string, banned bool, reason string) error {
	if err := b.moderation.SetBan(ctx, userID, banned, reason); err != nil {
		return err
	}
	if err := b.moderation.SetBanned(ctx, userID, banned); err != nil {
		return err
	}
	return b.devices.SyncDeviceBans(ctx, userID)
}

// endSessions deletes every session of the user from the session store,
// through the per-user index rather than a scan of all sessions, and
// returns the tokens it ended.
func (b *userBans) endSessions(ctx context.Context, userID string) ([]string, error) {
	tokens, err := b.sessionIdx.UserSessions(ctx, userID)
	if err != nil {
		return nil, err
	}
	var errs []error
	ended := make([]string, 0, len(tokens))
	for _, t := range tokens {
		if err := b.store.Delete(t); err != nil {
			errs = append(errs, err)
			continue
		}
		ended = append(ended, t)
		if err := b.sessionIdx.RemoveUserSession(ctx, userID, t); err != nil {
			errs = append(errs, err)
		}
	}
	return ended, errors.Join(errs...)
}

// kick closes the banned user's sockets on every instance, telling them
// why. The ended session tokens go with it: a tab that was reconnecting
// as the ban came finds its session gone and would join as a viewer that
// was never told; the hub closes it by the token its browser still sends.
func (b *userBans) kick(ctx context.Context, userID, reason string, ended []string) error {
	return b.sessionIdx.PublishKick(ctx, place.Kick{UserID: userID, Tokens: ended, Reason: "banned", BanMessage: banMessage(reason)})
}

// ban bans one user as the user page does: the marks, then the sessions,
// then the kick. It returns how many sessions ended.
func (b *userBans) ban(ctx context.Context, userID, reason string) (int, error) {
	if err := b.mark(ctx, userID, true, reason); err != nil {
		return 0, err
	}
	ended, sessErr := b.endSessions(ctx, userID)
	if err := b.kick(ctx, userID, reason, ended); err != nil {
		return len(ended), err
	}
	return len(ended), sessErr
}

// banMessage is what a banned player's open tabs show.
func banMessage(reason string) string {
	return "You are banned from placing pixels. Reason given by the moderator: " + reason
}
