// Package localcluster runs cluster mode on one machine from the machine's
// own binaries (place cluster, make cluster): a private Redis and a private
// PostgreSQL whose data live under one directory, several place instances
// and nginx built from deploy/nginx.conf in front of them. It stops
// everything it started, in order, when its context ends, and only that.
package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options configure Run.
type Options struct {
	// Dir holds everything the cluster keeps: redis/, postgres/, nginx/
	// and logs/. A second run on the same Dir reuses the data.
	Dir string
	// Addr is nginx's listen address (host:port).
	Addr string
	// Instances is the number of place instances (at least 1).
	Instances int
	// Place is the place binary the instances run.
	Place string
	// PlaceArgs are extra flags for every instance's place serve.
	PlaceArgs []string
	// Out receives what an operator reads: the addresses, then the stops.
	Out io.Writer
}

// Run starts the cluster, reports its addresses on o.Out, and keeps it up
// until ctx ends or one of its processes exits; then it stops every
// process it started (nginx, the instances, PostgreSQL, Redis: the
// reverse of their start) and returns. A failure to start stops what had started.
func Run(ctx context.Context, o Options) (err error) {
	if o.Instances < 1 {
		return errors.New("--instances must be at least 1")
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return fmt.Errorf("--addr %q: %v", o.Addr, err)
	}
	bins, err := findBinaries()
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	// The top directory lets others through (PostgreSQL may run as another
	// user, nginx's workers do); the stores' directories are private.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"redis", "postgres", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	// nginx's workers run as another user when it is started as root: they
	// write request bodies and large responses under tmp/ (nginx makes its
	// own subdirectories there, theirs alone).
	for _, d := range []string{"nginx", "nginx/logs", "nginx/tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
		if err := os.Chmod(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	unlock, err := lockDir(filepath.Join(dir, "cluster.lock"))
	if err != nil {
		return err
	}
	defer unlock()

	c := &cluster{dir: dir, out: o.Out, exited: make(chan *proc, 16)}
	defer func() {
		if stopErr := c.stopAll(); err == nil {
			err = stopErr
		}
	}()
	ports, err := freePorts(2 + o.Instances)
	if err != nil {
		return err
	}
	redisURL := fmt.Sprintf("redis://127.0.0.1:%d/0", ports[0])
	if err := c.startRedis(ctx, bins.redis, ports[0]); err != nil {
		return err
	}
	databaseURL, err := c.startPostgres(ctx, bins.pgBin, ports[1])
	if err != nil {
		return err
	}
	var instances []string
	for i := range o.Instances {
		addr := fmt.Sprintf("127.0.0.1:%d", ports[2+i])
		args := append([]string{"serve", "--addr", addr, "--redis-url", redisURL, "--database-url", databaseURL,
			"--trusted-proxies", "127.0.0.1"}, o.PlaceArgs...)
		p, err := c.start(fmt.Sprintf("instance %d", i+1), exec.Command(o.Place, args...), syscall.SIGTERM, 25*time.Second, nil)
		if err != nil {
			return err
		}
		p.addr = "http://" + addr
		instances = append(instances, addr)
	}
	for _, p := range c.procs[2:] {
		if err := c.waitHTTP(ctx, p, p.addr+"/readyz", 60*time.Second); err != nil {
			return err
		}
	}
	if err := c.startNginx(ctx, bins.nginx, o.Addr, instances); err != nil {
		return err
	}

	fmt.Fprintf(o.Out, "place cluster is up on http://%s (Ctrl-C stops it)\n", browserAddr(o.Addr))
	for _, p := range c.procs {
		fmt.Fprintf(o.Out, "  %-10s pid %-7d %-44s log %s\n", p.name, p.cmd.Process.Pid, p.addr, p.log)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(o.Out, "stopping the cluster")
		return nil
	case p := <-c.exited:
		return fmt.Errorf("%s exited (%v): see %s", p.name, p.err, p.log)
	}
}

// browserAddr is the address to open: localhost for an unspecified or
// loopback host.
func browserAddr(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || host == "localhost" || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
		return "localhost:" + port
	}
	return addr
}

type binaries struct{ redis, pgBin, nginx string }

// findBinaries finds redis-server, PostgreSQL's server programs and nginx
// on this machine: on PATH, else where the distributions put them.
func findBinaries() (binaries, error) {
	var b binaries
	var missing []string
	var err error
	if b.redis, err = exec.LookPath("redis-server"); err != nil {
		missing = append(missing, "redis-server (e.g. apt-get install redis-server)")
	}
	if b.nginx, err = exec.LookPath("nginx"); err != nil {
		// Debian puts it in /usr/sbin, which a normal user's PATH lacks.
		if _, statErr := os.Stat("/usr/sbin/nginx"); statErr == nil {
			b.nginx = "/usr/sbin/nginx"
		} else {
			missing = append(missing, "nginx (e.g. apt-get install nginx)")
		}
	}
	if b.pgBin = postgresBinDir(); b.pgBin == "" {
		missing = append(missing, "PostgreSQL's initdb and postgres (e.g. apt-get install postgresql)")
	}
	if len(missing) > 0 {
		return b, fmt.Errorf("place cluster needs %s", strings.Join(missing, ", "))
	}
	return b, nil
}

// postgresBinDir is the directory of initdb and postgres: on PATH, else
// pg_config's, else the newest /usr/lib/postgresql/VERSION/bin (Debian and
// Ubuntu keep them there, off PATH).
func postgresBinDir() string {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); has(dir) {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(d string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		return v
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d
		}
	}
	return ""
}

// freePorts returns n TCP ports that were free on 127.0.0.1 a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
