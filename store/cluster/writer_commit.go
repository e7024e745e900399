package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place"
)

// writeBatch stores placements exactly once. The usual batch is new and
// goes straight into placements with COPY. A batch that overlaps rows
// already there (a retry after a commit whose acknowledgement was lost, or
// entries claimed from an instance that died after committing) makes COPY
// fail on the primary key; it is then copied into a temporary staging table
// and inserted with ON CONFLICT DO NOTHING, so nothing is written twice.
//
// The batch is committed only if PostgreSQL's Redis epoch is still the one
// it was read under (see restore), else errStaleEpoch.
func (s *writer) writeBatch(ctx context.Context, batch []place.Placement, epoch int64) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := pgCtx(ctx, writerCommit)
	defer cancel()
	err := s.copyPlacements(ctx, batch, epoch, false)
	if isUniqueViolation(err) {
		err = s.copyPlacements(ctx, batch, epoch, true)
	}
	if err != nil {
		return err
	}
	if last := batch[len(batch)-1].Seq; last > s.db.written.Load() {
		s.db.written.Store(last)
	}
	return nil
}

var placementColumns = []string{"seq", "x", "y", "color", "user_id", "placed_at", "rollback", "team_id"}

func (s *writer) copyPlacements(ctx context.Context, batch []place.Placement, epoch int64, staged bool) error {
	s.writerHook("begin", batch)
	tx, err := s.db.pg.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
	// Held until commit: a restore waits for this batch before reading the
	// highest seq in history.
	var current int64
	err = tx.QueryRow(ctx, `SELECT value::bigint FROM meta WHERE key = 'redis_epoch' FOR SHARE`).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		current, err = 0, nil
	}
	if err != nil {
		return err
	}
	if current != epoch {
		return fmt.Errorf("%w (epoch %d, now %d)", errStaleEpoch, epoch, current)
	}
	table := "placements"
	if staged {
		table = "placements_staging"
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS placements_staging
			(LIKE placements INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
			return err
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{table}, placementColumns,
		pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
			p := batch[i]
			var team *int64 // NULL: no team
			if p.TeamID != 0 {
				team = &p.TeamID
			}
			return []any{int64(p.Seq), int32(p.X), int32(p.Y), int16(p.Color), p.UserID, p.At, p.Rollback, team}, nil
		}))
	if err != nil {
		return err
	}
	if staged {
		if _, err := tx.Exec(ctx, `INSERT INTO placements
			SELECT * FROM placements_staging ORDER BY seq ON CONFLICT (seq) DO NOTHING`); err != nil {
			return err
		}
	}
	s.writerHook("commit", batch)
	return tx.Commit(ctx)
}
