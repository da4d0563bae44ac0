// Package clitest is the one test environment of feishu-push: a fake
// Feishu with a known app and webhook, the environment variables pointing
// at it, a temporary directory, a way to run a command line, and the checks
// every test gets for free: no secret in any output or file, no scripted
// fault left unused. pkg/cli and pkg/inbox run commands in process with it
// (the inbox serving its fake, see ServeThrough), cmd/ uses its fake and
// its secret check for the process-level scripts.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/internal/golden"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// Credentials of the fake; each must never show up in any output.
const (
	AppID      = "cli_test"
	AppSecret  = "app-secret-Zq8wXk"
	HookToken  = "hooktoken-7Hn2Pq"
	HookSecret = "hooksecret-Lm4Rt9"
)

// FakeOptions are the options of the standard fake: the app and the
// webhook above, then extra.
func FakeOptions(extra ...feishutest.Option) []feishutest.Option {
	return append([]feishutest.Option{
		feishutest.WithApp(AppID, AppSecret),
		feishutest.WithWebhook(HookToken, HookSecret),
	}, extra...)
}

// Secrets lists what must never appear in an output or a file we write:
// the credentials, and every tenant token fake issued.
func Secrets(fake *feishutest.Fake, credentials ...string) []string {
	return append(credentials, fake.IssuedTokens()...)
}

// LeakedSecret returns a secret found in one of texts, by name, or "".
func LeakedSecret(secrets []string, texts map[string]string) (secret, where string) {
	for name, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				return s, name
			}
		}
	}
	return "", ""
}

// Runner runs one command line in process and returns its exit code.
type Runner func(e *Env, inv Invocation) int

// Invocation is one command line with its streams and environment.
type Invocation struct {
	Ctx    context.Context
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// Env is a test environment: a fake Feishu and the variables pointing at
// it.
type Env struct {
	T   testing.TB
	Srv *feishutest.Server
	// Vars is the environment the commands see.
	Vars map[string]string
	// Dir is the test's directory, also HOME, so no stray config is read.
	Dir string
	// Sleep, when set, replaces the waits between retries.
	Sleep func(context.Context, time.Duration) error
	// Ctx, when set, is the context of the runs.
	Ctx context.Context

	run Runner
	mu  sync.Mutex
	// outputs collects every stdout/stderr, for the secret check.
	outputs []string
	// inputs are files the test wrote itself; they may hold secrets.
	inputs map[string]bool
}

// New starts a fake with FakeOptions(opts...) and returns an environment
// that runs command lines with run. At cleanup it fails the test if a
// secret reached an output or a file, or if a scripted fault was not
// consumed.
func New(t testing.TB, run Runner, opts ...feishutest.Option) *Env {
	t.Helper()
	srv := feishutest.NewServer(t, FakeOptions(opts...)...)
	dir := t.TempDir()
	e := &Env{T: t, Srv: srv, Dir: dir, run: run, inputs: map[string]bool{}, Vars: map[string]string{
		"FEISHU_BASE_URL":   srv.URL,
		"FEISHU_APP_ID":     AppID,
		"FEISHU_APP_SECRET": AppSecret,
		"HOME":              dir,
		// The limiter's shared state files go here, not into the user's
		// real runtime or cache directory.
		"XDG_RUNTIME_DIR": filepath.Join(dir, "run"),
	}}
	// Commands run in this process may read the variable with os.Getenv
	// (feishu.DefaultStateDir does): isolate the process environment too.
	// The runs are not parallel (t.Setenv refuses a parallel test).
	t.Setenv("XDG_RUNTIME_DIR", e.Vars["XDG_RUNTIME_DIR"])
	// The fake's own cleanup (NewServer) fails t for a scripted fault that
	// was not consumed.
	t.Cleanup(e.checkNoSecrets)
	return e
}

// ServeThrough puts h in front of the fake: h must serve e.Srv.Fake (the
// sandbox's inbox.New(e.Srv.Fake), say). It starts a server on h, closed at
// cleanup, and points the commands, e.Srv.URL and the webhook URLs at it,
// so every request goes through h. The fake's own listener is closed, so
// e.Srv.Close no longer takes the service down; the fault and secret
// checks are unchanged.
func (e *Env) ServeThrough(h http.Handler) *Env {
	e.T.Helper()
	srv := httptest.NewServer(h)
	e.T.Cleanup(srv.Close)
	e.Srv.Close()
	e.Srv.URL = srv.URL
	e.Vars["FEISHU_BASE_URL"] = srv.URL
	if _, ok := e.Vars["FEISHU_WEBHOOK_URL"]; ok {
		e.Vars["FEISHU_WEBHOOK_URL"] = e.Srv.WebhookURL(HookToken)
	}
	return e
}

// Webhook switches e to webhook mode.
func (e *Env) Webhook() *Env {
	e.Vars["FEISHU_WEBHOOK_URL"] = e.Srv.WebhookURL(HookToken)
	e.Vars["FEISHU_WEBHOOK_SECRET"] = HookSecret
	return e
}

// Result is what a command line did.
type Result struct {
	Code        int
	Out, ErrOut string
}

// Expect fails the test unless the run exited with code.
func (r Result) Expect(t testing.TB, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.Code, code, r.Out, r.ErrOut)
	}
}

