package localcluster

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/internal/testenv"
	"github.com/placecanvas/place/internal/wstest"
)

// needBinaries skips (fails under PLACE_REQUIRE_SERVICES=1) when this
// machine lacks what place cluster runs.
func needBinaries(t *testing.T) {
	t.Helper()
	testenv.LookPath(t, "redis-server", "apt-get install redis-server")
	if _, err := findBinaries(); err != nil {
		testenv.LookPath(t, "nginx", "apt-get install nginx")
		msg := "SKIPPING: " + err.Error()
		if testenv.Required() {
			t.Fatalf("%s; %s=1 requires it", msg, testenv.RequireServicesEnv)
		}
		t.Skip(msg)
	}
}

// buildPlace builds the place binary, as make cluster does.
func buildPlace(t *testing.T) string {
	t.Helper()
	goBin := testenv.LookPath(t, "go", "the Go toolchain")
	bin := filepath.Join(t.TempDir(), "place")
	out, err := exec.Command(goBin, "build", "-o", bin, "github.com/placecanvas/place/cmd/place").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// running is a place cluster process and what it printed.
type running struct {
	cmd       *exec.Cmd
	out       *syncBuffer
	done      chan struct{} // closed when the command has exited, with err
	err       error
	instances []string // http://host:port
}

type syncBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.String()
}

var instanceLine = regexp.MustCompile(`(?m)^\s+instance \d+\s+pid \d+\s+(http://\S+)`)

// startCluster runs `place cluster` on dir and addr until it reports that
// it is up.
func startCluster(t *testing.T, bin, dir, addr string) *running {
	t.Helper()
	r := &running{out: &syncBuffer{mu: make(chan struct{}, 1)}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "cluster", "--dir", dir, "--addr", addr)
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		// A failed test still stops the cluster.
		select {
		case <-r.done:
			return
		default:
		}
		_ = r.cmd.Process.Signal(os.Interrupt)
		select {
		case <-r.done:
		case <-time.After(90 * time.Second):
			_ = r.cmd.Process.Kill()
		}
	})
	deadline := time.After(3 * time.Minute)
	for !strings.Contains(r.out.String(), "place cluster is up") {
		select {
		case <-r.done:
			t.Fatalf("place cluster exited (%v) before it was up:\n%s", r.err, r.out)
		case <-deadline:
			t.Fatalf("place cluster not up after 3 minutes:\n%s", r.out)
		case <-time.After(200 * time.Millisecond):
		}
	}
	for _, m := range instanceLine.FindAllStringSubmatch(r.out.String(), -1) {
		r.instances = append(r.instances, m[1])
	}
	if len(r.instances) != 2 {
		t.Fatalf("want 2 instances in the output:\n%s", r.out)
	}
	return r
}

// stop sends SIGINT, as Ctrl-C does, and checks that the command exits
// cleanly and that no process it started is left.
func (r *running) stop(t *testing.T) {
	t.Helper()
	started := descendants(r.cmd.Process.Pid)
	if len(started) < 5 { // redis, postgres (and its workers), 2 instances, nginx (and its worker)
		t.Fatalf("only %d processes under place cluster before the stop", len(started))
	}
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.done:
		if r.err != nil {
			t.Fatalf("place cluster exited with %v after SIGINT:\n%s", r.err, r.out)
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("place cluster still running 90 s after SIGINT:\n%s", r.out)
	}
	var left []string
	for pid, start := range started {
		if s, ok := procStart(pid); ok && s == start {
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			left = append(left, fmt.Sprintf("%d %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	if len(left) > 0 {
		t.Fatalf("processes of place cluster left after it exited:\n%s", strings.Join(left, "\n"))
	}
}

// procStat returns a process's parent and start time from /proc.
func procStat(pid int) (ppid int, start string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", false
	}
	// The command name is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 || f[0] == "Z" { // a zombie is gone but for its exit status
		return 0, "", false
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[19], true
}

func procStart(pid int) (string, bool) {
	_, s, ok := procStat(pid)
	return s, ok
}

// descendants are every process under pid, with their start times (a pid
// reused later is another process).
func descendants(pid int) map[int]string {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	starts := map[int]string{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, start, ok := procStat(p); ok {
			children[ppid] = append(children[ppid], p)
			starts[p] = start
		}
	}
	out := map[int]string{}
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out[c] = starts[c]
			queue = append(queue, c)
		}
	}
	return out
}

