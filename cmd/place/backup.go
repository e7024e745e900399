package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
	"github.com/placecanvas/place/store/embedded"
)

const clusterBackupHint = "cluster mode keeps its data in PostgreSQL: back it up with pg_dump (README, \"Running in production\")"

// backupFlags parses the flags of backup and restore: the data directory
// (--data-dir or PLACE_DATA_DIR, as serve) and the command's own.
func backupFlags(name string, args []string, getenv func(string) string, stderr io.Writer, own func(*flag.FlagSet)) (dataDir string, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir = app.Defaults().DataDir
	fs.StringVar(&dataDir, "data-dir", dataDir, "directory of the embedded mode's database (env PLACE_DATA_DIR)")
	var databaseURL string
	fs.StringVar(&databaseURL, "database-url", "", "cluster mode is refused: use pg_dump")
	own(fs)
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "data-dir" })
	if v := getenv("PLACE_DATA_DIR"); !given && v != "" {
		dataDir = v
	}
	if databaseURL != "" || getenv("PLACE_DATABASE_URL") != "" {
		return "", errors.New(clusterBackupHint)
	}
	return dataDir, nil
}

// cmdBackup writes a consistent copy of the embedded mode's database while
// the server runs (see embedded.Backup).
func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var to string
	dataDir, err := backupFlags("backup", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "the backup file to write (must not exist)")
	})
	if err == nil && to == "" {
		err = errors.New("--to FILE is required")
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "place: %v\nUsage: place backup --to FILE [--data-dir DIR]\n", err)
		return 2
	}
	info, err := embedded.Backup(ctx, dataDir, to)
	if err != nil {
		fmt.Fprintln(stderr, "place: backup:", place.ErrorMessage(err), detail(err))
		return 1
	}
	fmt.Fprintf(stdout, "backed up %s to %s: %d bytes, placements up to seq %d, in %s; integrity check ok\n",
		dataDir, info.Path, info.Bytes, info.LastSeq, info.Duration.Round(1e6))
	return 0
}

// cmdRestore makes a backup the database of a data directory, with the
// server stopped.
func cmdRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var from string
	var replace bool
	dataDir, err := backupFlags("restore", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup file made by place backup")
		fs.BoolVar(&replace, "replace", false, "move the data directory's current database aside (never deleted) and restore over it")
	})
	if err == nil && from == "" {
		err = errors.New("--from FILE is required")
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "place: %v\nUsage: place restore --from FILE [--data-dir DIR] [--replace]\n", err)
		return 2
	}
	info, err := embedded.Restore(ctx, from, dataDir, replace)
	if err != nil {
		fmt.Fprintln(stderr, "place: restore:", place.ErrorMessage(err), detail(err))
		return 1
	}
	if info.MovedAside != "" {
		fmt.Fprintf(stdout, "the previous database is now %s\n", info.MovedAside)
	}
	fmt.Fprintf(stdout, "restored %s into %s; start the server with --data-dir %s\n", from, dataDir, dataDir)
	return 0
}
