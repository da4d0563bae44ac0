//go:build unix

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/cli/clitest"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// The test binary is feishu-push itself when this variable is set, so that
// tests can run it as a process, send it signals and kill it.
const asCLI = "FEISHU_PUSH_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		os.Exit(Main(os.Args[1:], SystemStreams()))
	}
	os.Exit(m.Run())
}

// proc is a feishu-push process of a test against fake.
type proc struct {
	t    *testing.T
	url  string
	dir  string
	vars []string
}

func newProc(t *testing.T, fake *feishutest.Fake) *proc {
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	return &proc{t: t, url: srv.URL, dir: dir, vars: []string{
		asCLI + "=1", "HOME=" + dir, "PATH=" + os.Getenv("PATH"),
		"FEISHU_BASE_URL=" + srv.URL, "FEISHU_APP_ID=" + clitest.AppID, "FEISHU_APP_SECRET=" + clitest.AppSecret,
	}}
}

func (p *proc) command(args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = p.vars
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}

// run runs a command line to its end and returns its exit code.
func (p *proc) run(args ...string) (int, string) {
	cmd, stderr := p.command(args...)
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	} else if err != nil {
		p.t.Fatal(err)
	}
	return 0, stderr.String()
}

// waitExit waits for cmd, failing the test if it does not end.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return -int(ws.Signal())
			}
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the process did not end")
		return 0
	}
}

// TestSIGINTWhileReadingAFIFO: SIGINT ends a run blocked reading a FIFO on
// stdin that never delivers: exit 130, nothing sent.
func TestSIGINTWhileReadingAFIFO(t *testing.T) {
	fake := feishutest.New(clitest.FakeOptions()...)
	p := newProc(t, fake)
	fifo := filepath.Join(p.dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	// Held open for writing and never written: a read blocks forever.
	fh, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	for _, args := range [][]string{
		{"send-text", "--to", "oc_a", "--text-file", "-"},
		{"send-text", "--to-file", "-", "--text", "x"},
	} {
		cmd, stderr := p.command(args...)
		cmd.Stdin = fh
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // let it block in the read
		_ = cmd.Process.Signal(os.Interrupt)
		if code := waitExit(t, cmd); code != ExitInterrupted {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		if !strings.Contains(stderr.String(), "interrupted by interrupt") {
			t.Errorf("%v: stderr %q", args, stderr)
		}
	}
	if n := len(fake.Messages()); n != 0 {
		t.Errorf("sent %d", n)
	}
}

// TestSIGKILLLosesNothingWithASpool: SIGKILL at random points of a
// 300-recipient fan-out with a spool, several rounds; after flush, every
// recipient has each round's message exactly once, checked on the fake.
func TestSIGKILLLosesNothingWithASpool(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for a while")
	}
	fake := feishutest.New(clitest.FakeOptions()...)
	p := newProc(t, fake)
	const n = 300
	var list strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&list, "oc_kill%03d\n", i)
	}
	rcpts := filepath.Join(p.dir, "rcpts.txt")
	if err := os.WriteFile(rcpts, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	spoolDir := filepath.Join(p.dir, "spool")
	p.vars = append(p.vars, "FEISHU_PUSH_SPOOL_DIR="+spoolDir)
	rounds := 4
	for round := 1; round <= rounds; round++ {
		text := fmt.Sprintf("round %d", round)
		// No --uuid: each message's own uuid, from the spool, is what makes
		// the flush safe.
		cmd, _ := p.command("send-text", "--to-file", rcpts, "--text", text, "--workers", "16")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Anywhere from before the spool is written to the middle of the sends.
		time.Sleep(time.Duration(rand.IntN(2500)) * time.Millisecond)
		_ = cmd.Process.Kill()
		killed := waitExit(t, cmd) == -int(syscall.SIGKILL)
		sent := countText(fake, text)
		code, stderr := p.run("flush")
		if code != 0 {
			t.Fatalf("round %d: flush exit %d: %s", round, code, stderr)
		}
		got := map[string]int{}
		for _, m := range fake.Messages() {
			if strings.Contains(string(m.Content), text) {
				got[m.ReceiveID]++
			}
		}
		t.Logf("round %d: killed %v with %d of %d sent, flush sent the rest", round, killed, sent, n)
		if sent == 0 && len(got) == 0 {
			// Killed before the spool batch was committed: nothing was
			// sent and nothing kept, as the write-ahead promises. The
			// round is re-run to exercise a kill mid-send.
			if round == rounds {
				rounds++
			}
			continue
		}
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("oc_kill%03d", i)
			if got[id] != 1 {
				t.Fatalf("round %d: %s got %q %d times", round, id, text, got[id])
			}
		}
		if rounds > 8 {
			break
		}
	}
}

func countText(fake *feishutest.Fake, text string) int {
	k := 0
	for _, m := range fake.Messages() {
		if strings.Contains(string(m.Content), text) {
			k++
		}
	}
	return k
}
