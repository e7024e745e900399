// Package localcluster runs cluster mode on one machine from the machine's
// own binaries (place cluster, make cluster): a private Redis and a private
// PostgreSQL whose data live under one directory, several place instances
// and nginx built from deploy/nginx.conf in front of them. It stops
// everything it started, in order, when its context ends, and only that.
package localcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place/deploy"
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

// cluster is the processes started so far, in start order.
type cluster struct {
	dir    string
	out    io.Writer
	procs  []*proc
	exited chan *proc
}

// proc is one started process.
type proc struct {
	name    string
	cmd     *exec.Cmd
	log     string
	addr    string
	stopSig syscall.Signal
	grace   time.Duration
	done    chan struct{}
	err     error
}

// start runs cmd with its output in logs/NAME.log. The process gets its
// own process group, so that a Ctrl-C in the terminal reaches only this
// program, which stops the others in order; and (on Linux) stopSig when
// this program dies without stopping it.
func (c *cluster) start(name string, cmd *exec.Cmd, stopSig syscall.Signal, grace time.Duration, cred *syscall.Credential) (*proc, error) {
	logPath := filepath.Join(c.dir, "logs", strings.ReplaceAll(name, " ", "-")+".log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logFile, "---- %s: %s\n", time.Now().Format(time.RFC3339), strings.Join(cmd.Args, " "))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr(stopSig, cred)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, stopSig: stopSig, grace: grace, done: make(chan struct{})}
	c.procs = append(c.procs, p)
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
		select {
		case c.exited <- p:
		default:
		}
	}()
	return p, nil
}

// runOnce runs cmd to its end with its output in logs/NAME.log.
func (c *cluster) runOnce(name string, cmd *exec.Cmd, cred *syscall.Credential) error {
	logPath := filepath.Join(c.dir, "logs", name+".log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr(syscall.SIGTERM, cred)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed (%v); the end of %s:\n%s", name, err, logPath, tail(logPath, 20))
	}
	return nil
}

// stopAll stops the processes in the reverse order of their start: the
// proxy first, so no request reaches an instance that is stopping, and the
// stores last, so that the instances flush their history into them.
func (c *cluster) stopAll() error {
	var errs []error
	for i := len(c.procs) - 1; i >= 0; i-- {
		p := c.procs[i]
		select {
		case <-p.done:
			continue
		default:
		}
		_ = p.cmd.Process.Signal(p.stopSig)
		select {
		case <-p.done:
			fmt.Fprintf(c.out, "  stopped %s\n", p.name)
		case <-time.After(p.grace):
			_ = p.cmd.Process.Kill()
			<-p.done
			errs = append(errs, fmt.Errorf("%s did not stop within %s and was killed", p.name, p.grace))
		}
	}
	c.procs = nil
	return errors.Join(errs...)
}

// failed reports a process that exited while the cluster was starting.
func (p *proc) failed() error {
	return fmt.Errorf("%s exited (%v); the end of %s:\n%s", p.name, p.err, p.log, tail(p.log, 20))
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// waitFor polls ready until it succeeds, p exits, ctx ends or timeout.
func (c *cluster) waitFor(ctx context.Context, p *proc, timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return p.failed()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s (%v): see %s", p.name, timeout, err, p.log)
		}
	}
}

func (c *cluster) waitHTTP(ctx context.Context, p *proc, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return c.waitFor(ctx, p, timeout, func() error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		return nil
	})
}

// startRedis runs a private Redis on 127.0.0.1:port with its data in
// redis/: an append-only file written every second (a second run finds
// the canvas, the sessions and the cooldowns again) and no eviction, as
// cluster mode requires.
func (c *cluster) startRedis(ctx context.Context, bin string, port int) error {
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", filepath.Join(c.dir, "redis"),
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction",
		"--daemonize", "no", "--logfile", "")
	p, err := c.start("redis", cmd, syscall.SIGTERM, 30*time.Second, nil)
	if err != nil {
		return err
	}
	p.addr = fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	return c.waitFor(ctx, p, 30*time.Second, func() error {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(time.Second))
		if _, err := conn.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+PONG") {
			return fmt.Errorf("PING: %q", strings.TrimSpace(line))
		}
		return nil
	})
}