// Run runs one command line with stdin; its outputs are checked for
// secrets at cleanup.
func (e *Env) Run(stdin string, args ...string) Result {
	e.T.Helper()
	r := e.RunUnchecked(stdin, args...)
	e.record(r.Out)
	return r
}

// RunUnchecked is Run without checking stdout for secrets: for the token
// command, whose job is to print one.
func (e *Env) RunUnchecked(stdin string, args ...string) Result {
	e.T.Helper()
	var out, errOut bytes.Buffer
	ctx := e.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	vars := make(map[string]string, len(e.Vars))
	for k, v := range e.Vars {
		vars[k] = v
	}
	code := e.run(e, Invocation{Ctx: ctx, Args: args, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return vars[k] }})
	e.record(errOut.String())
	return Result{Code: code, Out: out.String(), ErrOut: errOut.String()}
}

func (e *Env) record(output string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.outputs = append(e.outputs, output)
}

// File writes a file in the test directory and returns its path.
func (e *Env) File(name, content string) string {
	e.T.Helper()
	p := filepath.Join(e.Dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.T.Fatal(err)
	}
	e.mu.Lock()
	e.inputs[p] = true
	e.mu.Unlock()
	return p
}

// Exempt excludes a file from the secret check: one that holds a secret by
// design, such as a token cache.
func (e *Env) Exempt(path string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inputs[path] = true
}

// checkNoSecrets fails if a credential or an issued token appears in any
// output or in any file left in the test directory.
func (e *Env) checkNoSecrets() {
	secrets := Secrets(e.Srv.Fake, AppSecret, HookToken, HookSecret)
	e.mu.Lock()
	for _, o := range e.outputs {
		if s, _ := LeakedSecret(secrets, map[string]string{"": o}); s != "" {
			e.T.Errorf("secret %q leaked into output:\n%s", s, o)
		}
	}
	e.mu.Unlock()
	_ = filepath.Walk(e.Dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() && !e.inputs[p] {
			b, _ := os.ReadFile(p)
			if s, _ := LeakedSecret(secrets, map[string]string{p: string(b)}); s != "" {
				e.T.Errorf("secret %q leaked into %s", s, p)
			}
		}
		return nil
	})
}

// Lines splits output into lines, without a trailing empty one.
func Lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Golden compares got with the golden file at path, or rewrites the file
// with -update (internal/golden). JSON is stored pretty-printed, so a
// golden diff is readable, and compared after the same formatting; other
// output is compared byte for byte.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if json.Valid(got) {
		golden.JSON(t, path, got)
		return
	}
	golden.Text(t, path, got)
}
