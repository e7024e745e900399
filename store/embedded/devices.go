package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/placecanvas/place"
)

// NoteDevice implements place.Devices.
func (s *Devices) NoteDevice(ctx context.Context, userID, deviceID string, now time.Time) error {
	res, err := s.db.wdb.ExecContext(ctx, `INSERT INTO user_devices (user_id, device_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		userID, deviceID, now.UnixMilli())
	if err != nil {
		return writeError(fmt.Errorf("note device: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // known: its ban is already in step
	}
	return s.SyncDeviceBans(ctx, userID)
}

// SyncDeviceBans implements place.Devices.
func (s *Devices) SyncDeviceBans(ctx context.Context, userID string) error {
	rows, err := s.db.wdb.QueryContext(ctx, deviceBansQuery, userID)
	if err != nil {
		return fmt.Errorf("read device bans: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var device string
		var banned bool
		if err := rows.Scan(&device, &banned); err != nil {
			return err
		}
		if err := s.db.setBanned(ctx, place.DeviceKey(device), banned); err != nil {
			return err
		}
	}
	return rows.Err()
}

// deviceBansQuery lists the user's devices, each with whether any user
// seen on it is banned.
const deviceBansQuery = `SELECT d.device_id, MAX(u.banned) != 0
FROM user_devices d
JOIN user_devices o ON o.device_id = d.device_id
JOIN users u ON u.id = o.user_id
WHERE d.user_id = ?
GROUP BY d.device_id`

// bannedDevicesQuery lists every device a banned user has used (loaded
// into the placement ban set at start).
const bannedDevicesQuery = `SELECT DISTINCT d.device_id, 1 FROM user_devices d JOIN users u ON u.id = d.user_id WHERE u.banned = 1`
