package localcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/placecanvas/place/deploy"
)

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
