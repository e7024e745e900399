package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/placecanvas/place"
)

// CreateTeam implements place.Teams: the count and the insert share one
// transaction of the single writer.
func (s *Teams) CreateTeam(ctx context.Context, name string, color int) (place.Team, error) {
	t := place.Team{Name: name, Color: color}
	tx, err := s.db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return t, writeError(fmt.Errorf("create team: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams`).Scan(&n); err != nil {
		return t, writeError(fmt.Errorf("create team: %w", err))
	}
	if n >= place.MaxTeams {
		return t, place.Errorf(place.EVALIDATION, "There are already %d teams, the most there may be.", place.MaxTeams)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO teams (name, color) VALUES (?, ?) RETURNING id`, name, color).Scan(&t.ID)
	if isUniqueViolation(err) {
		return t, place.TeamNameTaken(name)
	}
	if err != nil {
		return t, writeError(fmt.Errorf("create team: %w", err))
	}
	return t, tx.Commit()
}

// UpdateTeam implements place.Teams.
func (s *Teams) UpdateTeam(ctx context.Context, id int64, name string, color int) (old, updated place.Team, err error) {
	tx, err := s.db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return old, updated, writeError(fmt.Errorf("update team: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	err = tx.QueryRowContext(ctx, `SELECT id, name, color FROM teams WHERE id = ?`, id).Scan(&old.ID, &old.Name, &old.Color)
	if errors.Is(err, sql.ErrNoRows) {
		return old, updated, place.TeamNotFound(id)
	}
	if err != nil {
		return old, updated, writeError(fmt.Errorf("update team: %w", err))
	}
	_, err = tx.ExecContext(ctx, `UPDATE teams SET name = ?, color = ? WHERE id = ?`, name, color, id)
	if isUniqueViolation(err) {
		return old, updated, place.TeamNameTaken(name)
	}
	if err != nil {
		return old, updated, writeError(fmt.Errorf("update team: %w", err))
	}
	return old, place.Team{ID: id, Name: name, Color: color}, tx.Commit()
}

// DeleteTeam implements place.Teams.
func (s *Teams) DeleteTeam(ctx context.Context, id int64) (place.Team, error) {
	var t place.Team
	tx, err := s.db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return t, writeError(fmt.Errorf("delete team: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	err = tx.QueryRowContext(ctx, `DELETE FROM teams WHERE id = ? RETURNING id, name, color`, id).Scan(&t.ID, &t.Name, &t.Color)
	if errors.Is(err, sql.ErrNoRows) {
		return t, place.TeamNotFound(id)
	}
	if err != nil {
		return t, writeError(fmt.Errorf("delete team: %w", err))
	}
	res, err := tx.ExecContext(ctx, `UPDATE user_teams SET team_id = NULL WHERE team_id = ?`, id)
	if err != nil {
		return t, writeError(fmt.Errorf("delete team: %w", err))
	}
	if t.Players, err = res.RowsAffected(); err != nil {
		return t, err
	}
	return t, tx.Commit()
}

// teamsQuery lists the teams with their players and their placements
// (placements_team holds only players' own placements, never rollbacks).
const teamsQuery = `SELECT t.id, t.name, t.color,
	(SELECT COUNT(*) FROM user_teams m WHERE m.team_id = t.id),
	(SELECT COUNT(*) FROM placements p INDEXED BY placements_team WHERE p.team_id = t.id)
	FROM teams t ORDER BY t.id`

// Teams implements place.Teams on the read connections.
func (s *Teams) Teams(ctx context.Context) ([]place.Team, error) {
	return scanTeams(ctx, s.db.rdb)
}

type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func scanTeams(ctx context.Context, q rowsQueryer) ([]place.Team, error) {
	rows, err := q.QueryContext(ctx, teamsQuery)
	if err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}
	defer rows.Close()
	out := []place.Team{}
	for rows.Next() {
		var t place.Team
		if err := rows.Scan(&t.ID, &t.Name, &t.Color, &t.Players, &t.Placements); err != nil {
			return nil, fmt.Errorf("read teams: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UserTeam implements place.Teams.
func (s *Teams) UserTeam(ctx context.Context, userID string) (int64, error) {
	var id sql.NullInt64
	err := s.db.rdb.QueryRowContext(ctx, `SELECT team_id FROM user_teams WHERE user_id = ?`, userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read team: %w", err)
	}
	return id.Int64, nil
}

// SetUserTeam implements place.Teams in one transaction of the single
// writer, so two changes at once cannot both pass the limit.
func (s *Teams) SetUserTeam(ctx context.Context, userID string, id int64, now time.Time) (int64, error) {
	tx, err := s.db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, writeError(fmt.Errorf("set team: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	var cur sql.NullInt64
	var changed int64
	err = tx.QueryRowContext(ctx, `SELECT team_id, changed_at FROM user_teams WHERE user_id = ?`, userID).Scan(&cur, &changed)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, writeError(fmt.Errorf("set team: %w", err))
	}
	if cur.Int64 == id {
		return id, nil
	}
	if id != 0 {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM teams WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return cur.Int64, place.TeamNotFound(id)
		} else if err != nil {
			return cur.Int64, writeError(fmt.Errorf("set team: %w", err))
		}
	}
	if last := time.UnixMilli(changed); known && now.Before(last.Add(place.TeamChangeInterval)) {
		return cur.Int64, place.TeamChangeTooSoon(now, last)
	}
	var team any
	if id != 0 {
		team = id
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO user_teams (user_id, team_id, changed_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET team_id = excluded.team_id, changed_at = excluded.changed_at`, userID, team, now.UnixMilli()); err != nil {
		return cur.Int64, writeError(fmt.Errorf("set team: %w", err))
	}
	return cur.Int64, tx.Commit()
}
