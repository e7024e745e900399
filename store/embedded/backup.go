package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/placecanvas/place"
)

// DBFile is the name of the embedded mode's database in its data directory.
const DBFile = "place.db"

// BackupInfo describes a copy made by Backup.
type BackupInfo struct {
	Path     string
	Bytes    int64
	LastSeq  uint64 // the last placement in the copy
	Duration time.Duration
}

// Backup writes a consistent copy of the database in dataDir to the new
// file to, while a server may be using the database.
//
// The copy is made with VACUUM INTO, which reads one snapshot of the
// database in a read transaction: in WAL mode a reader never blocks the
// writer, so placements go on being committed (and acknowledged) during the
// copy, and the copy holds every placement committed before it began. The
// copy is written under a temporary name, checked (PRAGMA integrity_check),
// flushed to disk and only then renamed to its name, so a crash or a
// failure never leaves a file at to that looks like a backup but is not one.
func Backup(ctx context.Context, dataDir, to string) (BackupInfo, error) {
	start := time.Now()
	src := filepath.Join(dataDir, DBFile)
	if _, err := os.Stat(src); err != nil {
		return BackupInfo{}, place.Errorf(place.EVALIDATION, "no database at %s (is --data-dir right?)", src)
	}
	if _, err := os.Lstat(to); err == nil {
		return BackupInfo{}, place.Errorf(place.EVALIDATION, "%s already exists; choose a new file", to)
	}
	if st, err := os.Stat(filepath.Dir(to)); err != nil || !st.IsDir() {
		return BackupInfo{}, place.Errorf(place.EVALIDATION, "the directory of %s does not exist", to)
	}
	tmp := to + ".partial"
	_ = os.Remove(tmp) // a leftover of an interrupted backup
	// No journal_mode pragma: the connection must not change the running
	// server's database, only read it.
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("copy the database: %w", err)
	}
	if err := CheckDatabase(ctx, tmp); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, err
	}
	lastSeq, err := lastPlacement(ctx, tmp)
	var size int64
	if err == nil {
		size, err = syncFile(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, to)
	}
	if err == nil {
		err = syncDir(filepath.Dir(to))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, err
	}
	return BackupInfo{Path: to, Bytes: size, LastSeq: lastSeq, Duration: time.Since(start)}, nil
}

// CheckDatabase runs SQLite's integrity check on the database file path and
// checks that it is a place database.
func CheckDatabase(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return place.Errorf(place.EVALIDATION, "cannot read %s: %v", path, err)
	}
	header := make([]byte, 16)
	_, err = io.ReadFull(f, header)
	f.Close()
	if err != nil || string(header) != "SQLite format 3\x00" {
		return place.Errorf(place.EVALIDATION, "%s is not an SQLite database", path)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return place.Errorf(place.EVALIDATION, "%s cannot be checked: %v", path, err)
	}
	if result != "ok" {
		return place.Errorf(place.EVALIDATION, "%s fails the integrity check: %s", path, result)
	}
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('placements', 'users')`).Scan(&tables); err != nil || tables != 2 {
		return place.Errorf(place.EVALIDATION, "%s is not a place database (no placements and users tables)", path)
	}
	return nil
}

// lastPlacement is the seq of the last placement in the database file path.
func lastPlacement(ctx context.Context, path string) (uint64, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var seq int64
	err = db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM placements`).Scan(&seq)
	return uint64(seq), err
}

// RestoreInfo describes what Restore did.
type RestoreInfo struct {
	// MovedAside is where the database that was in the data directory was
	// moved (with its -wal and -shm files), or "" when there was none.
	MovedAside string
}

// Restore makes the backup file from the database of dataDir. It refuses
// while a server uses the data directory, and, unless replace is set, when
// the directory already has a database; a replaced database is moved
// aside (place.db.replaced-TIME, with its -wal file), never deleted.
func Restore(ctx context.Context, from, dataDir string, replace bool) (RestoreInfo, error) {
	if err := CheckDatabase(ctx, from); err != nil {
		return RestoreInfo{}, err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return RestoreInfo{}, fmt.Errorf("create data dir: %w", err)
	}
	dst := filepath.Join(dataDir, DBFile)
	var info RestoreInfo
	if _, err := os.Stat(dst); err == nil {
		if err := checkUnused(dst); err != nil {
			return RestoreInfo{}, err
		}
		if !replace {
			return RestoreInfo{}, place.Errorf(place.EVALIDATION, "%s already exists; --replace moves it aside and restores the backup", dst)
		}
		aside := dst + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		// The -wal file holds committed transactions not yet copied into
		// the database: it moves with it, under the name SQLite looks for.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dst+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return RestoreInfo{}, fmt.Errorf("move the current database aside: %w", err)
			}
		}
		info.MovedAside = aside
	} else {
		// No database, but maybe the -wal of one: it would be applied to
		// the restored file.
		for _, suffix := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(dst + suffix); err == nil {
				return RestoreInfo{}, place.Errorf(place.EVALIDATION, "%s exists without %s; remove it first", dst+suffix, dst)
			}
		}
	}
	tmp := dst + ".restoring"
	if err := copyFile(from, tmp); err != nil {
		_ = os.Remove(tmp)
		return info, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return info, err
	}
	return info, syncDir(dataDir)
}

// checkUnused fails when another connection (a running server) has the
// database open: an exclusive lock is granted only to the sole user.
func checkUnused(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, err = db.Exec("BEGIN EXCLUSIVE")
	if err == nil {
		_, err = db.Exec("COMMIT")
	}
	if err != nil {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			return place.Errorf(place.EVALIDATION, "%s is in use: stop the server first", path)
		}
		return fmt.Errorf("open %s: %w", path, err)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile flushes a file to disk and returns its size.
func syncFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
