package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// Teams and players' choices live in PostgreSQL; each placement carries
// its team through the Redis stream into the placements table.

// inTx runs fn in one PostgreSQL transaction, committed when fn succeeds.
func (s *db) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	ctx, cancel := pgCtx(ctx, pgCallTimeout)
	defer cancel()
	tx, err := s.pg.Begin(ctx)
	if err != nil {
		return pgError(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
	if err := fn(tx); err != nil {
		var pe *place.Error
		if errors.As(err, &pe) {
			return err
		}
		return pgError(err)
	}
	return pgError(tx.Commit(ctx))
}

// CreateTeam implements place.Teams; the table lock makes the count and
// the insert one step, so concurrent creates never pass MaxTeams.
func (s *Teams) CreateTeam(ctx context.Context, name string, color int) (place.Team, error) {
	t := place.Team{Name: name, Color: color}
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE teams IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM teams`).Scan(&n); err != nil {
			return err
		}
		if n >= place.MaxTeams {
			return place.Errorf(place.EVALIDATION, "There are already %d teams, the most there may be.", place.MaxTeams)
		}
		err := tx.QueryRow(ctx, `INSERT INTO teams (name, color) VALUES ($1, $2) RETURNING id`, name, color).Scan(&t.ID)
		if isUniqueViolation(err) {
			return place.TeamNameTaken(name)
		}
		return err
	})
	return t, err
}

// UpdateTeam implements place.Teams.
func (s *Teams) UpdateTeam(ctx context.Context, id int64, name string, color int) (old, updated place.Team, err error) {
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, name, color FROM teams WHERE id = $1 FOR UPDATE`, id).Scan(&old.ID, &old.Name, &old.Color)
		if errors.Is(err, pgx.ErrNoRows) {
			return place.TeamNotFound(id)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE teams SET name = $1, color = $2 WHERE id = $3`, name, color, id)
		if isUniqueViolation(err) {
			return place.TeamNameTaken(name)
		}
		return err
	})
	return old, place.Team{ID: id, Name: name, Color: color}, err
}

// DeleteTeam implements place.Teams.
func (s *Teams) DeleteTeam(ctx context.Context, id int64) (place.Team, error) {
	var t place.Team
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `DELETE FROM teams WHERE id = $1 RETURNING id, name, color`, id).Scan(&t.ID, &t.Name, &t.Color)
		if errors.Is(err, pgx.ErrNoRows) {
			return place.TeamNotFound(id)
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE user_teams SET team_id = NULL WHERE team_id = $1`, id)
		t.Players = tag.RowsAffected()
		return err
	})
	return t, err
}

// teamsQuery lists the teams with their players and their placements
// (placements_team holds only players' own placements, never rollbacks).
const teamsQuery = `SELECT t.id, t.name, t.color,
	(SELECT COUNT(*) FROM user_teams m WHERE m.team_id = t.id),
	(SELECT COUNT(*) FROM placements p WHERE p.team_id = t.id)
	FROM teams t ORDER BY t.id`

// Teams implements place.Teams.
func (s *Teams) Teams(ctx context.Context) ([]place.Team, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	return readTeams(ctx, s.db.pg)
}

type pgQueryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func readTeams(ctx context.Context, q pgQueryer) ([]place.Team, error) {
	rows, err := q.Query(ctx, teamsQuery)
	if err != nil {
		return nil, pgError(err)
	}
	defer rows.Close()
	out := []place.Team{}
	for rows.Next() {
		var t place.Team
		var color int16
		if err := rows.Scan(&t.ID, &t.Name, &color, &t.Players, &t.Placements); err != nil {
			return nil, pgError(err)
		}
		t.Color = int(color)
		out = append(out, t)
	}
	return out, pgError(rows.Err())
}

// UserTeam implements place.Teams.
func (s *Teams) UserTeam(ctx context.Context, userID string) (int64, error) {
	ctx, cancel := pgCtx(ctx, pgReadTimeout)
	defer cancel()
	var id *int64
	err := s.db.pg.QueryRow(ctx, `SELECT team_id FROM user_teams WHERE user_id = $1`, userID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && id == nil) {
		return 0, nil
	}
	if err != nil {
		return 0, pgError(err)
	}
	return *id, nil
}

// SetUserTeam implements place.Teams. A lock on the user's id makes the
// limit check and the write one step; the chosen team's row is held (FOR
// SHARE) so that it cannot be deleted before the choice is stored.
func (s *Teams) SetUserTeam(ctx context.Context, userID string, id int64, now time.Time) (int64, error) {
	var old int64
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('team:' || $1))`, userID); err != nil {
			return err
		}
		var cur *int64
		var changed time.Time
		err := tx.QueryRow(ctx, `SELECT team_id, changed_at FROM user_teams WHERE user_id = $1`, userID).Scan(&cur, &changed)
		known := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if cur != nil {
			old = *cur
		}
		if old == id {
			return nil
		}
		if id != 0 {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM teams WHERE id = $1 FOR SHARE`, id).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return place.TeamNotFound(id)
			}
			if err != nil {
				return err
			}
		}
		if known && now.Before(changed.Add(place.TeamChangeInterval)) {
			return place.TeamChangeTooSoon(now, changed)
		}
		var team *int64
		if id != 0 {
			team = &id
		}
		_, err = tx.Exec(ctx, `INSERT INTO user_teams (user_id, team_id, changed_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET team_id = excluded.team_id, changed_at = excluded.changed_at`, userID, team, now)
		return err
	})
	return old, err
}
