package inbox_test

import (
	"net/http"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/cli"
	"github.com/feishu-push/feishu-push/pkg/cli/clitest"
	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/inbox"
)

// runCLI runs one command line in process as Main would, with the
// invocation's streams and environment.
func runCLI(_ *clitest.Env, inv clitest.Invocation) int {
	ios := &cli.IOStreams{In: inv.Stdin, Out: inv.Stdout, ErrOut: inv.Stderr}
	return cli.Run(inv.Ctx, cli.NewFactory(ios, inv.Getenv), inv.Args)
}

// newEnv returns the test environment (clitest) whose fake is served
// through front(fake): the inbox, or a page driver wrapping it. Commands,
// API clients and the browser all talk to it, as they do to the sandbox.
func newEnv(t *testing.T, front func(*feishutest.Fake) http.Handler, opts ...feishutest.Option) *clitest.Env {
	t.Helper()
	e := clitest.New(t, runCLI, opts...)
	return e.ServeThrough(front(e.Srv.Fake))
}

// inboxEnv is newEnv serving the plain inbox.
func inboxEnv(t *testing.T, opts ...feishutest.Option) *clitest.Env {
	t.Helper()
	return newEnv(t, func(f *feishutest.Fake) http.Handler { return inbox.New(f) }, opts...)
}

// send runs a command line that must succeed.
func send(t *testing.T, e *clitest.Env, args ...string) {
	t.Helper()
	if r := e.Run("", args...); r.Code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.Code, r.ErrOut)
	}
}

// apiClient is an Open API client of e's app, as the commands build one.
func apiClient(e *clitest.Env) *feishu.Client {
	return feishu.New(feishu.WithBaseURL(e.Srv.URL), feishu.WithCredentials(clitest.AppID, clitest.AppSecret))
}
