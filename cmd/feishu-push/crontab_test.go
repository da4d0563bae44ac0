package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// A job line of a system crontab (/etc/cron.d): five time fields or an
// @keyword, the user, then the command field that cron hands to sh -c.
var (
	cronJob = regexp.MustCompile(`^(?:@\w+|(?:\S+\s+){4}\S+)\s+(\S+)\s+(.+)$`)
	cronEnv = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$`)
	// An installed path, where it starts a word: mapped into the test's root.
	installed = regexp.MustCompile(`(^|[\s'"=:|;<>(])(/etc/feishu-push|/usr/local/bin|/var/|/run/lock)`)
	// A variable the command field uses.
	shellVar = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
	// A line of the shipped env file: valid for systemd's EnvironmentFile=
	// and for sh alike (no quotes, spaces or export).
	envFileLine = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=[^\s'"\\$` + "`" + `]*$`)
)

// cronLine is one job as cron would run it.
type cronLine struct {
	where string            // file:line
	env   map[string]string // the crontab's NAME=value lines above it
	cmd   string            // the command field, % rules applied
	stdin string            // what followed the first unescaped %
}

// cronCommand applies cron's rules to a command field: `\%` is a literal %,
// the first unescaped % ends the command and the rest is its stdin, in which
// every further unescaped % is a newline.
func cronCommand(field string) (cmd, stdin string) {
	var b strings.Builder
	inStdin := false
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case c == '\\' && i+1 < len(field) && field[i+1] == '%':
			b.WriteByte('%')
			i++
		case c == '%' && !inStdin:
			cmd, inStdin = b.String(), true
			b.Reset()
		case c == '%':
			b.WriteByte('\n')
		default:
			b.WriteByte(c)
		}
	}
	if !inStdin {
		return b.String(), ""
	}
	return cmd, b.String() + "\n"
}

// parseCrontab returns the job lines of a system crontab.
func parseCrontab(t *testing.T, name, text string) []cronLine {
	t.Helper()
	env := map[string]string{}
	var jobs []cronLine
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if m := cronEnv.FindStringSubmatch(l); m != nil && !cronJob.MatchString(l) {
			env[m[1]] = strings.Trim(m[2], `"'`)
			continue
		}
		m := cronJob.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("%s:%d: neither a job nor a variable: %q", name, i+1, l)
		}
		cmd, stdin := cronCommand(m[2])
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		jobs = append(jobs, cronLine{where: fmt.Sprintf("%s:%d", name, i+1), env: e, cmd: cmd, stdin: stdin})
	}
	return jobs
}

// readmeCron returns the ```cron blocks of the README, as one crontab.
func readmeCron(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	in := false
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "```cron"):
			in = true
		case in && strings.HasPrefix(l, "```"):
			in = false
		case in:
			out.WriteString(l + "\n")
		}
	}
	if out.Len() == 0 {
		t.Fatal("README.md has no ```cron block")
	}
	return out.String()
}

// TestCrontabAsCronRunsIt runs every job line of crontab.example,
// examples/dashboard/crontab, the README's and the OpenClaw skill's cron
// blocks and the line `flush --help` shows, the way cron runs
// it: an empty environment but PATH=/usr/bin:/bin, HOME, SHELL, LOGNAME and
// the crontab's own variables; the command field, after cron's % rules, given
// to /bin/sh -c in HOME. The installed paths (/etc/feishu-push.env,
// /usr/local/bin/feishu-push, /var/..., /run/lock) are mapped into a temp
// root prepared by the install commands at the top of crontab.example, and the
// env file is examples/feishu-push.env with only its values pointed at the
// fake. Nothing is handed to the process but what the line itself loads.
func TestCrontabAsCronRunsIt(t *testing.T) {
	for _, tool := range []string{"/bin/sh", "/usr/bin/flock"} {
		if _, err := os.Stat(tool); err != nil {
			t.Skipf("SKIP: no %s here to run crontab lines as cron does", tool)
		}
	}
	repo := mustAbs(t, "../..")
	sources := map[string]string{"README.md": readmeCron(t), "examples/openclaw/SKILL.md": skillCron(t, repo), "flush --help": flushHelpCron(t)}
	for _, f := range []string{"crontab.example", "examples/dashboard/crontab"} {
		sources[f] = string(mustRead(t, filepath.Join(repo, f)))
	}
	n := 0
	for name, text := range sources {
		jobs := parseCrontab(t, name, text)
		n += len(jobs)
		// Each file is a machine of its own: a fresh root and a fresh fake,
		// so the README's copy of a line is not deduplicated by its uuid.
		t.Run(name, func(t *testing.T) { runCrontab(t, repo, jobs) })
	}
	if n < 6 {
		t.Fatalf("found %d job lines, want the 4 of crontab.example, the dashboard's and the README's", n)
	}
}

