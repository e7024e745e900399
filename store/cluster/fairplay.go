package cluster

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// Secret implements place.Secrets in PostgreSQL: the first instance to ask
// stores its random bytes, and every instance reads those.
func (s *Secrets) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	fresh := make([]byte, size)
	_, _ = rand.Read(fresh)
	if _, err := s.db.pg.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, pgError(err)
	}
	var v []byte
	err := s.db.pg.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	return v, pgError(err)
}

const networkBanColumns = `id, network, reason, actor_id, actor_name, created_at, ends_at`

func scanNetworkBan(r pgx.Row) (place.NetworkBan, error) {
	var b place.NetworkBan
	var network string
	if err := r.Scan(&b.ID, &network, &b.Reason, &b.ActorID, &b.ActorName, &b.CreatedAt, &b.EndsAt); err != nil {
		return b, err
	}
	p, err := netip.ParsePrefix(network)
	if err != nil {
		return b, fmt.Errorf("network ban %d: %w", b.ID, err)
	}
	b.Network, b.CreatedAt, b.EndsAt = p, b.CreatedAt.UTC(), b.EndsAt.UTC()
	return b, nil
}

// AddNetworkBan implements place.NetworkBans.
func (s *NetworkBans) AddNetworkBan(ctx context.Context, b place.NetworkBan) (place.NetworkBan, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	b, err := scanNetworkBan(s.db.pg.QueryRow(ctx, `INSERT INTO network_bans (network, reason, actor_id, actor_name, created_at, ends_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+networkBanColumns,
		b.Network.String(), b.Reason, b.ActorID, b.ActorName, b.CreatedAt, b.EndsAt))
	return b, pgError(err)
}

// LiftNetworkBan implements place.NetworkBans.
func (s *NetworkBans) LiftNetworkBan(ctx context.Context, id int64, now time.Time) (place.NetworkBan, error) {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	b, err := scanNetworkBan(s.db.pg.QueryRow(ctx, `UPDATE network_bans SET ends_at = $2 WHERE id = $1 AND ends_at > $2 RETURNING `+networkBanColumns, id, now))
	if err == pgx.ErrNoRows {
		return place.NetworkBan{}, place.Errorf(place.ENOTFOUND, "No such ban in force.")
	}
	return b, pgError(err)
}

// NetworkBans implements place.NetworkBans.
func (s *NetworkBans) NetworkBans(ctx context.Context, now time.Time) ([]place.NetworkBan, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	rows, err := s.db.pg.Query(ctx, `SELECT `+networkBanColumns+` FROM network_bans WHERE ends_at > $1 ORDER BY id DESC`, now)
	if err != nil {
		return nil, pgError(err)
	}
	bans, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (place.NetworkBan, error) { return scanNetworkBan(r) })
	return bans, pgError(err)
}
