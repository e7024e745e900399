package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/app"
)

// cmdAdmin grants or revokes admin rights. It takes the same flags as serve
// (only the storage ones matter); a running server sees the change at the
// user's next request.
func cmdAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) < 1 || (args[0] != "grant" && args[0] != "revoke") {
		fmt.Fprintln(stderr, "Usage: place admin grant|revoke USERNAME [storage flags]")
		return 2
	}
	action := args[0]
	cfg := app.Defaults()
	fs := serveFlags("admin "+action, &cfg, nil, nil, stderr)
	// The username may come before or after the flags.
	rest := args[1:]
	var username string
	if len(rest) > 0 && len(rest[0]) > 0 && rest[0][0] != '-' {
		username, rest = rest[0], rest[1:]
	}
	if err := parseWithEnv(fs, rest, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "place:", err)
		return 2
	}
	if username == "" && fs.NArg() == 1 {
		username = fs.Arg(0)
	}
	if username == "" {
		fmt.Fprintln(stderr, "Usage: place admin grant|revoke USERNAME [storage flags]")
		return 2
	}
	st, err := app.OpenAccounts(ctx, cfg) // only the storage flags matter here

	if err != nil {
		fmt.Fprintln(stderr, "place:", err)
		return 1
	}
	defer st.Close()
	u, err := st.Users.UserByName(ctx, username)
	if err != nil {
		fmt.Fprintf(stderr, "place: user %q: %s\n", username, place.ErrorMessage(err))
		return 1
	}
	if u.IsGuest {
		fmt.Fprintf(stderr, "place: %q is a guest; only registered users can be admins\n", username)
		return 1
	}
	if err := st.Users.SetAdmin(ctx, u.ID, action == "grant"); err != nil {
		fmt.Fprintln(stderr, "place:", err)
		return 1
	}
	_ = st.Users.AddAudit(ctx, place.AuditEntry{At: time.Now(), ActorID: "", ActorName: "command line", Action: action, TargetID: u.ID, TargetName: u.Username})
	verb := "granted"
	if action == "revoke" {
		verb = "revoked"
	}
	fmt.Fprintf(stdout, "%s: admin rights %s\n", u.Username, verb)
	return 0
}
