package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/placecanvas/place"
)

const userColumns = `id, username, password_hash, is_guest, is_admin, banned, ban_reason, created_at`

func scanUser(r scanner) (place.User, error) {
	var u place.User
	var guest, admin, banned int
	var created int64
	if err := r.Scan(&u.ID, &u.Username, &u.PasswordHash, &guest, &admin, &banned, &u.BanReason, &created); err != nil {
		return u, err
	}
	u.IsGuest, u.IsAdmin, u.Banned = guest != 0, admin != 0, banned != 0
	u.CreatedAt = time.UnixMilli(created).UTC()
	return u, nil
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// CreateGuest implements place.Users.
func (s *Users) CreateGuest(ctx context.Context, now time.Time) (place.User, error) {
	for attempt := 0; attempt < 5; attempt++ {
		u := place.User{ID: place.NewUserID(), Username: place.NewGuestName(), IsGuest: true, CreatedAt: now.UTC().Truncate(time.Millisecond)}
		_, err := s.db.wdb.ExecContext(ctx, `INSERT INTO users (id, username, username_lower, is_guest, created_at) VALUES (?, ?, ?, 1, ?)`,
			u.ID, u.Username, strings.ToLower(u.Username), now.UnixMilli())
		if isUniqueViolation(err) {
			continue
		}
		if err != nil {
			return place.User{}, writeError(fmt.Errorf("create guest: %w", err))
		}
		return u, nil
	}
	return place.User{}, fmt.Errorf("create guest: no free name after 5 attempts")
}

func (s *Users) userWhere(ctx context.Context, where string, arg any) (place.User, error) {
	u, err := scanUser(s.db.rdb.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return place.User{}, place.Errorf(place.ENOTFOUND, "No such user.")
	}
	if err != nil {
		return place.User{}, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// UserByID implements place.Users.
func (s *Users) UserByID(ctx context.Context, id string) (place.User, error) {
	return s.userWhere(ctx, `id = ?`, id)
}

// UserByName implements place.Users.
func (s *Users) UserByName(ctx context.Context, name string) (place.User, error) {
	return s.userWhere(ctx, `username_lower = ?`, strings.ToLower(name))
}

// CreateAccount implements place.Users.
func (s *Users) CreateAccount(ctx context.Context, username string, hash []byte, now time.Time) (place.User, error) {
	u := place.User{ID: place.NewUserID(), Username: username, PasswordHash: hash, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	_, err := s.db.wdb.ExecContext(ctx, `INSERT INTO users (id, username, username_lower, password_hash, is_guest, created_at) VALUES (?, ?, ?, ?, 0, ?)`,
		u.ID, username, strings.ToLower(username), hash, now.UnixMilli())
	if isUniqueViolation(err) {
		return place.User{}, place.Errorf(place.EUSERNAMETAKEN, "That username is taken.")
	}
	if err != nil {
		return place.User{}, writeError(fmt.Errorf("create account: %w", err))
	}
	return u, nil
}

// UpgradeGuest implements place.Users.
func (s *Users) UpgradeGuest(ctx context.Context, guestID, username string, hash []byte) (place.User, error) {
	res, err := s.db.wdb.ExecContext(ctx, `UPDATE users SET username = ?, username_lower = ?, password_hash = ?, is_guest = 0 WHERE id = ? AND is_guest = 1`,
		username, strings.ToLower(username), hash, guestID)
	if isUniqueViolation(err) {
		return place.User{}, place.Errorf(place.EUSERNAMETAKEN, "That username is taken.")
	}
	if err != nil {
		return place.User{}, writeError(fmt.Errorf("upgrade guest: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return place.User{}, place.Errorf(place.ENOTFOUND, "No such guest.")
	}
	return s.UserByID(ctx, guestID)
}

func (s *db) updateUser(ctx context.Context, q string, args ...any) error {
	res, err := s.wdb.ExecContext(ctx, q, args...)
	if err != nil {
		return writeError(fmt.Errorf("update user: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return place.Errorf(place.ENOTFOUND, "No such user.")
	}
	return nil
}

// SetAdmin implements place.Users.
func (s *Users) SetAdmin(ctx context.Context, userID string, admin bool) error {
	return s.db.updateUser(ctx, `UPDATE users SET is_admin = ? WHERE id = ?`, admin, userID)
}

// SetBan implements place.Users.
func (s *Users) SetBan(ctx context.Context, userID string, banned bool, reason string) error {
	if !banned {
		reason = ""
	}
	return s.db.updateUser(ctx, `UPDATE users SET banned = ?, ban_reason = ? WHERE id = ?`, banned, reason, userID)
}

// SearchUsers implements place.Users.
func (s *Users) SearchUsers(ctx context.Context, q string, limit int) ([]place.User, error) {
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE username_lower LIKE ? ESCAPE '\' ORDER BY is_guest, username_lower LIMIT ?`, pattern, limit)
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	defer rows.Close()
	var out []place.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// AddAudit implements place.Users.
func (s *Users) AddAudit(ctx context.Context, e place.AuditEntry) error {
	_, err := s.db.wdb.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, action, target_id, target_name, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.At.UnixMilli(), e.ActorID, e.ActorName, e.Action, e.TargetID, e.TargetName, e.Detail)
	if err != nil {
		return writeError(fmt.Errorf("write audit log: %w", err))
	}
	return nil
}

// AuditLog implements place.Users.
func (s *Users) AuditLog(ctx context.Context, before int64, limit int) ([]place.AuditEntry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT id, at, actor_id, actor_name, action, target_id, target_name, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []place.AuditEntry
	for rows.Next() {
		var e place.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.TargetID, &e.TargetName, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
