package localcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

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
