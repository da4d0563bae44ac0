package listen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Handler runs Command for events of Type ("*": any), under /bin/sh -c on
// Unix and cmd.exe /C on Windows.
type Handler struct {
	Type    string
	Command string
}

// ParseHandler parses TYPE=COMMAND.
func ParseHandler(s string) (Handler, error) {
	t, c, ok := strings.Cut(s, "=")
	t, c = strings.TrimSpace(t), strings.TrimSpace(c)
	if !ok || t == "" || c == "" {
		return Handler{}, fmt.Errorf("--on %q: want TYPE=COMMAND (TYPE an event type or *)", s)
	}
	if strings.ContainsAny(t, " \t") {
		return Handler{}, fmt.Errorf("--on %q: event type %q has spaces", s, t)
	}
	return Handler{Type: t, Command: c}, nil
}

// handlerFor returns the command for typ: the handler of that exact type,
// else the "*" handler, else "".
func handlerFor(hs []Handler, typ string) string {
	star := ""
	for _, h := range hs {
		if h.Type == typ {
			return h.Command
		}
		if h.Type == "*" && star == "" {
			star = h.Command
		}
	}
	return star
}

// hiddenEnv are variables handlers do not inherit: they only concern the
// listener, and a handler that logs its environment would leak them.
var hiddenEnv = []string{"FEISHU_ENCRYPT_KEY", "FEISHU_ENCRYPT_KEY_FILE", "FEISHU_VERIFICATION_TOKEN", "FEISHU_VERIFICATION_TOKEN_FILE"}

// handlerEnv is the environment of a handler run.
func handlerEnv(extra []string, ev *Event, attempt int) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		hide := false
		for _, h := range hiddenEnv {
			// Case-insensitively: on Windows feishu_encrypt_key is the
			// same variable.
			hide = hide || strings.EqualFold(k, h)
		}
		if !hide {
			env = append(env, kv)
		}
	}
	env = append(env, extra...)
	return append(env,
		"FEISHU_EVENT_TYPE="+ev.Type,
		"FEISHU_EVENT_ID="+ev.ID,
		"FEISHU_EVENT_SCHEMA="+ev.Schema,
		fmt.Sprintf("FEISHU_EVENT_ATTEMPT=%d", attempt))
}

// errTimeout is a handler killed at its deadline.
var errTimeout = errors.New("timed out")

// runResult is how one handler run ended.
type runResult struct {
	exit     int // -1 when killed or not started
	err      error
	duration time.Duration
}

// invocation is one run of a handler: its command line and environment,
// the event it gets on stdin, and where its output goes.
type invocation struct {
	command        string
	env            []string
	ev             *Event
	stdout, stderr io.Writer
}

// run runs inv's command with its event on stdin through the platform's
// shell (see shellCommand), killing the whole process tree at timeout. It
// is deliberately not tied to the listener's context: on SIGTERM, running
// handlers are drained, not killed.
func run(inv invocation, timeout time.Duration) runResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return runCtx(ctx, inv)
}

// runCtx is run until ctx is done, when the handler's process tree is
// killed and the result is errTimeout.
func runCtx(ctx context.Context, inv invocation) runResult {
	cmd := shellCommand(ctx, inv.command)
	cmd.Env = inv.env
	cmd.Stdin = bytes.NewReader(inv.ev.Body)
	cmd.Stdout, cmd.Stderr = inv.stdout, inv.stderr
	cmd.WaitDelay = time.Second
	start := time.Now()
	release, err := startTree(cmd)
	if err == nil {
		err = cmd.Wait()
		release()
	}
	res := runResult{exit: -1, err: err, duration: time.Since(start)}
	if ctx.Err() != nil {
		res.err = errTimeout
		return res
	}
	if cmd.ProcessState != nil {
		res.exit = cmd.ProcessState.ExitCode()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.err = fmt.Errorf("exit status %d", res.exit)
	}
	return res
}

// lockedWriter serialises writes from concurrent handlers.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// limitedBuffer keeps the first max bytes written and drops the rest.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
