package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lxzan/gws"
)

// connectAll opens every client, DialConcurrency at a time, and returns
// them all and those that are connected.
func (r *runner) connectAll(ctx context.Context, rep *Report, wsURL, origin string) (clients, live []*client) {
	opts := r.opts
	fmt.Fprintf(opts.Log, "connecting %d clients to %s (%s)\n", opts.Clients, wsURL, rep.Protocol)
	clients = make([]*client, opts.Clients)
	connectStart := time.Now()
	sem := make(chan struct{}, opts.DialConcurrency)
	var wg sync.WaitGroup
	for i := range clients {
		c := newClient(r, i)
		clients[i] = c
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.connect(ctx, c, wsURL, origin)
		})
	}
	wg.Wait()
	for _, c := range clients {
		if c.isReady() && !c.isClosed() {
			live = append(live, c)
		}
	}
	rep.Connected = len(live)
	rep.Deflate = opts.Deflate
	if len(live) > 0 {
		times := make([]time.Duration, len(live))
		var bytes int64
		for i, c := range live {
			times[i], bytes = c.joinTime, bytes+c.joinBytes
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		ms := func(q float64) float64 {
			return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
		}
		rep.JoinP50Ms, rep.JoinP99Ms, rep.JoinMaxMs = ms(0.5), ms(0.99), ms(1)
		rep.JoinBytesPerJoin = float64(bytes) / float64(len(live))
	}
	rep.ConnectFailed = opts.Clients - len(live)
	rep.ConnectSec = time.Since(connectStart).Seconds()
	rep.ConnectErrors = r.connectErrs
	fmt.Fprintf(opts.Log, "connected %d of %d in %.1fs\n", rep.Connected, opts.Clients, rep.ConnectSec)
	if n := capRefusals(r.connectErrs); n > 0 {
		msg := fmt.Sprintf("%d connections were refused with 429: the server caps connections and new guests per address (--max-conns-per-address, --guest-limit); spread them wider with --conns-per-addr or raise the server's caps", n)
		rep.Warnings = append(rep.Warnings, msg)
		fmt.Fprintln(opts.Log, "warning:", msg)
	}
	return clients, live
}

// noConnection is the error of a run where no client could connect.
func (r *runner) noConnection(wsURL string) error {
	hint := ""
	for k := range r.connectErrs {
		if strings.Contains(k, "sub-protocol") {
			hint = "; the server does not offer " + BinaryProtocol + ", try the JSON protocol"
		}
	}
	return fmt.Errorf("no client could connect to %s (%s)%s", wsURL, joinCounts(r.connectErrs), hint)
}

// connect opens one client and waits for its first canvas.
func (r *runner) connect(ctx context.Context, c *client, wsURL, origin string) {
	header := http.Header{}
	header.Set("Origin", origin)
	if r.opts.Binary {
		header.Set("Sec-WebSocket-Protocol", BinaryProtocol)
	}
	dialer := &net.Dialer{Timeout: r.opts.ConnectTimeout}
	if n := len(r.opts.SourceAddrs); n > 0 {
		addr := r.opts.SourceAddrs[c.id%n]
		if r.opts.autoAddrs && c.id < r.opts.Placers {
			addr = placerAddr(c.id)
		}
		if ip := net.ParseIP(addr); ip != nil && !ip.IsUnspecified() {
			dialer.LocalAddr = &net.TCPAddr{IP: ip}
		}
	}
	if c.id < r.opts.Placers {
		// Watching needs no session; a placer starts playing first.
		cookie, err := startPlaying(ctx, dialer, origin, r.opts.ConnectTimeout)
		if err != nil {
			r.mu.Lock()
			countBounded(r.connectErrs, connectErrorKey(err))
			r.mu.Unlock()
			close(c.closed)
			return
		}
		if cookie != "" {
			header.Set("Cookie", cookie)
		}
	}
	dialed := time.Now()
	opt := &gws.ClientOption{
		Addr:             wsURL,
		RequestHeader:    header,
		ReadBufferSize:   4096,
		HandshakeTimeout: r.opts.ConnectTimeout,
		NewDialer:        func() (gws.Dialer, error) { return countingDialer{dialer, &c.wire}, nil },
	}
	if r.opts.Deflate {
		opt.PermessageDeflate = gws.PermessageDeflate{Enabled: true, ServerContextTakeover: false, ClientContextTakeover: false}
	}
	conn, resp, err := gws.NewClient(c, opt)
	if err != nil {
		key := connectErrorKey(err)
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			key = "upgrade refused: " + resp.Status
		}
		r.mu.Lock()
		countBounded(r.connectErrs, key)
		r.mu.Unlock()
		close(c.closed)
		return
	}
	c.conn = conn
	go conn.ReadLoop()
	timer := time.NewTimer(r.opts.ConnectTimeout)
	defer timer.Stop()
	var reason string
	select {
	case <-c.ready:
		c.joinTime, c.joinBytes = time.Since(dialed), c.wire.Load()
		return
	case <-c.closed:
		reason = closeReason(c.closeErr)
	case <-timer.C:
		reason = "no canvas within the connect timeout"
	case <-ctx.Done():
		reason = "cancelled"
	}
	r.mu.Lock()
	countBounded(r.connectErrs, reason)
	r.mu.Unlock()
	c.closing.Store(true)
	_ = conn.WriteClose(1000, nil)
}

