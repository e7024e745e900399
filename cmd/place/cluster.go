package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/placecanvas/place/internal/localcluster"
)

// cmdCluster runs cluster mode on this machine (make cluster): a private
// Redis and PostgreSQL under --dir, --instances instances of this binary
// and nginx from deploy/nginx.conf on --addr, until Ctrl-C.
func cmdCluster(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := localcluster.Options{Dir: "./data/cluster", Addr: "127.0.0.1:8080", Instances: 2, Out: stdout}
	if v := getenv("PLACE_CLUSTER_ADDR"); v != "" {
		o.Addr = v
	}
	if v := getenv("PLACE_CLUSTER_DIR"); v != "" {
		o.Dir = v
	}
	fs.StringVar(&o.Dir, "dir", o.Dir, "directory of the cluster's Redis, PostgreSQL, nginx and logs; a second run reuses it (env PLACE_CLUSTER_DIR)")
	fs.StringVar(&o.Addr, "addr", o.Addr, "nginx's listen address (env PLACE_CLUSTER_ADDR); :8080 for every interface")
	fs.IntVar(&o.Instances, "instances", o.Instances, "number of place instances")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: place cluster [flags] [-- serve flags for every instance]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	o.PlaceArgs = fs.Args()
	for _, a := range o.PlaceArgs {
		for _, owned := range []string{"-addr", "-redis-url", "-database-url"} {
			if strings.TrimLeft(a, "-") == owned[1:] || strings.HasPrefix(strings.TrimLeft(a, "-"), owned[1:]+"=") {
				fmt.Fprintf(stderr, "place cluster: %s is set by the cluster itself\n", a)
				return 2
			}
		}
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "place cluster:", err)
		return 1
	}
	o.Place = exe
	if err := localcluster.Run(ctx, o); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			fmt.Fprintln(stderr, "place cluster: interrupted while starting; what had started is stopped")
			return 1
		}
		fmt.Fprintln(stderr, "place cluster:", err)
		return 1
	}
	return 0
}
