package main

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/app"
)

func parseServe(t *testing.T, args []string, env map[string]string) (app.Config, error) {
	t.Helper()
	cfg := app.Defaults()
	fs := serveFlags("serve", &cfg, nil, nil, io.Discard)
	err := parseWithEnv(fs, args, func(k string) string { return env[k] })
	return cfg, err
}

func TestIdentityLimitFlags(t *testing.T) {
	cfg, err := parseServe(t, []string{"--network-allowance", "10.0.0.0/8=500, 203.0.113.7=300,2001:db8::/48=0"}, map[string]string{"PLACE_IDENTITY_LIMIT": "12"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GuestLimit != 12 {
		t.Errorf("PLACE_IDENTITY_LIMIT: limit %d, want 12", cfg.GuestLimit)
	}
	want := []struct {
		network string
		limit   int
	}{{"10.0.0.0/8", 500}, {"203.0.113.7/32", 300}, {"2001:db8::/48", 0}}
	if len(cfg.NetworkAllowances) != len(want) {
		t.Fatalf("allowances %v", cfg.NetworkAllowances)
	}
	for i, w := range want {
		if a := cfg.NetworkAllowances[i]; a.Network != netip.MustParsePrefix(w.network) || a.Limit != w.limit {
			t.Errorf("allowance %d = %v, want %s=%d", i, a, w.network, w.limit)
		}
	}
	// The old name still works, and a flag wins over either variable.
	cfg, err = parseServe(t, []string{"--guest-limit", "7"}, map[string]string{"PLACE_IDENTITY_LIMIT": "12", "PLACE_GUEST_LIMIT": "9"})
	if err != nil || cfg.GuestLimit != 7 {
		t.Errorf("--guest-limit 7 with both variables set: %d, %v", cfg.GuestLimit, err)
	}
	for _, bad := range []string{"10.0.0.0/8", "10.0.0.0/8=lots", "10.0.0.0/8=-1", "nowhere=5", "10.0.0.0/33=5"} {
		if _, err := parseServe(t, []string{"--network-allowance", bad}, nil); err == nil {
			t.Errorf("--network-allowance %q was accepted", bad)
		}
	}
}

func TestMinBatchIntervalFlag(t *testing.T) {
	cfg, err := parseServe(t, nil, map[string]string{"PLACE_MIN_BATCH_INTERVAL": "40ms"})
	if err != nil || cfg.MinBatchInterval != 40*time.Millisecond || cfg.Validate() != nil {
		t.Errorf("PLACE_MIN_BATCH_INTERVAL=40ms: %v, %v, %v", cfg.MinBatchInterval, err, cfg.Validate())
	}
	if cfg := app.Defaults(); cfg.MinBatchInterval != 0 {
		t.Errorf("default %v, want 0 (adaptive down to 1 ms)", cfg.MinBatchInterval)
	}
	for _, bad := range []string{"-1ms", "11s"} {
		cfg, err := parseServe(t, []string{"--min-batch-interval", bad}, nil)
		if err == nil && cfg.Validate() == nil {
			t.Errorf("--min-batch-interval %s was accepted", bad)
		}
	}
}

func TestMetricsListenFlag(t *testing.T) {
	cfg, err := parseServe(t, nil, map[string]string{"PLACE_METRICS_LISTEN": "127.0.0.1:9100"})
	if err != nil || cfg.MetricsAddr != "127.0.0.1:9100" {
		t.Errorf("PLACE_METRICS_LISTEN: %q, %v", cfg.MetricsAddr, err)
	}
	if cfg := app.Defaults(); cfg.MetricsAddr != "" {
		t.Errorf("default --metrics-listen %q, want none", cfg.MetricsAddr)
	}
}
