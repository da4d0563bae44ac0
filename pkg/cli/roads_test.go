package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/cli/clitest"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// panicWriter panics on the first write, as a bug deep in a command would.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("boom\nsecond line") }

// TestMainRecoversFromPanic: a panic is one line on stderr and exit 1,
// never 2 and never a stack trace.
func TestMainRecoversFromPanic(t *testing.T) {
	ios, _, _, errOut := TestStreams()
	ios.Out = panicWriter{}
	code := Main([]string{"version"}, ios)
	if code != ExitInternal {
		t.Errorf("exit %d, want %d", code, ExitInternal)
	}
	if l := lines(errOut.String()); len(l) != 1 || !strings.HasPrefix(l[0], "feishu-push: internal error") || !strings.Contains(l[0], "boom second line") {
		t.Errorf("stderr %q", errOut)
	}
}

// TestMissingDirectoriesAreCreated: the log file's, the token cache's and
// the metrics file's directories are created alike, mode 0700.
func TestMissingDirectoriesAreCreated(t *testing.T) {
	e := newEnv(t)
	logFile := filepath.Join(e.Dir, "logs", "a", "push.log")
	cache := filepath.Join(e.Dir, "cache", "b", "token.json")
	prom := filepath.Join(e.Dir, "metrics", "c", "feishu.prom")
	e.Exempt(cache) // a token cache holds a token by design
	e.Run("", "--log-file", logFile, "--token-cache", cache, "--metrics-file", prom, "send-text", "--to", "oc_a", "--text", "x").Expect(t, 0)
	for _, p := range []string{logFile, cache, prom} {
		st, err := os.Stat(filepath.Dir(p))
		if err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v", filepath.Dir(p), st.Mode(), err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s not written: %v", p, err)
		}
	}
}

// TestSecretsMaskedInErrors: a secret that reaches an output line, here
// pasted as a recipient, is masked on stderr.
func TestSecretsMaskedInErrors(t *testing.T) {
	e := newEnv(t)
	e.Srv.Reject("oc_"+testAppSecret, feishutest.Fault{Code: 230002, Msg: "Bot is not in the chat"})
	r := e.Run("", "send-text", "--to", "oc_"+testAppSecret, "--to", "oc_b", "--text", "x")
	r.Expect(t, ExitRejected)
	if strings.Contains(r.ErrOut, testAppSecret) || !strings.Contains(r.ErrOut, "send to oc_**** failed") {
		t.Errorf("stderr %q", r.ErrOut)
	}
}

// TestDryRunGolden: what a dry run prints for a card, pretty-printed in the
// golden file (go test ./pkg/cli -run DryRunGolden -update rewrites it).
func TestDryRunGolden(t *testing.T) {
	e := newEnv(t)
	cardFile := e.File("card.json", `{"schema": "2.0", "header": {"title": {"tag": "plain_text", "content": "Backup done"}, "template": "green"},
  "body": {"elements": [{"tag": "markdown", "content": "**42 GB** in 3m12s"}]}}`)
	r := e.Run("", "--dry-run", "--base-url", "https://open.feishu.cn", "send-card", "--to", "oc_a", "--card-file", cardFile, "--uuid", "backup-1")
	r.Expect(t, 0)
	clitest.Golden(t, filepath.Join("testdata", "dry-run-card.golden"), []byte(r.Out))
}
