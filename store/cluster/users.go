package cluster

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

const userColumns = `id, username, password_hash, is_guest, is_admin, banned, ban_reason, created_at`

func scanUser(row pgx.Row) (place.User, error) {
	var u place.User
	err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.IsGuest, &u.IsAdmin, &u.Banned, &u.BanReason, &u.CreatedAt)
	return u, err
}

// guestName returns Guest_ and six random letters or digits.
func guestName() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		// 62 does not divide 256; the slight bias does not matter for names.
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "Guest_" + string(b)
}

// CreateGuest stores a guest under a random free Guest_XXXXXX name.
func (s *Users) CreateGuest(ctx context.Context, now time.Time) (place.User, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	for range 10 {
		name := guestName()
		u, err := scanUser(s.db.pg.QueryRow(ctx, `INSERT INTO users (id, username, username_lower, is_guest, created_at)
			VALUES ($1, $2, $3, true, $4) RETURNING `+userColumns, randomID(10), name, strings.ToLower(name), now))
		if isUniqueViolation(err) {
			continue
		}
		return u, pgError(err)
	}
	return place.User{}, place.Errorf(place.EINTERNAL, "could not find a free guest name")
}

// UserByID returns the user with that id (ENOTFOUND if none).
func (s *Users) UserByID(ctx context.Context, id string) (place.User, error) {
	return s.oneUser(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
}

// UserByName returns the user with that name, compared case-insensitively.
func (s *Users) UserByName(ctx context.Context, name string) (place.User, error) {
	return s.oneUser(ctx, `SELECT `+userColumns+` FROM users WHERE username_lower = $1`, strings.ToLower(name))
}

func (s *Users) oneUser(ctx context.Context, sql string, args ...any) (place.User, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	u, err := scanUser(s.db.pg.QueryRow(ctx, sql, args...))
	if err == pgx.ErrNoRows {
		return place.User{}, place.Errorf(place.ENOTFOUND, "No such user.")
	}
	return u, pgError(err)
}

func usernameTaken() error {
	return place.Errorf(place.EUSERNAMETAKEN, "That username is taken.")
}

// CreateAccount stores a registered user.
func (s *Users) CreateAccount(ctx context.Context, username string, passwordHash []byte, now time.Time) (place.User, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	u, err := scanUser(s.db.pg.QueryRow(ctx, `INSERT INTO users (id, username, username_lower, password_hash, is_guest, created_at)
		VALUES ($1, $2, $3, $4, false, $5) RETURNING `+userColumns, randomID(10), username, strings.ToLower(username), passwordHash, now))
	if isUniqueViolation(err) {
		return place.User{}, usernameTaken()
	}
	return u, pgError(err)
}

// UpgradeGuest turns a guest into a registered account with the same id,
// so that its placements and cooldown stay its own.
func (s *Users) UpgradeGuest(ctx context.Context, guestID, username string, passwordHash []byte) (place.User, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	u, err := scanUser(s.db.pg.QueryRow(ctx, `UPDATE users SET username = $2, username_lower = $3, password_hash = $4, is_guest = false
		WHERE id = $1 AND is_guest RETURNING `+userColumns, guestID, username, strings.ToLower(username), passwordHash))
	switch {
	case isUniqueViolation(err):
		return place.User{}, usernameTaken()
	case err == pgx.ErrNoRows:
		return place.User{}, place.Errorf(place.ENOTFOUND, "No such guest.")
	}
	return u, pgError(err)
}

// SetAdmin grants or revokes moderation rights.
func (s *Users) SetAdmin(ctx context.Context, userID string, admin bool) error {
	return s.db.updateUser(ctx, `UPDATE users SET is_admin = $2 WHERE id = $1`, userID, admin)
}

// SetBan records a ban or lifts it, and updates the set that placements
// check, so that the ban holds at once on every instance.
func (s *Users) SetBan(ctx context.Context, userID string, banned bool, reason string) error {
	if !banned {
		reason = ""
	}
	if err := s.db.updateUser(ctx, `UPDATE users SET banned = $2, ban_reason = $3 WHERE id = $1`, userID, banned, reason); err != nil {
		return err
	}
	return s.db.setBanned(ctx, userID, banned)
}

func (s *db) updateUser(ctx context.Context, sql string, args ...any) error {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	tag, err := s.pg.Exec(ctx, sql, args...)
	if err != nil {
		return pgError(err)
	}
	if tag.RowsAffected() == 0 {
		return place.Errorf(place.ENOTFOUND, "No such user.")
	}
	return nil
}

// SearchUsers finds users whose name contains q (case-insensitively): an
// exact match first, then registered users before guests, by name.
func (s *Users) SearchUsers(ctx context.Context, q string, limit int) ([]place.User, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	q = strings.ToLower(q)
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	rows, err := s.db.pg.Query(ctx, `SELECT `+userColumns+` FROM users
		WHERE username_lower LIKE $1
		ORDER BY username_lower = $2 DESC, is_guest, username_lower LIMIT $3`, pattern, q, clampLimit(limit))
	if err != nil {
		return nil, pgError(err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (place.User, error) { return scanUser(r) })
	return users, pgError(err)
}

// AddAudit appends an entry to the audit log.
func (s *Users) AddAudit(ctx context.Context, e place.AuditEntry) error {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := s.db.pg.Exec(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, action, target_id, target_name, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.At, e.ActorID, e.ActorName, e.Action, e.TargetID, e.TargetName, e.Detail)
	return pgError(err)
}

// AuditLog returns entries with ID < before (0: no bound), newest first.
func (s *Users) AuditLog(ctx context.Context, before int64, limit int) ([]place.AuditEntry, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, `SELECT id, at, actor_id, actor_name, action, target_id, target_name, detail
		FROM audit_log WHERE ($1::bigint = 0 OR id < $1::bigint) ORDER BY id DESC LIMIT $2`, before, clampLimit(limit))
	if err != nil {
		return nil, pgError(err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (place.AuditEntry, error) {
		var e place.AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.TargetID, &e.TargetName, &e.Detail)
		return e, err
	})
	return entries, pgError(err)
}
