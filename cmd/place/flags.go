package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/placecanvas/place/handlers"
	"github.com/placecanvas/place/internal/app"
)

// serveFlags binds every flag of serve (and of the commands that share its
// storage flags) to cfg. Each flag has a PLACE_* environment variable, used
// when the flag is not given.
func serveFlags(name string, cfg *app.Config, logLevel *string, pprof *string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory of the embedded mode's database")
	fs.IntVar(&cfg.Width, "width", cfg.Width, "first canvas width in pixels (1-4096; the stored size wins afterwards)")
	fs.IntVar(&cfg.Height, "height", cfg.Height, "first canvas height in pixels (1-4096; the stored size wins afterwards)")
	fs.DurationVar(&cfg.Cooldown, "cooldown", cfg.Cooldown, "time between two placements of one user")
	fs.IntVar(&cfg.Charges, "charges", cfg.Charges, "placements a player may store, one more per cooldown (the event's first value; 1: the plain cooldown)")
	fs.DurationVar(&cfg.BatchInterval, "batch-interval", cfg.BatchInterval, "the longest a placement waits to be broadcast, sooner for a small audience (the first value; an admin setting afterwards)")
	fs.DurationVar(&cfg.MinBatchInterval, "min-batch-interval", cfg.MinBatchInterval, "the shortest time between two broadcasts (0: 1ms); nearer --batch-interval costs a small room less CPU and delivers later")
	fs.Func("allowed-origins", "comma-separated extra origins allowed for WebSockets and forms (e.g. https://place.example.org)", func(v string) error {
		cfg.AllowedOrigins = nil
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
					return fmt.Errorf("origin %q must start with http:// or https://", o)
				}
				cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
			}
		}
		return nil
	})
	fs.Func("trusted-proxies", "comma-separated address ranges of reverse proxies whose X-Forwarded-For is trusted (e.g. 127.0.0.1/32,10.0.0.0/8)", func(v string) error {
		cfg.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if !strings.Contains(p, "/") {
				a, err := netip.ParseAddr(p)
				if err != nil {
					return fmt.Errorf("bad proxy address %q", p)
				}
				p = netip.PrefixFrom(a, a.BitLen()).String()
			}
			pr, err := netip.ParsePrefix(p)
			if err != nil {
				return fmt.Errorf("bad proxy range %q", p)
			}
			cfg.TrustedProxies = append(cfg.TrustedProxies, pr.Masked())
		}
		return nil
	})
	fs.IntVar(&cfg.GuestLimit, "identity-limit", cfg.GuestLimit, "new guests and accounts, together, per address (IPv6: /64) per hour (0: no limit)")
	fs.IntVar(&cfg.GuestLimit, "guest-limit", cfg.GuestLimit, "old name of --identity-limit")
	fs.Func("network-allowance", "comma-separated CIDR=limit pairs: another --identity-limit for each address in those networks (e.g. 10.0.0.0/8=500)", func(v string) error {
		a, err := handlers.ParseNetworkAllowances(v)
		cfg.NetworkAllowances = a
		return err
	})
	fs.IntVar(&cfg.AddressPlayers, "address-players", cfg.AddressPlayers, "the identities of one address (IPv6: /64) place together at most this many players' worth (0: no address budget; --network-allowance networks are exempt)")
	fs.DurationVar(&cfg.AddressEarnAfter, "address-earn-after", cfg.AddressEarnAfter, "a registered account this old places on its own budget, not its address's (0: never)")
	fs.IntVar(&cfg.ChallengeBits, "challenge-bits", cfg.ChallengeBits, "proof-of-work difficulty (leading zero bits) asked of each identity when two place from one address, one more per doubling; a lone player is not asked (0: no challenge)")
	fs.IntVar(&cfg.MaxConnsPerAddress, "max-conns-per-address", cfg.MaxConnsPerAddress, "open WebSockets and event streams per address (IPv6: /64) on each instance (0: no cap)")
	fs.IntVar(&cfg.MaxConnsPerSession, "max-conns-per-session", cfg.MaxConnsPerSession, "open WebSockets and event streams per session on each instance (0: no cap)")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", cfg.SecureCookies, "mark cookies Secure (set when served over TLS)")
	fs.StringVar(&cfg.RedisURL, "redis-url", cfg.RedisURL, "Redis URL for cluster mode (with --database-url), e.g. redis://127.0.0.1:6379/0")
	fs.StringVar(&cfg.RedisPrefix, "redis-prefix", cfg.RedisPrefix, "prefix of every Redis key (to share one Redis between canvases)")
	fs.DurationVar(&cfg.HistoryClaimIdle, "history-claim-idle", cfg.HistoryClaimIdle, "cluster mode: take over history another instance left unwritten this long (0: 30s)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL for cluster mode (with --redis-url)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "graceful shutdown limit")
	fs.DurationVar(&cfg.DrainPeriod, "drain-period", cfg.DrainPeriod, "on SIGTERM, answer 503 this long (a proxy retries elsewhere) before closing the listener")
	fs.BoolVar(&cfg.PublicExport, "public-export", cfg.PublicExport, "anyone may download the history CSV (without user hashes; admins also get hashes); false: admins only")
	fs.IntVar(&cfg.KeyframeEvery, "keyframe-every", cfg.KeyframeEvery, "placements between two stored keyframes of the canvas (0: 20000)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-listen", cfg.MetricsAddr, "serve /metrics on this separate address only (e.g. 127.0.0.1:9100); when empty, /metrics on --addr answers only local scrapers and moderators")
	fs.IntVar(&cfg.BudgetWorkers, "budget-workers", cfg.BudgetWorkers, "expensive responses (past canvases, overlays, timelapses, exports, previews) computed at once (0: half the cores, at least 1)")
	fs.IntVar(&cfg.BudgetMemoryMiB, "budget-memory", cfg.BudgetMemoryMiB, "MiB that the expensive responses computed at once may take, by their estimates")
	fs.IntVar(&cfg.BudgetPerMinute, "budget-per-minute", cfg.BudgetPerMinute, "past-canvas PNGs and overlays one address (IPv6: /64) may have computed per minute; cached ones are free (0: no limit)")
	if logLevel != nil {
		fs.StringVar(logLevel, "log-level", *logLevel, "log level: debug, info, warn or error")
	}
	if pprof != nil {
		fs.StringVar(pprof, "pprof", *pprof, "serve net/http/pprof on this separate address (e.g. 127.0.0.1:6060); off when empty")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: place %s [flags]\n\nFlags (each also read from the PLACE_* variable shown):\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
				def = " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(stderr, "  --%-18s %s%s\n  %-20s   env %s\n", f.Name, f.Usage, def, "", envName(f.Name))
		})
	}
	return fs
}

// flagAliases maps old flag names to the current ones.
var flagAliases = map[string]string{"guest-limit": "identity-limit"}

func envName(flagName string) string {
	return "PLACE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseWithEnv parses args, then fills every flag not given on the command
// line from its PLACE_* environment variable.
func parseWithEnv(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	// One setting under two names: either given on the command line wins
	// over both variables.
	for old, name := range flagAliases {
		if given[old] || given[name] {
			given[old], given[name] = true, true
		}
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
		}
	})
	return errors.Join(errs...)
}
