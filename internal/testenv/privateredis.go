package testenv

import (
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// PrivateRedis starts a redis-server of the test's own on a free port (no
// persistence, maxmemory-policy noeviction, as cluster mode needs) and
// returns its URL; it is stopped when the test ends. A test may
// reconfigure it (CONFIG SET maxmemory) without touching the shared
// server. It skips t when redis-server is not on PATH.
func PrivateRedis(t testing.TB) string {
	t.Helper()
	bin := LookPath(t, "redis-server", "install redis-server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--maxmemory-policy", "noeviction", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := redis.DialURL(url, redis.DialConnectTimeout(time.Second))
		if err == nil {
			_, err = c.Do("PING")
			c.Close()
			if err == nil {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("private redis-server on port %d did not answer: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