// runCrontab installs what crontab.example's header says into a temp root
// and runs jobs there as cron would.
func runCrontab(t *testing.T, repo string, jobs []cronLine) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	remap := func(s string) string { return installed.ReplaceAllString(s, "${1}"+root+"${2}") }

	const hookSecret = "cron-hook-secret-Zx8c"
	srv := feishutest.NewServer(t, feishutest.WithApp("cli_cron", appSecret), feishutest.WithWebhook(hookToken, hookSecret))

	for _, d := range []string{"etc", "var", "run/lock", "usr/local/bin"} { // what any machine has
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The install steps the header of crontab.example gives, run as written
	// (without the -o owner: the test runs as one user) from the checkout.
	header, err := os.ReadFile(filepath.Join(repo, "crontab.example"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(header), "\n") {
		step, ok := strings.CutPrefix(l, "#   ")
		if !ok || !(strings.HasPrefix(step, "install ") || strings.HasPrefix(step, "cp ")) {
			continue
		}
		step = remap(strings.ReplaceAll(step, " -o pusher", ""))
		c := exec.Command("/bin/sh", "-c", step)
		c.Dir = repo
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("install step %q: %v\n%s", step, err, out)
		}
	}

	// The shipped env file, format untouched; only its values point at the fake.
	envPath := filepath.Join(root, "etc", "feishu-push.env")
	shipped, err := os.ReadFile(envPath)
	if err != nil {
		t.Fatalf("the install steps did not install the env file: %v", err)
	}
	if fi, _ := os.Stat(envPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("env file installed with mode %v, want 0600", fi.Mode().Perm())
	}
	values := map[string]string{
		"FEISHU_BASE_URL": srv.URL, "FEISHU_APP_ID": "cli_cron", "FEISHU_APP_SECRET": appSecret,
		"FEISHU_STANDUP_WEBHOOK": srv.WebhookURL(hookToken), "FEISHU_STANDUP_WEBHOOK_SECRET": hookSecret,
		"FEISHU_PUSH_NOTIFY": "ou_7d8a6e6df7621556ce0d21922b676706",
	}
	defined := map[string]bool{}
	var envFile strings.Builder
	for _, l := range strings.Split(string(shipped), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			envFile.WriteString(l + "\n")
			continue
		}
		if !envFileLine.MatchString(l) {
			t.Errorf("examples/feishu-push.env: %q is not a plain KEY=value line that both sh and systemd read the same way", l)
		}
		k, v, _ := strings.Cut(l, "=")
		defined[k] = true
		if nv, ok := values[k]; ok {
			v = nv
		}
		envFile.WriteString(k + "=" + remap(v) + "\n")
	}
	if err := os.WriteFile(envPath, []byte(envFile.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	// What the jobs read: the report files, the query, and a psql that
	// answers it with the example CSV.
	reports := filepath.Join(root, "var", "lib", "reports")
	mustWrite(t, filepath.Join(reports, "daily.json"), mustRead(t, filepath.Join(repo, "examples/dashboard/sales.json")), 0o644)
	mustWrite(t, filepath.Join(reports, "sales-summary.md"), mustRead(t, filepath.Join(repo, "examples/dashboard/summary.md")), 0o644)
	mustWrite(t, filepath.Join(reports, "health.json"), []byte(`{"color":"orange","env":"prod","title":"Health","body":"all **green**","host":"h1","runbook":"https://wiki.example.com/h","fields":[]}`), 0o644)
	mustWrite(t, filepath.Join(root, "etc", "feishu-push", "stores.sql"), []byte("select * from store_sales_today;\n"), 0o644)
	bin := filepath.Join(root, "usr", "local", "bin")
	mustWrite(t, filepath.Join(bin, "psql"), []byte("#!/bin/sh\nexec cat "+filepath.Join(repo, "examples/dashboard/stores.csv")+"\n"), 0o755)
	if err := os.Symlink(exe, filepath.Join(bin, "feishu-push")); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(root, "home", "pusher")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}

	wantHooked := 0
	for _, j := range jobs {
		if strings.Contains(j.cmd, "FEISHU_WEBHOOK_URL=") {
			wantHooked++
		}
		t.Run(strings.ReplaceAll(j.where, "/", "_"), func(t *testing.T) {
			if strings.Contains(j.cmd, "/hook/") || strings.Contains(j.cmd, "--webhook") || strings.Contains(j.cmd, "--app-secret ") {
				t.Errorf("a secret on the command line, where ps shows it: %s", j.cmd)
			}
			for _, m := range shellVar.FindAllStringSubmatch(j.cmd, -1) {
				if !defined[m[1]] && j.env[m[1]] == "" {
					t.Errorf("uses $%s, which neither examples/feishu-push.env nor the crontab defines", m[1])
				}
			}
			// cron's own environment for the job, then the crontab's variables.
			env := map[string]string{"PATH": "/usr/bin:/bin", "HOME": home, "SHELL": "/bin/sh", "LOGNAME": "pusher"}
			for k, v := range j.env {
				env[k] = remap(v)
			}
			var envList []string
			for k, v := range env {
				envList = append(envList, k+"="+v)
			}
			want := 1
			if strings.Contains(j.cmd, " flush") {
				// A message an earlier run could not deliver waits in the
				// spool the env file names: the flush line must load the
				// app's credentials from the env file to deliver it.
				sp := &spool.Spool{Dir: filepath.Join(root, "var", "lib", "feishu-push", "spool")}
				if _, err := sp.Put(&spool.Entry{Command: "send-text", Mode: spool.ModeApp, AppID: "cli_cron", BaseURL: srv.URL,
					ReceiveIDType: "chat_id", ReceiveID: "oc_spooled", MsgType: "text", Content: json.RawMessage(`{"text":"kept for flush"}`),
					UUID: "cron-flush-test", NotDelivered: true}); err != nil {
					t.Fatal(err)
				}
			}
			before := len(srv.Messages())
			cmd := exec.Command(env["SHELL"], "-c", remap(j.cmd))
			cmd.Env, cmd.Dir = envList, home
			cmd.Stdin = strings.NewReader(j.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("exits with %v; cron would mail:\n%s%s", err, stdout.String(), stderr.String())
			}
			// cron mails any output: a job that succeeded must print nothing.
			if stdout.Len()+stderr.Len() != 0 {
				t.Errorf("cron would mail this output:\n%s%s", stdout.String(), stderr.String())
			}
			if got := len(srv.Messages()) - before; got != want {
				t.Errorf("the fake received %d messages, want %d", got, want)
			}
		})
	}

	// The env file was what configured the runs: the log and the metrics
	// landed where it says.
	for _, p := range []string{"var/log/feishu-push/push.log", "var/lib/node_exporter/textfile/feishu_push.prom"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("/%s was not written: %v", p, err)
		}
	}
	// A webhook line went through the group bot (the fake checks the signature).
	var hooked int
	for _, m := range srv.Messages() {
		if m.Mode == "webhook" && m.Hook == hookToken {
			hooked++
		}
	}
	if hooked != wantHooked {
		t.Errorf("%d messages went through the webhook, want %d", hooked, wantHooked)
	}
}

// TestCronCommand holds cronCommand to cron's % rules.
func TestCronCommand(t *testing.T) {
	for _, c := range []struct{ field, cmd, stdin string }{
		{`date +\%F`, `date +%F`, ``},
		{`cat%line one%line two`, `cat`, "line one\nline two\n"},
		{`printf '\%s'%a\%b`, `printf '%s'`, "a%b\n"},
		{`echo \\ ok`, `echo \\ ok`, ``},
	} {
		if cmd, stdin := cronCommand(c.field); cmd != c.cmd || stdin != c.stdin {
			t.Errorf("cronCommand(%q) = %q, %q; want %q, %q", c.field, cmd, stdin, c.cmd, c.stdin)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t *testing.T, p string, b []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, mode); err != nil {
		t.Fatal(err)
	}
}
