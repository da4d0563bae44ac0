package cli

import (
	"encoding/json"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/cli/clitest"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// Credentials the tests use; each must never show up in any output.
const (
	testAppSecret  = clitest.AppSecret
	testHookToken  = clitest.HookToken
	testHookSecret = clitest.HookSecret
)

type (
	env    = clitest.Env
	result = clitest.Result
)

// newEnv returns the test environment, running command lines in process.
func newEnv(t *testing.T, opts ...feishutest.Option) *env {
	t.Helper()
	return clitest.New(t, runInProcess, opts...)
}

// runInProcess runs one command line as Main would, with the test's
// streams, environment and waits.
func runInProcess(e *env, inv clitest.Invocation) int {
	f := NewFactory(&IOStreams{In: inv.Stdin, Out: inv.Stdout, ErrOut: inv.Stderr}, inv.Getenv)
	f.sleep = e.Sleep
	return Run(inv.Ctx, f, inv.Args)
}

var lines = clitest.Lines

// mustJSON decodes data into v or fails the test.
func mustJSON[T ~[]byte | ~string](t *testing.T, data T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("%v: %.300s", err, data)
	}
}
