// Package nginxtest runs the repository's nginx configuration
// (deploy/nginx.conf) in front of test servers, on a free port, with a
// private prefix directory.
package nginxtest

import (
	"fmt"
	"github.com/placecanvas/place/internal/testenv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Binary returns the nginx executable, or skips the test (fails when
// PLACE_REQUIRE_SERVICES=1).
func Binary(t testing.TB) string {
	t.Helper()
	return testenv.LookPath(t, "nginx", "apt-get install nginx")
}

// Config returns deploy/nginx.conf with its upstream servers replaced by
// upstreams and its listen port by port.
func Config(t testing.TB, upstreams []string, port int) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "deploy", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	serverLine := regexp.MustCompile(`(?m)^\s*server 127\.0\.0\.1:\d+ (max_fails=.*);\n`)
	m := serverLine.FindStringSubmatch(conf)
	if m == nil {
		t.Fatal("deploy/nginx.conf has no upstream server lines")
	}
	var lines strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&lines, "    server %s %s;\n", u, m[1])
	}
	first := true
	conf = serverLine.ReplaceAllStringFunc(conf, func(string) string {
		if first {
			first = false
			return lines.String()
		}
		return ""
	})
	conf = regexp.MustCompile(`listen \d+;`).ReplaceAllString(conf, fmt.Sprintf("listen 127.0.0.1:%d;", port))
	return conf
}

// Proxy is a running nginx.
type Proxy struct {
	URL    string // http://127.0.0.1:port
	Addr   string
	cmd    *exec.Cmd
	prefix string
}

// ErrorLog returns what nginx logged at level warn and above so far.
func (p *Proxy) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(p.prefix, "logs", "error.log"))
	return string(b)
}

// Start runs nginx with deploy/nginx.conf in front of upstreams (host:port)
// and stops it at cleanup.
func Start(t testing.TB, upstreams []string) *Proxy {
	t.Helper()
	bin := Binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// Not t.TempDir(): its directories are 0700, and nginx's workers (as
	// nobody when the tests run as root) must reach the temporary files of
	// request bodies over 16 KB.
	prefix, err := os.MkdirTemp("", "place-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(prefix) })
	if err := os.Chmod(prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	site := Config(t, upstreams, port)
	main := MainConfig(prefix, site, 4096)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", prefix, "-c", confPath, "-g", "daemon off;")
	out, _ := os.Create(filepath.Join(prefix, "logs", "stderr.log"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proxy{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Addr: fmt.Sprintf("127.0.0.1:%d", port), cmd: cmd, prefix: prefix}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		out.Close()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(filepath.Join(prefix, "logs", "stderr.log"))
			elog, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
			t.Fatalf("nginx did not start: %s %s", logs, elog)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MainConfig is nginx's main configuration around site (the http
// block's contents) for a private prefix directory: its pid, logs and
// temporary files under prefix.
func MainConfig(prefix, site string, workerConnections int) string {
	return fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections %[3]d; }
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
%[2]s
}
`, prefix, site, workerConnections)
}
