package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/cli"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// TestCrontabExample runs the feishu-push command of every line of
// crontab.example against the fake, with the installed paths mapped to the
// repository's examples, so that the documented lines keep working.
func TestCrontabExample(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to expand the crontab lines")
	}
	var raw []byte
	for _, f := range []string{"../../crontab.example", "../../examples/dashboard/crontab"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	srv := feishutest.NewServer(t, feishutest.WithApp("cli_cron", appSecret), feishutest.WithWebhook(hookToken, ""))
	dir := t.TempDir()
	health := filepath.Join(dir, "health.json")
	if err := os.WriteFile(health, []byte(`{"color":"orange","env":"prod","title":"Health","body":"all **green**","host":"h1","runbook":"https://wiki.example.com/h","fields":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := strings.NewReplacer(
		"/var/lib/reports/sales-summary.md", "../../examples/dashboard/summary.md",
		"/var/lib/reports/health.json", health,
		"/etc/feishu-push/", "../../examples/templates/",
	)
	line := regexp.MustCompile(`exec /usr/local/bin/feishu-push (.*)' >/dev/null$`)
	// A line that reads a query's output from stdin gets the example CSV.
	stores, err := os.ReadFile("../../examples/dashboard/stores.csv")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(raw), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n++
		// Let sh split and expand the words as cron's sh -c would; a crontab
		// escapes % as \%.
		words := paths.Replace(strings.ReplaceAll(m[1], `\%`, "%"))
		out, err := exec.Command(sh, "-c", `for a in `+words+`; do printf '%s\0' "$a"; done`).Output()
		if err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		env := map[string]string{
			"FEISHU_BASE_URL": srv.URL, "FEISHU_APP_ID": "cli_cron", "FEISHU_APP_SECRET": appSecret,
			"FEISHU_PUSH_LOG_FILE": filepath.Join(dir, "push.log"), "HOME": dir,
			"FEISHU_PUSH_SPOOL_DIR": filepath.Join(dir, "spool"),
		}
		for i, a := range args {
			if a == "" && i > 0 && args[i-1] == "--webhook" {
				args[i] = srv.WebhookURL(hookToken) // $FEISHU_STANDUP_WEBHOOK from the env file
			}
		}
		ios, stdin, stdout, stderr := cli.TestStreams()
		if strings.Contains(l, "| exec /usr/local/bin/feishu-push") {
			stdin.Write(stores)
		}
		if code := cli.Run(t.Context(), cli.NewFactory(ios, func(k string) string { return env[k] }), args); code != 0 {
			t.Errorf("crontab line %d exits %d: %s\n%s", n, code, stderr, l)
		}
		if stderr.Len() != 0 || (stdout.Len() == 0 && args[0] != "flush") {
			t.Errorf("line %d: stdout %q stderr %q", n, stdout, stderr)
		}
	}
	if n != 5 || len(srv.Messages()) != 4 {
		t.Errorf("ran %d crontab lines, fake stored %d messages; want 5 and 4", n, len(srv.Messages()))
	}
}