func canvasByte(t *testing.T, base string, x, y int) byte {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/canvas")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	w, _ := strconv.Atoi(resp.Header.Get("X-Canvas-Width"))
	if resp.StatusCode != http.StatusOK || w == 0 || len(body) <= y*w+x {
		t.Fatalf("GET %s/api/v1/canvas: %d, %d bytes", base, resp.StatusCode, len(body))
	}
	return body[y*w+x]
}

// TestLocalCluster runs place cluster (what make cluster runs), places a
// pixel through its nginx, sees it on both instances, stops it with SIGINT
// and finds none of its processes left; a second run on the same
// directory still has the pixel.
func TestLocalCluster(t *testing.T) {
	needBinaries(t)
	bin := buildPlace(t)
	dir := t.TempDir()
	// As root, PostgreSQL runs as another user, who must get through the
	// test's private temporary directories.
	if os.Geteuid() == 0 {
		for _, d := range []string{dir, filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir = filepath.Join(dir, "cluster")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr

	r := startCluster(t, bin, dir, addr)
	c := wstest.MustDial(t, "ws://"+addr+"/ws", wstest.Options{Header: http.Header{"Origin": {base}}, Player: true})
	c.Expect(t, "welcome", 5*time.Second)
	c.Expect(t, "canvas", 5*time.Second)
	if err := c.Place(12, 34, 5, "cluster-1"); err != nil {
		t.Fatal(err)
	}
	c.Expect(t, "success", 5*time.Second)
	for _, inst := range r.instances {
		if got := canvasByte(t, inst, 12, 34); got != 5 {
			t.Errorf("instance %s has color %d at 12,34, want 5", inst, got)
		}
	}
	// A body larger than nginx keeps in memory goes through its temporary
	// files, which its workers (another user under root) must be able to
	// write: the instance answers, not nginx with a 500.
	resp, err := http.Post(base+"/login", "application/x-www-form-urlencoded", strings.NewReader("username="+strings.Repeat("a", 30000)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Errorf("a 30 KB form through nginx: %d", resp.StatusCode)
	}
	_ = c.Conn.WriteClose(1000, nil)
	r.stop(t)

	r = startCluster(t, bin, dir, addr)
	if strings.Contains(r.out.String(), "creating the PostgreSQL data directory") {
		t.Errorf("the second run made a new database:\n%s", r.out)
	}
	for _, base := range append([]string{base}, r.instances...) {
		if got := canvasByte(t, base, 12, 34); got != 5 {
			t.Errorf("after a restart, %s has color %d at 12,34, want 5", base, got)
		}
	}
	r.stop(t)
	t.Logf("place cluster output of the second run:\n%s", r.out)

	// A second cluster on a directory in use is refused, and the first
	// keeps running.
	r = startCluster(t, bin, dir, addr)
	out, err := exec.Command(bin, "cluster", "--dir", dir, "--addr", "127.0.0.1:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another place cluster runs on this directory") {
		t.Errorf("a second cluster on the same directory: %v %s", err, out)
	}
	if got := canvasByte(t, base, 12, 34); got != 5 {
		t.Errorf("the running cluster was disturbed: color %d", got)
	}
	r.stop(t)
}

// TestNginxConfFromDeploy: the cluster's nginx configuration is
// deploy/nginx.conf with the instances and the address put in.
func TestNginxConfFromDeploy(t *testing.T) {
	conf, err := NginxConf("/p", "127.0.0.1:9999", []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pid /p/nginx.pid;", "listen 127.0.0.1:9999;", "server 127.0.0.1:1 max_fails=0;\n    server 127.0.0.1:2 max_fails=0;\n    server 127.0.0.1:3 max_fails=0;\n", "proxy_next_upstream error timeout http_502 http_503;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("configuration lacks %q", want)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(conf))
	servers := 0
	for sc.Scan() {
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), "server 127.0.0.1:") {
			servers++
		}
	}
	if servers != 3 || strings.Contains(conf, "listen 8080;") || strings.Contains(conf, ":3000") {
		t.Errorf("%d upstream servers (want 3), or the file's own addresses are left:\n%s", servers, conf)
	}
}
