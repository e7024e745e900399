package cluster

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// NoteDevice implements place.Devices.
func (s *Devices) NoteDevice(ctx context.Context, userID, deviceID string, now time.Time) error {
	pctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	tag, err := s.db.pg.Exec(pctx, `INSERT INTO user_devices (user_id, device_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		userID, deviceID, now)
	if err != nil {
		return pgError(err)
	}
	if tag.RowsAffected() == 0 {
		return nil // known: its ban is already in step
	}
	return s.SyncDeviceBans(ctx, userID)
}

// SyncDeviceBans implements place.Devices: the ban set in Redis, which
// every instance's placements check, follows the bans in PostgreSQL.
func (s *Devices) SyncDeviceBans(ctx context.Context, userID string) error {
	pctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(pctx, `SELECT d.device_id, bool_or(u.banned)
FROM user_devices d
JOIN user_devices o ON o.device_id = d.device_id
JOIN users u ON u.id = o.user_id
WHERE d.user_id = $1
GROUP BY d.device_id`, userID)
	if err != nil {
		return pgError(err)
	}
	type deviceBan struct {
		Device string
		Banned bool
	}
	bans, err := pgx.CollectRows(rows, pgx.RowToStructByPos[deviceBan])
	if err != nil {
		return pgError(err)
	}
	for _, b := range bans {
		if err := s.db.setBanned(ctx, place.DeviceKey(b.Device), b.Banned); err != nil {
			return err
		}
	}
	return nil
}

// bannedDevicesQuery lists every device a banned user has used (put in the
// ban set when Redis is restored).
const bannedDevicesQuery = `SELECT DISTINCT d.device_id, true FROM user_devices d JOIN users u ON u.id = d.user_id WHERE u.banned`
