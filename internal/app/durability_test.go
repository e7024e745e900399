package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// startProcess runs the server binary and returns its address once it listens.
func startProcess(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(placeBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
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

// TestKill9LosesNothingAcknowledged places pixels from many users, kills the
// server with SIGKILL while placements are in flight, restarts it and checks
// that every acknowledged placement is on the canvas and in history exactly
// once, and that the canvas equals the replay of history.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	dataDir := t.TempDir()
	args := []string{"--data-dir", dataDir, "--cooldown", "0s", "--guest-limit", "0", "--width", "200", "--height", "200"}
	cmd, addr := startProcess(t, args...)

	const users = 50
	var mu sync.Mutex
	var acked []ack
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for u := 0; u < users; u++ {
		c, err := wstest.Dial("ws://"+addr+"/ws", wstest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each user owns rows u, u+50, …: every placement has its own pixel.
			// Under 20 messages a second per connection (the flood limit).
			sent := map[string]ack{}
			for i := 0; ctx.Err() == nil; i++ {
				a := ack{x: i % 200, y: u + users*(i/200%(200/users)), color: 1 + i%15}
				id := fmt.Sprint(i)
				if c.Place(a.x, a.y, a.color, id) != nil {
					return
				}
				sent[id] = a
				for {
					m, err := c.Next(2 * time.Second)
					if err != nil {
						return
					}
					if m.Type == "success" {
						mu.Lock()
						acked = append(acked, sent[m.RequestID])
						mu.Unlock()
						break
					}
					if m.Type == "error" {
						break
					}
				}
				if i >= 200*(200/users)-1 {
					return
				}
				time.Sleep(55 * time.Millisecond)
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	stop()
	wg.Wait()
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	if n < 100 {
		t.Fatalf("only %d placements acknowledged before the kill; the test needs more", n)
	}
	t.Logf("%d placements acknowledged before SIGKILL", n)

	// Restart: every acknowledged pixel is on the canvas.
	cmd2, addr2 := startProcess(t, args...)
	resp, body := get(t, "http://"+addr2+"/api/v1/canvas", nil)
	if resp.StatusCode != 200 || len(body) != 200*200 {
		t.Fatalf("canvas: %d, %d bytes", resp.StatusCode, len(body))
	}
	for _, a := range acked {
		if int(body[a.y*200+a.x]) != a.color {
			t.Errorf("acknowledged pixel (%d,%d) color %d is %d after restart", a.x, a.y, a.color, body[a.y*200+a.x])
		}
	}
	_ = cmd2.Process.Signal(syscall.SIGTERM)
	_ = cmd2.Wait()

	// History holds each acknowledged placement exactly once, seqs are
	// gap-free, and replaying it gives the canvas.
	st, err := embedded.Open(context.Background(), embedded.Options{DataDir: dataDir, Config: place.Config{Width: 200, Height: 200}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := map[ack]int{}
	replay := make([]byte, 200*200)
	var last uint64
	err = st.EachPlacement(context.Background(), func(p place.Placement) error {
		if p.Seq != last+1 {
			return fmt.Errorf("seq %d after %d", p.Seq, last)
		}
		last = p.Seq
		count[ack{p.X, p.Y, int(p.Color)}]++
		replay[p.Y*200+p.X] = p.Color
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
	t.Logf("history: %d placements (%d acknowledged, the rest committed but unacknowledged at the kill)", last, n)
}
