package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestClusterRefusesBadFlags: place cluster refuses what it cannot run
// before it starts anything (the full run is TestLocalCluster).
func TestClusterRefusesBadFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"cluster", "--dir", dir, "--", "--redis-url", "redis://elsewhere"}, 2, "--redis-url is set by the cluster itself"},
		{[]string{"cluster", "--dir", dir, "--", "--addr=:1"}, 2, "--addr=:1 is set by the cluster itself"},
		{[]string{"cluster", "--dir", dir, "--instances", "0"}, 1, "--instances must be at least 1"},
		{[]string{"cluster", "--dir", dir, "--addr", "8080"}, 1, "--addr \"8080\""},
		{[]string{"cluster", "--nonsense"}, 2, "flag provided but not defined"},
	} {
		var out bytes.Buffer
		if code := run(context.Background(), tc.args, noEnv, &out, &out); code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", tc.args, code, out.String(), tc.code, tc.want)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) > 0 {
		t.Errorf("a refused place cluster created %v", m)
	}
}