// startPostgres runs a private PostgreSQL on 127.0.0.1:port with its data
// in postgres/ (made by initdb on the first run), and creates the database
// place; it returns that database's URL. PostgreSQL refuses to run as
// root: as root, it runs as the postgres user (or nobody), which owns
// postgres/.
func (c *cluster) startPostgres(ctx context.Context, binDir string, port int) (string, error) {
	data := filepath.Join(c.dir, "postgres")
	cred, err := postgresCredential(data)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(c.out, "creating the PostgreSQL data directory %s\n", data)
		cmd := exec.Command(filepath.Join(binDir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions")
		if err := c.runOnce("initdb", cmd, cred); err != nil {
			return "", err
		}
	}
	// Only TCP on the loopback address: no Unix socket in a system
	// directory this user may not own, no clash with a system PostgreSQL.
	cmd := exec.Command(filepath.Join(binDir, "postgres"), "-D", data, "-c", "listen_addresses=127.0.0.1",
		"-c", "port="+strconv.Itoa(port), "-c", "unix_socket_directories=")
	// SIGINT is PostgreSQL's fast shutdown: it ends the sessions, writes a
	// checkpoint and exits.
	p, err := c.start("postgres", cmd, syscall.SIGINT, 60*time.Second, cred)
	if err != nil {
		return "", err
	}
	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	p.addr = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/place", port)
	var conn *pgx.Conn
	err = c.waitFor(ctx, p, 60*time.Second, func() error {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		var err error
		conn, err = pgx.Connect(cctx, admin)
		return err
	})
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'place')`).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE place`); err != nil {
			return "", fmt.Errorf("create database place: %w", err)
		}
	}
	return p.addr + "?sslmode=disable", nil
}

// postgresCredential is who PostgreSQL runs as: this user, or, for root,
// the postgres user (nobody when there is none), which is given data and
// must be able to reach it.
func postgresCredential(data string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup("nobody"); err != nil {
			return nil, errors.New("PostgreSQL refuses to run as root, and there is no postgres or nobody user to run it as: run place cluster as a normal user")
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// Every directory above data must let that user through.
	for d := filepath.Dir(data); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return nil, err
		}
		if st.Mode().Perm()&0o001 == 0 {
			if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != uid {
				return nil, fmt.Errorf("PostgreSQL refuses to run as root, so it runs as %s, who cannot enter %s (mode %s): let it through (chmod o+x %s), choose another --dir, or run place cluster as a normal user", u.Username, d, st.Mode().Perm(), d)
			}
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	if err := os.Chmod(data, 0o700); err != nil {
		return nil, err
	}
	err = filepath.Walk(data, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
	if err != nil {
		return nil, fmt.Errorf("give %s to %s: %w", data, u.Username, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// nginxServer matches deploy/nginx.conf's upstream server lines.
var nginxServer = regexp.MustCompile(`(?m)^\s*server 127\.0\.0\.1:\d+ (max_fails=.*);\n`)

// NginxConf is deploy/nginx.conf with its upstream servers replaced by
// instances (host:port) and its listen address by listen, inside a main
// configuration whose pid, logs and temporary files are under prefix.
func NginxConf(prefix, listen string, instances []string) (string, error) {
	site := deploy.NginxConf
	m := nginxServer.FindStringSubmatch(site)
	if m == nil {
		return "", errors.New("deploy/nginx.conf has no upstream server lines")
	}
	var lines strings.Builder
	for _, a := range instances {
		fmt.Fprintf(&lines, "    server %s %s;\n", a, m[1])
	}
	first := true
	site = nginxServer.ReplaceAllStringFunc(site, func(string) string {
		if first {
			first = false
			return lines.String()
		}
		return ""
	})
	site = regexp.MustCompile(`listen \d+;`).ReplaceAllString(site, "listen "+listen+";")
	return fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log %[1]s/logs/access.log;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
%[2]s
}
`, prefix, site), nil
}

// startNginx runs nginx with deploy/nginx.conf in front of the instances.
func (c *cluster) startNginx(ctx context.Context, bin, listen string, instances []string) error {
	prefix := filepath.Join(c.dir, "nginx")
	conf, err := NginxConf(prefix, listen, instances)
	if err != nil {
		return err
	}
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return err
	}
	// SIGTERM is nginx's fast shutdown: it closes the WebSockets at once
	// (SIGQUIT would wait for every player to leave).
	p, err := c.start("nginx", exec.Command(bin, "-p", prefix, "-c", confPath, "-g", "daemon off;"), syscall.SIGTERM, 10*time.Second, nil)
	if err != nil {
		return err
	}
	p.addr = "http://" + listen
	return c.waitHTTP(ctx, p, "http://"+dialAddr(listen)+"/readyz", 30*time.Second)
}

// dialAddr is listen with an unspecified host replaced by the loopback one.
func dialAddr(listen string) string {
	host, port, _ := net.SplitHostPort(listen)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return listen
}