// connectErrorKey drops the addresses and ports from a dial error so that
// equal failures count together.
func connectErrorKey(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Op + ": " + op.Err.Error()
	}
	return err.Error()
}

func closeAll(clients []*client) {
	for _, c := range clients {
		if c != nil && c.conn != nil && !c.isClosed() {
			c.closing.Store(true)
			_ = c.conn.WriteClose(1000, nil)
		}
	}
	deadline := time.After(5 * time.Second)
	for _, c := range clients {
		if c == nil || c.conn == nil {
			continue
		}
		select {
		case <-c.closed:
		case <-deadline:
			return
		}
	}
}

// endpoints derives the WebSocket URL, the Origin to present, and the
// metrics URL from the base URL of the server.
func endpoints(target string, batchedAcks bool) (wsURL, origin, metricsURL string, err error) {
	u, err := url.Parse(strings.TrimRight(target, "/"))
	if err != nil || u.Host == "" {
		return "", "", "", fmt.Errorf("target %q is not a base URL such as http://127.0.0.1:3000", target)
	}
	ws := *u
	switch u.Scheme {
	case "http", "ws":
		u.Scheme, ws.Scheme = "http", "ws"
	case "https", "wss":
		u.Scheme, ws.Scheme = "https", "wss"
	default:
		return "", "", "", fmt.Errorf("target %q: scheme must be http or https", target)
	}
	ws.Path = u.Path + "/ws"
	if batchedAcks {
		// A server that predates it ignores the parameter and answers each
		// placement on its own.
		ws.RawQuery = "acks=batched"
	}
	return ws.String(), u.Scheme + "://" + u.Host, u.String() + "/metrics", nil
}

// capRefusals counts the connect errors that are a server's per-address
// caps refusing (429 Too Many Requests).
func capRefusals(errs map[string]int) int {
	n := 0
	for k, v := range errs {
		if strings.Contains(k, "429") {
			n += v
		}
	}
	return n
}

// placerAddr is the source address of placer i when the addresses are
// chosen automatically: each placer is a player of its own on an address
// of its own (127.1.0.2, 127.1.0.3, …), as real players are, so that the
// server's per-address rules (new guests, the address's placement budget)
// see one player per address.
func placerAddr(i int) string {
	return net.IPv4(127, 1, byte(i/250), byte(2+i%250)).String()
}

// autoSourceAddrs spreads the connections to a loopback target over
// 127.0.0.2, 127.0.0.3, …: one source address has only about 28,000
// ephemeral ports, and a server limits guests per address.
func autoSourceAddrs(wsURL string, clients, perAddr int) []string {
	u, err := url.Parse(wsURL)
	if err != nil || runtime.GOOS != "linux" {
		return []string{}
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return []string{}
	}
	n := min(max(1, (clients+perAddr-1)/perAddr), 250)
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = net.IPv4(127, 0, 0, byte(2+i)).String()
	}
	return addrs
}

// sortedKeys returns the keys of m in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// startPlaying gets a guest session (POST /api/v1/session) from the
// dialer's source address and returns its cookies as a Cookie header value.
func startPlaying(ctx context.Context, dialer *net.Dialer, origin string, timeout time.Duration) (string, error) {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{DialContext: dialer.DialContext}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, origin+"/api/v1/session", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Origin", origin)
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return "", nil // a server without the endpoint (the ceiling server) places without a session
	}
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return "", fmt.Errorf("starting to play: %s: %s", res.Status, strings.TrimSpace(string(body)))
	}
	var parts []string
	for _, ck := range res.Cookies() {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; "), nil
}
