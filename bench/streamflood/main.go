//go:build unix

// Command streamflood checks that one address cannot take a server's
// sockets with long-lived event streams: it opens -n streams (by default
// /panels/events, the live panels of the canvas page) from one source
// address, keeping every stream the server accepts open, and meanwhile
// checks that another source address is still served.
//
// Run several copies at once to go past one process's limit on open files;
// the server sees them as one address when they share -from:
//
//	place serve --addr 127.0.0.1:3000 &
//	streamflood -url http://127.0.0.1:3000 -from 127.0.0.2 -n 10000 -hold 40s &
//	streamflood -url http://127.0.0.1:3000 -from 127.0.0.2 -n 10000 -hold 40s -probe 127.0.0.3
//
// On loopback any 127.0.0.0/8 address can be the source. The server must
// not trust a proxy on those addresses (--trusted-proxies), or it would
// read the client address from X-Forwarded-For, which this tool never sends.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	target := flag.String("url", "http://127.0.0.1:3000", "the server")
	path := flag.String("path", "/panels/events", "the stream to open")
	from := flag.String("from", "127.0.0.2", "source address of the flood")
	n := flag.Int("n", 20000, "streams to attempt")
	conc := flag.Int("c", 200, "attempts in flight at once")
	hold := flag.Duration("hold", 30*time.Second, "how long to keep the accepted streams open after the last attempt")
	probe := flag.String("probe", "", "another source address to check, while the flood holds, that it is still served (empty: no check)")
	flag.Parse()
	if err := run(*target, *path, *from, *probe, *n, *conc, *hold); err != nil {
		fmt.Fprintln(os.Stderr, "streamflood:", err)
		os.Exit(1)
	}
}

func run(target, path, from, probe string, n, conc int, hold time.Duration) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	if limit, err := raiseFileLimit(); err == nil && limit < uint64(n)+100 {
		fmt.Printf("note: at most %d open files in this process; streams past that fail on this side\n", limit)
	}
	var done atomic.Int64
	var (
		mu       sync.Mutex
		statuses = map[string]int{}
		held     []net.Conn
		bodies   = map[string]int{}
	)
	start := time.Now()
	// Another address is checked every few seconds while the flood goes on,
	// and once more with every accepted stream held.
	stopProbing := make(chan struct{})
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		if probe == "" {
			return
		}
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProbing:
				return
			case <-t.C:
				if err := check(u, path, probe); err != nil {
					fmt.Printf("probe from %s during the flood (%d attempts made): FAILED: %v\n", probe, done.Load(), err)
				}
			}
		}
	}()
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			conn, _, status, body, err := open(u.Host, path, from)
			mu.Lock()
			defer mu.Unlock()
			done.Add(1)
			switch {
			case err != nil:
				statuses["error: "+shortErr(err)]++
			case status == http.StatusOK:
				statuses["200"]++
				held = append(held, conn)
			default:
				statuses[fmt.Sprint(status)]++
				bodies[body]++
			}
		}()
	}
	wg.Wait()
	close(stopProbing)
	<-probed
	fmt.Printf("%d attempts from %s to %s in %v:\n", n, from, path, time.Since(start).Round(time.Millisecond))
	printCounts(statuses)
	if len(bodies) > 0 {
		fmt.Println("refusal bodies:")
		printCounts(bodies)
	}
	if probe != "" {
		if err := check(u, path, probe); err != nil {
			fmt.Printf("probe from %s: FAILED: %v\n", probe, err)
		}
	}
	fmt.Printf("holding %d accepted streams for %v\n", len(held), hold)
	time.Sleep(hold)
	for _, c := range held {
		_ = c.Close()
	}
	return nil
}

// open sends a GET for path from the source address from and reads the
// response head. An accepted stream is returned open, with the reader of
// its body; a refusal is read to its end (its JSON body) and closed.
func open(host, path, from string) (net.Conn, io.Reader, int, string, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", host)
	if err != nil {
		return nil, nil, 0, "", err
	}
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\nConnection: keep-alive\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		conn.Close()
		return nil, nil, 0, "", err
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		conn.Close()
		return nil, nil, 0, "", err
	}
	if res.StatusCode == http.StatusOK {
		_ = conn.SetDeadline(time.Time{})
		return conn, res.Body, res.StatusCode, "", nil
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	conn.Close()
	return nil, nil, res.StatusCode, strings.TrimSpace(string(b)), nil
}

// check opens the stream and loads the canvas page from another address,
// with the flood's streams held, and says how long each took.
func check(u *url.URL, path, from string) error {
	t0 := time.Now()
	conn, stream, status, body, err := open(u.Host, path, from)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("stream: %d %s", status, body)
	}
	// The first event (the current panels) arrives at once.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(stream).ReadString('\n')
	conn.Close()
	if err != nil {
		return fmt.Errorf("stream's first line: %w", err)
	}
	streamTook := time.Since(t0)

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}).DialContext,
	}}
	t1 := time.Now()
	res, err := client.Get(u.String() + "/")
	if err != nil {
		return fmt.Errorf("canvas page: %w", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	fmt.Printf("%s probe from %s: stream %s 200, first line %q after %v; GET / %d in %v\n",
		time.Now().Format("15:04:05"), from, path, strings.TrimSpace(line), streamTook.Round(time.Millisecond), res.StatusCode, time.Since(t1).Round(time.Millisecond))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("canvas page: %d", res.StatusCode)
	}
	return nil
}

func printCounts(m map[string]int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  %6d  %s\n", m[k], k)
	}
}

func shortErr(err error) string {
	switch {
	case errors.Is(err, syscall.EMFILE):
		return "too many open files (this process)"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, context.DeadlineExceeded), os.IsTimeout(err):
		return "timeout"
	}
	return err.Error()
}

// raiseFileLimit lifts the soft limit on open files to the hard limit.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return uint64(lim.Cur), nil
}
