package embedded

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/placecanvas/place"
)

// writeError turns the SQLite errors that say the database cannot be
// written now, rather than that the statement is wrong, into
// place.ErrUnavailable (503) keeping the cause for logs: the disk is full
// (SQLITE_FULL), an I/O error, no memory, the file read-only or
// unopenable, or the database busy past the busy timeout.
func writeError(err error) error {
	if err == nil || !cannotWrite(err) {
		return err
	}
	return fmt.Errorf("%w (sqlite: %v)", place.ErrUnavailable, err)
}

func cannotWrite(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // the primary result code of an extended one
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
