package embedded

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/placecanvas/place"
)

// Secret implements place.Secrets.
func (s *Secrets) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	_, _ = rand.Read(fresh)
	if _, err := s.db.wdb.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING`, name, fresh); err != nil {
		return nil, writeError(fmt.Errorf("store secret: %w", err))
	}
	var v []byte
	if err := s.db.wdb.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	return v, nil
}

// AddNetworkBan implements place.NetworkBans.
func (s *NetworkBans) AddNetworkBan(ctx context.Context, b place.NetworkBan) (place.NetworkBan, error) {
	b.CreatedAt, b.EndsAt = b.CreatedAt.UTC().Truncate(time.Millisecond), b.EndsAt.UTC().Truncate(time.Millisecond)
	res, err := s.db.wdb.ExecContext(ctx, `INSERT INTO network_bans (network, reason, actor_id, actor_name, created_at, ends_at) VALUES (?, ?, ?, ?, ?, ?)`,
		b.Network.String(), b.Reason, b.ActorID, b.ActorName, b.CreatedAt.UnixMilli(), b.EndsAt.UnixMilli())
	if err != nil {
		return place.NetworkBan{}, writeError(fmt.Errorf("store network ban: %w", err))
	}
	b.ID, err = res.LastInsertId()
	return b, err
}

const networkBanColumns = `id, network, reason, actor_id, actor_name, created_at, ends_at`

func scanNetworkBan(r scanner) (place.NetworkBan, error) {
	var b place.NetworkBan
	var network string
	var created, ends int64
	if err := r.Scan(&b.ID, &network, &b.Reason, &b.ActorID, &b.ActorName, &created, &ends); err != nil {
		return b, err
	}
	p, err := netip.ParsePrefix(network)
	if err != nil {
		return b, fmt.Errorf("network ban %d: %w", b.ID, err)
	}
	b.Network, b.CreatedAt, b.EndsAt = p, time.UnixMilli(created).UTC(), time.UnixMilli(ends).UTC()
	return b, nil
}

// LiftNetworkBan implements place.NetworkBans.
func (s *NetworkBans) LiftNetworkBan(ctx context.Context, id int64, now time.Time) (place.NetworkBan, error) {
	b, err := scanNetworkBan(s.db.wdb.QueryRowContext(ctx, `UPDATE network_bans SET ends_at = ? WHERE id = ? AND ends_at > ? RETURNING `+networkBanColumns,
		now.UnixMilli(), id, now.UnixMilli()))
	if errors.Is(err, sql.ErrNoRows) {
		return place.NetworkBan{}, place.Errorf(place.ENOTFOUND, "No such ban in force.")
	}
	if err != nil {
		return place.NetworkBan{}, writeError(fmt.Errorf("lift network ban: %w", err))
	}
	return b, nil
}

// NetworkBans implements place.NetworkBans.
func (s *NetworkBans) NetworkBans(ctx context.Context, now time.Time) ([]place.NetworkBan, error) {
	rows, err := s.db.wdb.QueryContext(ctx, `SELECT `+networkBanColumns+` FROM network_bans WHERE ends_at > ? ORDER BY id DESC`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read network bans: %w", err)
	}
	defer rows.Close()
	var out []place.NetworkBan
	for rows.Next() {
		b, err := scanNetworkBan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
