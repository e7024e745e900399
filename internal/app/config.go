package app

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/handlers"
	"github.com/placecanvas/place/internal/budget"
)

// Config is everything `place serve` can be told.
type Config struct {
	Addr           string
	DataDir        string
	Width, Height  int
	Cooldown       time.Duration
	BatchInterval  time.Duration
	AllowedOrigins []string
	TrustedProxies []netip.Prefix
	// GuestLimit is --identity-limit: new guests and accounts per address
	// per hour.
	GuestLimit int
	// NetworkAllowances are --network-allowance: other limits for the
	// addresses of some networks.
	NetworkAllowances []handlers.NetworkAllowance
	// MaxConnsPerAddress and MaxConnsPerSession cap the live WebSockets
	// and SSE streams per address and per session on each instance.
	MaxConnsPerAddress int
	MaxConnsPerSession int
	SecureCookies      bool
	RedisURL           string
	DatabaseURL        string
	// RedisPrefix starts every Redis key, so several canvases (or test
	// runs) can share one Redis.
	RedisPrefix string
	// HistoryClaimIdle is how long another instance's unwritten history may
	// sit before this instance takes it over (cluster mode; default 30 s).
	HistoryClaimIdle time.Duration
	// ShutdownTimeout bounds graceful shutdown (10 s).
	ShutdownTimeout time.Duration
	// DrainPeriod is how long a stopping instance keeps listening and
	// answers every new request 503 (which a proxy retries on another
	// instance) before it stops listening.
	DrainPeriod time.Duration
	// MinBatchInterval is the shortest time between two broadcasts (0:
	// 1 ms; see realtime.Options.MinGap): raising it toward BatchInterval
	// trades a small room's delivery time for less CPU.
	MinBatchInterval time.Duration
	// BcryptCost is for tests only; 0 means the production cost of 12.
	BcryptCost int
	// PublicExport opens the history export (without user hashes) to
	// everyone; otherwise only admins may download it.
	PublicExport bool
	// KeyframeEvery is the number of placements between keyframes (0: the
	// timetravel default).
	KeyframeEvery int
	// MetricsAddr is --metrics-listen: when set, /metrics is served on this
	// address only, and the public listener answers it 404.
	MetricsAddr string
	// BudgetWorkers and BudgetMemoryMiB size the shared budget of expensive
	// responses (past canvases, overlays, timelapses, exports, previews;
	// 0: the defaults, half the cores and 256 MiB); BudgetPerMinute is the per-address rate of those
	// that must be computed (0: no limit).
	BudgetWorkers   int
	BudgetMemoryMiB int
	BudgetPerMinute int
	// AddressPlayers is --address-players: the placements the identities
	// of one address share, in players' worth (0: no address budget).
	// The networks of NetworkAllowances are exempt.
	AddressPlayers int
	// AddressEarnAfter is --address-earn-after: the age at which a
	// registered account places on a budget of its own (0: never).
	AddressEarnAfter time.Duration
	// ChallengeBits is --challenge-bits: the proof-of-work difficulty for
	// two identities on one address (0: no challenge).
	ChallengeBits int
	// Charges is --charges: the placements a player may store, one more
	// per cooldown (the event's first value; 1: the plain cooldown).
	Charges int
}

// Defaults returns the documented defaults.
func Defaults() Config {
	return Config{
		Addr: ":3000", DataDir: "./data", Width: 500, Height: 500,
		Cooldown: 5 * time.Second, BatchInterval: 50 * time.Millisecond,
		GuestLimit: 30, MaxConnsPerAddress: 300, MaxConnsPerSession: 20, ShutdownTimeout: 10 * time.Second, DrainPeriod: time.Second, RedisPrefix: "place:",
		PublicExport:    true,
		BudgetMemoryMiB: budget.DefaultMemory >> 20, BudgetPerMinute: handlers.DefaultCostlyPerMinute,
		AddressPlayers: 3, AddressEarnAfter: 24 * time.Hour, ChallengeBits: 14, Charges: 1,
	}
}

// CanvasConfig returns the canvas rules of the configuration.
func (c Config) CanvasConfig() place.Config {
	return place.Config{Width: c.Width, Height: c.Height, Cooldown: c.Cooldown}
}

// InitialSettings are the event settings the flags give; they apply only
// until settings are stored (the first start, or until an admin changes them).
func (c Config) InitialSettings() place.Settings {
	return place.Settings{
		Cooldown: c.Cooldown, GuestPlacement: true, GuestLimit: c.GuestLimit, BatchInterval: c.BatchInterval, Charges: c.Charges,
	}
}

// Validate checks the configuration before anything is opened.
func (c Config) Validate() error {
	if err := c.CanvasConfig().Validate(); err != nil {
		return err
	}
	if (c.RedisURL == "") != (c.DatabaseURL == "") {
		return errors.New("cluster mode needs both --redis-url and --database-url; embedded mode needs neither")
	}
	if c.BatchInterval < time.Millisecond || c.BatchInterval > 10*time.Second {
		return errors.New("--batch-interval must be between 1ms and 10s")
	}
	if c.MinBatchInterval < 0 || c.MinBatchInterval > 10*time.Second {
		return errors.New("--min-batch-interval must be between 0 and 10s")
	}
	if c.DrainPeriod < 0 || c.DrainPeriod > c.ShutdownTimeout/2 {
		return errors.New("--drain-period must be between 0 and half of --shutdown-timeout")
	}
	if c.GuestLimit < 0 {
		return errors.New("--identity-limit must not be negative")
	}
	if c.MaxConnsPerAddress < 0 || c.MaxConnsPerSession < 0 {
		return errors.New("--max-conns-per-address and --max-conns-per-session must not be negative")
	}
	if c.BudgetWorkers < 0 || c.BudgetPerMinute < 0 || (c.BudgetMemoryMiB != 0 && c.BudgetMemoryMiB < 16) {
		return errors.New("--budget-workers and --budget-per-minute must not be negative, --budget-memory must be at least 16 (MiB)")
	}
	if c.AddressPlayers < 0 || c.AddressEarnAfter < 0 {
		return errors.New("--address-players and --address-earn-after must not be negative")
	}
	if c.Charges < 0 || c.Charges > place.MaxCharges {
		return fmt.Errorf("--charges must be between 1 and %d", place.MaxCharges)
	}
	if c.ChallengeBits < 0 || c.ChallengeBits > fairplay.MaxBits {
		return fmt.Errorf("--challenge-bits must be between 0 and %d", fairplay.MaxBits)
	}
	return nil
}
