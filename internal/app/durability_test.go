package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/internal/wstest"
	"github.com/placecanvas/place/store/embedded"
)

// buildBinary builds cmd/place once per test binary run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func placeBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "place-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "place")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, "github.com/placecanvas/place/cmd/place").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

var listenLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startProcess runs the server binary and returns its address once it
// listens. Like the in-process servers of start, it plays many guests from
// 127.0.0.1 with no address budget and no challenge (later flags in args
// win).
func startProcess(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(placeBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--address-players", "0", "--challenge-bits", "0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case addr := <-addrCh:
		return cmd, addr
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
		return nil, ""
	}
}

type ack struct {
	x, y, color int
}

// placingLoad is users placing pixels on a size×size canvas, one at a time
// each over a connection of their own and under the flood limit; every
// placement has a pixel of its own (user u owns rows u, u+users, …), so an
// acknowledged placement can be found again on the canvas and in history.
type placingLoad struct {
	clients []*wstest.Client
	stop    context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	acked   []ack
}

func startPlacing(t *testing.T, addr string, users, size int) *placingLoad {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	l := &placingLoad{stop: stop}
	for u := range users {
		c, err := wstest.Dial("ws://"+addr+"/ws", wstest.Options{Player: true})
		if err != nil {
			t.Fatal(err)
		}
		l.clients = append(l.clients, c)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			sent := map[string]ack{}
			for i := 0; ctx.Err() == nil && i < size*(size/users); i++ {
				a := ack{x: i % size, y: u + users*(i/size), color: 1 + i%15}
				id := fmt.Sprint(i)
				if c.Place(a.x, a.y, a.color, id) != nil {
					return
				}
				sent[id] = a
				for {
					m, err := c.Next(3 * time.Second)
					if err != nil {
						return // closed
					}
					if m.Type == "success" {
						l.mu.Lock()
						l.acked = append(l.acked, sent[m.RequestID])
						l.mu.Unlock()
						break
					}
					if m.Type == "error" {
						break
					}
				}
				time.Sleep(55 * time.Millisecond) // under the flood limit
			}
		}()
	}
	return l
}

// finish stops placing and returns the acknowledged placements.
func (l *placingLoad) finish() []ack {
	l.stop()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acked
}

// checkNothingLost restarts the server on dataDir and checks that every
// acknowledged placement is on the canvas and in history exactly once, that
// history's seqs have no gap, and that the canvas equals its replay. It
// returns the number of placements in history.
func checkNothingLost(t *testing.T, args []string, dataDir string, size int, acked []ack) uint64 {
	t.Helper()
	cmd, addr := startProcess(t, args...)
	resp, body := get(t, "http://"+addr+"/api/v1/canvas", nil)
	if resp.StatusCode != 200 || len(body) != size*size {
		t.Fatalf("canvas after restart: %d, %d bytes", resp.StatusCode, len(body))
	}
	for _, a := range acked {
		if int(body[a.y*size+a.x]) != a.color {
			t.Errorf("acknowledged pixel (%d,%d) color %d is %d after restart", a.x, a.y, a.color, body[a.y*size+a.x])
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()

	st, err := embedded.Open(context.Background(), embedded.Options{DataDir: dataDir, Config: place.Config{Width: size, Height: size}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := map[ack]int{}
	replay := make([]byte, size*size)
	var last uint64
	err = st.History.EachPlacement(context.Background(), func(p place.Placement) error {
		if p.Seq != last+1 {
			return fmt.Errorf("seq %d after %d", p.Seq, last)
		}
		last = p.Seq
		count[ack{p.X, p.Y, int(p.Color)}]++
		replay[p.Y*size+p.X] = p.Color
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acked {
		if count[a] != 1 {
			t.Errorf("acknowledged placement %+v is in history %d times", a, count[a])
		}
	}
	if string(replay) != string(body) {
		t.Error("the canvas after restart differs from the replay of history")
	}
	return last
}

// TestKill9LosesNothingAcknowledged places pixels from many users, kills the
// server with SIGKILL while placements are in flight, restarts it and checks
// that every acknowledged placement is on the canvas and in history exactly
// once, and that the canvas equals the replay of history.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	dataDir := t.TempDir()
	args := []string{"--data-dir", dataDir, "--cooldown", "0s", "--guest-limit", "0", "--width", "200", "--height", "200"}
	cmd, addr := startProcess(t, args...)
	load := startPlacing(t, addr, 50, 200)
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	acked := load.finish()
	if len(acked) < 100 {
		t.Fatalf("only %d placements acknowledged before the kill; the test needs more", len(acked))
	}
	stored := checkNothingLost(t, args, dataDir, 200, acked)
	t.Logf("history: %d placements (%d acknowledged, the rest committed but unacknowledged at the kill)", stored, len(acked))
}

// TestSIGTERMDrainsGracefully sends SIGTERM to the real binary while
// WebSocket clients are placing pixels: a /readyz request that
// reaches the server during shutdown answers 503, every socket gets 1001
// "going away", the process exits 0 within 10 s, and every acknowledged
// placement is in history exactly once after a restart.
func TestSIGTERMDrainsGracefully(t *testing.T) {
	dataDir := t.TempDir()
	args := []string{"--data-dir", dataDir, "--cooldown", "0s", "--guest-limit", "0", "--width", "100", "--height", "100"}
	cmd, addr := startProcess(t, args...)

	// A readiness probe whose request is under way when the signal comes;
	// it is completed once shutdown has begun.
	probe, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	if _, err := io.WriteString(probe, "GET /readyz HTTP/1.1\r\nHost: "+addr+"\r\n"); err != nil {
		t.Fatal(err)
	}

	load := startPlacing(t, addr, 20, 100)
	time.Sleep(time.Second)
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	for i, c := range load.clients {
		select {
		case <-c.Closed():
			if code := c.CloseCode(); code != 1001 {
				t.Errorf("client %d: close code %d, want 1001 (%v)", i, code, c.CloseErr())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("client %d still open 10 s after SIGTERM", i)
		}
	}
	// The sockets are closed: shutdown is under way. The probe finishes now.
	_ = probe.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(probe, "\r\n"); err != nil {
		t.Fatalf("readiness probe: %v", err)
	}
	status, err := bufio.NewReader(probe).ReadString('\n')
	if err != nil || !strings.Contains(status, " 503 ") {
		t.Errorf("/readyz during shutdown answered %q (%v), want 503", status, err)
	}

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0", err)
		}
		if d := time.Since(signalled); d > 10*time.Second {
			t.Errorf("exit took %v after SIGTERM", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGTERM")
	}
	acked := load.finish()
	if len(acked) < 50 {
		t.Fatalf("only %d placements acknowledged before SIGTERM; the test needs more", len(acked))
	}
	checkNothingLost(t, args, dataDir, 100, acked)
	t.Logf("%d placements acknowledged; shut down in %v", len(acked), time.Since(signalled))
}
