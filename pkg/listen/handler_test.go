package listen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sleeperEnv makes the test binary a stand-in handler child: it writes its
// pid to the file named by the variable and sleeps.
const sleeperEnv = "FEISHU_LISTEN_TEST_SLEEPER"

func TestMain(m *testing.M) {
	if p := os.Getenv(sleeperEnv); p != "" {
		_ = os.WriteFile(p+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o600)
		_ = os.Rename(p+".tmp", p)
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestCmdLine(t *testing.T) {
	got := cmdLine(`C:\Windows\System32\cmd.exe`, `python "C:\Program Files\h.py" --x "a b" & echo %FEISHU_EVENT_TYPE%`)
	want := `"C:\Windows\System32\cmd.exe" /d /s /c "python "C:\Program Files\h.py" --x "a b" & echo %FEISHU_EVENT_TYPE%"`
	if got != want {
		t.Errorf("cmdLine:\n got %s\nwant %s", got, want)
	}
}

// TestRunThroughShell runs handler lines the way the listener does: through
// the platform's shell, with the event on stdin and its type in the
// environment; quotes reach the shell unchanged and exit codes come back.
func TestRunThroughShell(t *testing.T) {
	ev := &Event{Schema: "2.0", ID: "ev_1", Type: "im.message.receive_v1", Body: []byte(`{"x":"body"}`)}
	env := handlerEnv(nil, ev, 1)
	cases := []struct{ unix, windows, want string }{
		{`echo "type=$FEISHU_EVENT_TYPE"`, `echo type=%FEISHU_EVENT_TYPE%`, "type=im.message.receive_v1"},
		{`cat`, `more`, `{"x":"body"}`},
		{`echo "a  b" 'c'`, `echo "a  b" 'c'`, map[bool]string{true: `"a  b" 'c'`, false: "a  b c"}[runtime.GOOS == "windows"]},
	}
	for _, c := range cases {
		line := c.unix
		if runtime.GOOS == "windows" {
			line = c.windows
		}
		var out, errOut bytes.Buffer
		res := run(invocation{command: line, env: env, ev: ev, stdout: &out, stderr: &errOut}, time.Minute)
		if res.err != nil || res.exit != 0 {
			t.Errorf("%s: exit %d, %v; stderr %q", line, res.exit, res.err, errOut.String())
		}
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: stdout %q, want it to contain %q", line, out.String(), c.want)
		}
	}
	var out bytes.Buffer
	if res := run(invocation{command: "exit 3", env: env, ev: ev, stdout: &out, stderr: &out}, time.Minute); res.exit != 3 || res.err == nil || res.err.Error() != "exit status 3" {
		t.Errorf("exit 3: exit %d, err %v", res.exit, res.err)
	}
}

// TestRunKillsProcessTree: at the deadline the shell and what it started
// are killed, not the shell alone.
func TestRunKillsProcessTree(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	line := `'` + exe + `' -test.run=^$ & wait`
	if runtime.GOOS == "windows" {
		line = `"` + exe + `" -test.run=^$`
	}
	ev := &Event{Schema: "2.0", ID: "ev_1", Type: "t"}
	env := append(os.Environ(), sleeperEnv+"="+pidFile)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan runResult, 1)
	var out bytes.Buffer
	go func() { done <- runCtx(ctx, invocation{command: line, env: env, ev: ev, stdout: &out, stderr: &out}) }()

	pid := 0
	for deadline := time.Now().Add(time.Minute); pid == 0; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, _ = strconv.Atoi(string(b))
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the grandchild never started: %s", out.String())
		}
	}
	t.Cleanup(func() {
		if p, err := os.FindProcess(pid); err == nil && alive(pid) {
			_ = p.Kill()
		}
	})
	cancel()
	res := <-done
	if res.err != errTimeout || res.exit != -1 {
		t.Errorf("run: exit %d, err %v; want -1, %v", res.exit, res.err, errTimeout)
	}
	for deadline := time.Now().Add(30 * time.Second); alive(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still running after the handler was killed", pid)
		}
	}
}
