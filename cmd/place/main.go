// Command place is the collaborative pixel canvas server and its tools:
//
//	place [serve] [flags]        run the server (the default command)
//	place migrate [flags]        apply database migrations
//	place admin grant USERNAME   make a user an admin (revoke: take it away)
//	place bench [flags]          the load generator
//	place export csv|gif|png     open data, a timelapse or a past canvas
//	place backup --to FILE       a consistent copy of the embedded database, online
//	place restore --from FILE    make a backup the embedded database
//	place cluster                a local cluster: Redis, PostgreSQL, two instances, nginx
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, getenv, stdout, stderr)
	case "admin":
		return cmdAdmin(ctx, args, getenv, stdout, stderr)
	case "bench":
		return cmdBench(ctx, args, stdout, stderr)
	case "export":
		return cmdExport(ctx, args, getenv, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args, getenv, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args, getenv, stdout, stderr)
	case "cluster":
		return cmdCluster(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "place: unknown command %q\n\n%s", cmd, usage)
	return 2
}

const usage = `Usage:
  place [serve] [flags]          run the server (default command)
  place migrate [flags]          apply database migrations and exit
  place admin grant USERNAME     make a user an admin (same storage flags as serve)
  place admin revoke USERNAME    take admin rights away
  place bench [flags]            load generator (see place bench --help)
  place export csv|gif|png -o FILE [flags]
                                 history as gzipped CSV, a timelapse GIF or the canvas at a moment as PNG
  place backup --to FILE [--data-dir DIR]
                                 a consistent copy of the embedded database while the server runs
  place restore --from FILE [--data-dir DIR] [--replace]
                                 make a backup the embedded database (server stopped)
  place cluster [flags]          a local cluster on this machine's redis-server, PostgreSQL and nginx

Run "place serve --help" for the flags; each has a PLACE_* environment variable.
`
