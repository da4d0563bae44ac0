package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// Credentials the tests use; each must never show up in any output.
const (
	testAppSecret  = "app-secret-Zq8wXk"
	testHookToken  = "hooktoken-7Hn2Pq"
	testHookSecret = "hooksecret-Lm4Rt9"
)

// env is a test environment: a fake Feishu and the variables pointing at it.
type env struct {
	t    *testing.T
	srv  *feishutest.Server
	vars map[string]string
	dir  string
	// outputs collects every stdout/stderr, for the secret-hygiene check;
	// mu guards it, as some tests run commands concurrently.
	outputs *[]string
	mu      *sync.Mutex
	// inputs are files the test wrote itself; they may hold secrets.
	inputs map[string]bool
	// sleep, when set, replaces the waits between retries.
	sleep func(context.Context, time.Duration) error
	// ctx, when set, is the context of the runs.
	ctx context.Context
}

func newEnv(t *testing.T, opts ...feishutest.Option) *env {
	t.Helper()
	opts = append([]feishutest.Option{
		feishutest.WithApp("cli_test", testAppSecret),
		feishutest.WithWebhook(testHookToken, testHookSecret),
	}, opts...)
	srv := feishutest.NewServer(t, opts...)
	dir := t.TempDir()
	e := &env{t: t, srv: srv, dir: dir, outputs: &[]string{}, mu: &sync.Mutex{}, inputs: map[string]bool{}, vars: map[string]string{
		"FEISHU_BASE_URL":   srv.URL,
		"FEISHU_APP_ID":     "cli_test",
		"FEISHU_APP_SECRET": testAppSecret,
		"HOME":              dir, // no stray config file
	}}
	t.Cleanup(func() { e.checkNoSecrets() })
	return e
}

// webhook switches e to webhook mode.
func (e *env) webhook() *env {
	e.vars["FEISHU_WEBHOOK_URL"] = e.srv.WebhookURL(testHookToken)
	e.vars["FEISHU_WEBHOOK_SECRET"] = testHookSecret
	return e
}

type result struct {
	code        int
	out, errOut string
}

// run runs one command line in-process, with stdin.
func (e *env) run(stdin string, args ...string) result {
	e.t.Helper()
	r := e.runUnchecked(stdin, args...)
	e.record(r.out)
	return r
}

// runUnchecked is run without checking stdout for secrets: for the token
// command, whose job is to print one.
func (e *env) runUnchecked(stdin string, args ...string) result {
	e.t.Helper()
	ios, in, out, errOut := TestStreams()
	in.WriteString(stdin)
	f := NewFactory(ios, func(k string) string { return e.vars[k] })
	f.sleep = e.sleep
	ctx := e.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := Run(ctx, f, args)
	e.record(errOut.String())
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

func (e *env) record(output string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	*e.outputs = append(*e.outputs, output)
}

// file writes a file in the test directory and returns its path.
func (e *env) file(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.inputs[p] = true
	return p
}

// checkNoSecrets fails if a credential or an issued token appears in any
// output or in any file left in the test directory.
func (e *env) checkNoSecrets() {
	secrets := []string{testAppSecret, testHookToken, testHookSecret}
	for _, tok := range e.issuedTokens() {
		secrets = append(secrets, tok)
	}
	texts := append([]string(nil), *e.outputs...)
	_ = filepath.Walk(e.dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() && !e.inputs[p] {
			b, _ := os.ReadFile(p)
			texts = append(texts, string(b))
		}
		return nil
	})
	for _, s := range secrets {
		for _, text := range texts {
			if strings.Contains(text, s) {
				e.t.Errorf("secret %q leaked into output:\n%s", s, text)
			}
		}
	}
}

// issuedTokens lists the tenant tokens the fake handed out: secrets too.
func (e *env) issuedTokens() []string { return e.srv.IssuedTokens() }

func (r result) expect(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.out, r.errOut)
	}
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
