package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/cli"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// readmeCommand is one command line of a README code block: continuation
// lines (a trailing backslash) joined as the shell joins them.
type readmeCommand struct {
	line int    // README line of its first physical line
	text string // as written, backslash-newlines kept
	out  []string
}

// readmeBlock is a ```sh, ```bash or ```console block of the README.
type readmeBlock struct {
	line     int
	lang     string
	commands []readmeCommand
}

// readmeBlocks extracts the shell blocks of README.md. In a console block a
// command starts with "$ " and the lines up to the next one are its output.
func readmeBlocks(t *testing.T, raw []byte) []readmeBlock {
	t.Helper()
	var blocks []readmeBlock
	var cur *readmeBlock
	cont := false
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		n++
		l := sc.Text()
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			lang := strings.TrimPrefix(trimmed, "```")
			if lang == "sh" || lang == "bash" || lang == "console" {
				cur = &readmeBlock{line: n, lang: lang}
			} else if lang != "" {
				cur = &readmeBlock{line: n, lang: "skip:" + lang}
			}
		case cur != nil && trimmed == "```":
			if !strings.HasPrefix(cur.lang, "skip:") {
				blocks = append(blocks, *cur)
			}
			cur, cont = nil, false
		case cur == nil || strings.HasPrefix(cur.lang, "skip:"):
		case cont:
			c := &cur.commands[len(cur.commands)-1]
			c.text += "\n" + l
			cont = strings.HasSuffix(l, "\\")
		case cur.lang == "console" && !strings.HasPrefix(l, "$ "):
			if len(cur.commands) == 0 {
				t.Fatalf("README.md:%d: console block output before any command", n)
			}
			c := &cur.commands[len(cur.commands)-1]
			c.out = append(c.out, l)
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		default:
			if cur.lang == "console" {
				l = strings.TrimPrefix(l, "$ ")
			}
			cur.commands = append(cur.commands, readmeCommand{line: n, text: l})
			cont = strings.HasSuffix(l, "\\")
		}
	}
	return blocks
}

// readmeWant is what a README command must do, reviewed by hand: its exit
// code and how many messages the fake receives from it. A command that cannot
// run here says why in skip.
type readmeWant struct {
	exit int
	msgs int            // messages the fake accepted from this command
	out  *regexp.Regexp // stdout, when checked
	err  *regexp.Regexp // stderr, when checked
	skip string
}

// readmeWants holds an entry for every command line of the README's shell
// blocks, keyed by the start of its text: a command without an entry, or an
// entry no command has, fails the test. Keep each reason short and true.
var readmeWants = []struct {
	prefix string
	want   readmeWant
}{
	// Quick start and Development: the Makefile's own targets.
	{"make demo   #", readmeWant{skip: "runs examples/demo.sh: TestDemoScript runs that script"}},
	{"make test   #", readmeWant{skip: "make test runs this test"}},
	{"make build    #", readmeWant{skip: "the Makefile's target; CI runs it"}},
	{"make test     #", readmeWant{skip: "make test runs this test"}},
	{"make fuzz", readmeWant{skip: "a minute of fuzzing; make test runs each target for 3s"}},
	{"make race", readmeWant{skip: "runs every test again under the race detector"}},
	{"make screenshot", readmeWant{skip: "needs Chromium; the browser test draws the same pages"}},
	{"make bench", readmeWant{skip: "minutes of benchmarks; rewrites BENCHMARKS.md"}},
	{"make man", readmeWant{skip: "writes man/; cmd/feishu-push-man is built by go vet ./..."}},

	// Install: downloads and system package managers.
	{"V=1.0.0;", readmeWant{skip: "downloads a GitHub release; TestActionSteps checks the same archive and checksums.txt served locally"}},
	{"sudo apt install", readmeWant{skip: "installs a system package"}},
	{"brew install", readmeWant{skip: "Homebrew"}},
	{"docker load", readmeWant{skip: "needs a container runtime; make image runs the binary inside the image"}},
	{"go install", readmeWant{skip: "downloads the module from the proxy"}},

	// The first example, a console block: its output has the documented shape.
	{"feishu-push push-dashboard --to oc_a0553eda9014c201e6969b478895c230", readmeWant{msgs: 1, out: regexp.MustCompile(`^oc_a0553eda9014c201e6969b478895c230\tom_[0-9a-f]{32}\n$`)}},

	{"TOKEN=$(feishu-push token)", readmeWant{}},
	{"feishu-push token --json", readmeWant{out: regexp.MustCompile(`^\{"expire":\d+,"tenant_access_token":"t-[^"]+"\}\n$`)}},

	{`feishu-push send-text --to oc_xxx --text "backup done"`, readmeWant{msgs: 1, out: regexp.MustCompile(`^oc_xxx\tom_\w+\n$`)}},
	{"df -h | feishu-push send-text", readmeWant{msgs: 1}},
	{`feishu-push send-text --to oc_xxx --text "deploy failed" --at ou_xxx --at all`, readmeWant{msgs: 1}},

	{`feishu-push send-card --to oc_xxx --title "Backup done"`, readmeWant{msgs: 1}},
	{`feishu-push send-card --to oc_xxx --title "Disk 91% on db-1"`, readmeWant{msgs: 1}},
	{"feishu-push send-card --to oc_xxx --card-file examples/cards/v2.json", readmeWant{msgs: 1}},
	{"feishu-push send-card --to oc_xxx --template examples/templates/alert.tmpl", readmeWant{msgs: 1}},
	{"feishu-push send-card --to oc_xxx --template-id AAqk1234", readmeWant{msgs: 1}},

	{"feishu-push push-dashboard --to oc_xxx --title \"每日销售看板\" --url https://bi.example.com/sales \\\n    --data", readmeWant{msgs: 1}},
	{"psql --csv -f stores.sql sales | feishu-push push-dashboard", readmeWant{msgs: 1}},
	{"feishu-push push-dashboard --to oc_xxx --title \"每日销售看板\" --url https://bi.example.com/sales \\\n    --content-file", readmeWant{msgs: 1}},

	{"feishu-push send-image --to oc_xxx --image grafana.png", readmeWant{msgs: 1}},
	{`curl -s "$PANEL_PNG_URL" | feishu-push send-image`, readmeWant{msgs: 1}},
	{"feishu-push send-file --to oc_xxx,ou_xxx --file /var/reports/daily.xlsx", readmeWant{msgs: 2}},
	{"psql --csv -f report.sql | feishu-push send-file", readmeWant{msgs: 1}},

	{`feishu-push send-post --to oc_xxx --title "Release 1.4"`, readmeWant{msgs: 1}},
	{"git log -5 --format='%h %s' | feishu-push send-post", readmeWant{msgs: 1}},

	// --update-key: the first run sends, the dry run then says "update".
	{"feishu-push send-card --to oc_xxx --update-key status --template status.tmpl", readmeWant{msgs: 1}},
	{"feishu-push push-dashboard --to oc_xxx --update-key sales", readmeWant{msgs: 1}},
	{"feishu-push --dry-run send-card --to oc_xxx --update-key status", readmeWant{out: regexp.MustCompile(`^\{"method":"PATCH"`), err: regexp.MustCompile(`^feishu-push: dry run: oc_xxx: update om_\w+\n$`)}},

	// The ids are the README's illustrations, not messages of this fake:
	// Feishu answers 230001 for them, exit 3.
	{"feishu-push recall om_dc13264520392913993dd051dba21dcf", readmeWant{exit: 3}},
	{"feishu-push recall --update-key status", readmeWant{}},

	{`MSG=$(feishu-push send-text --to oc_xxx --text "deploy started" | cut -f2)`, readmeWant{msgs: 1}},
	{`feishu-push send-text --reply-to "$MSG" --in-thread`, readmeWant{msgs: 1}},
	{`feishu-push send-image --reply-to "$MSG" --image latency.png`, readmeWant{msgs: 1}},

	// The sandbox block runs the real sandbox (on a free port instead of
	// 9800, which another program may hold) and pushes to it, not to the fake.
	{"feishu-push sandbox --addr 127.0.0.1:9800 &", readmeWant{}},
	{"export FEISHU_BASE_URL=http://127.0.0.1:9800", readmeWant{}},
	{"feishu-push push-dashboard --to oc_demo", readmeWant{out: regexp.MustCompile(`^oc_demo\tom_\w+\n$`)}},

	{"feishu-push preview --card-file examples/cards/v2.json -o card.html", readmeWant{}},
	{`feishu-push preview send-text --to oc_xxx --text "backup done"`, readmeWant{out: regexp.MustCompile(`(?is)^<!doctype html>.*backup done`)}},
	// --open runs xdg-open: here a stand-in that records what it was given.
	{"feishu-push preview push-dashboard", readmeWant{err: regexp.MustCompile(`^$`)}},

	// my-card.json is the reader's card; the test writes one with a note at
	// body.elements[3], and the output must be the line shown.
	{"feishu-push lint examples/cards/*.json examples/templates/*.tmpl my-card.json", readmeWant{exit: 2}},

	{"feishu-push flush --spool-dir /var/spool/feishu-push", readmeWant{}},

	// Receiving events: long-running services.
	{"export FEISHU_ENCRYPT_KEY=...", readmeWant{skip: "placeholder values from the Feishu console"}},
	{"feishu-push listen --addr 0.0.0.0:8080", readmeWant{skip: "a long-running service; pkg/cli/listen_test.go drives listen with --on handlers over HTTP"}},
	{"feishu-push listen | jq", readmeWant{skip: "a long-running service; listen_test.go checks the JSON lines on stdout"}},
	// Run against a real sandbox (its port remapped) with a listener
	// connected over the long connection and three messages sent, the
	// third with a callback button: see sandboxWithListener.
	{"SANDBOX=http://127.0.0.1:9800", readmeWant{}},
	{"curl -s -X POST $SANDBOX/api/events", readmeWant{out: regexp.MustCompile(`"status":200`)}},
	{"curl -s -X POST $SANDBOX/api/callback", readmeWant{out: regexp.MustCompile(`"status":200`)}},

	// Recipients and fan-out.
	{`psql -Atc "select open_id from store_managers" | feishu-push send-card --to-file -`, readmeWant{msgs: 3}},
}

// TestReadmeExamples runs every command line of the README's shell blocks as
// a reader who followed the README would: each block is one /bin/sh script,
// run from a directory with the checkout's examples/, the files the commands
// name, feishu-push on PATH, and the app credentials exported, against the
// fake. Absolute paths under /var are mapped into the temp directory. Each
// command's exit code, stdout and the messages the fake got from it are
// checked against readmeWants.
func TestReadmeExamples(t *testing.T) {
	needShell(t)
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, raw)
	used := map[string]bool{}
	wantOf := func(c readmeCommand) (readmeWant, bool) {
		var found []string
		var w readmeWant
		for _, e := range readmeWants {
			if strings.HasPrefix(c.text, e.prefix) {
				found = append(found, e.prefix)
				w = e.want
			}
		}
		if len(found) != 1 {
			t.Errorf("README.md:%d: %d expectations match %q: add one to readmeWants (or make it unique): %q", c.line, len(found), c.text, found)
			return w, false
		}
		used[found[0]] = true
		return w, true
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	srv := feishutest.NewServer(t, feishutest.WithAnyWebhook(""), feishutest.WithTemplates("AAqk1234"))

	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	mustWrite(t, filepath.Join(bin, "psql"), []byte("#!/bin/sh\n# the query answers with the example CSV, or three open_ids for -Atc\ncase \"$1\" in -Atc) printf 'ou_m1\\nou_m2\\nou_m3\\n' ;; *) exec cat "+filepath.Join(repo, "examples/dashboard/stores.csv")+" ;; esac\n"), 0o755)
	if err := os.Symlink(exe, filepath.Join(bin, "feishu-push")); err != nil {
		t.Fatal(err)
	}
	opened := filepath.Join(dir, "opened")
	mustWrite(t, filepath.Join(bin, "xdg-open"), []byte("#!/bin/sh\necho \"$@\" >>"+opened+"\n"), 0o755)
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repo, "examples"), filepath.Join(work, "examples")); err != nil {
		t.Fatal(err)
	}
	png := mustRead(t, filepath.Join(repo, "docs", "dashboard.png"))
	files := map[string][]byte{
		"summary.md":                mustRead(t, filepath.Join(repo, "examples/dashboard/summary.md")),
		"grafana.png":               png,
		"latency.png":               png,
		"panel.png":                 png,
		"report.sql":                []byte("select 1;\n"),
		"stores.sql":                []byte("select 1;\n"),
		"sales.json":                mustRead(t, filepath.Join(repo, "examples/dashboard/sales.json")),
		"status.tmpl":               mustRead(t, filepath.Join(repo, "examples/status-board/card.tmpl")),
		"status.json":               []byte(`{"host": "db-1", "load": "0.12 0.30 0.41", "disk": "42%", "level": "green", "updated": "2026-11-21 18:00 CST"}`),
		"my-card.json":              []byte(`{"schema":"2.0","body":{"elements":[{"tag":"markdown","content":"a"},{"tag":"markdown","content":"b"},{"tag":"hr"},{"tag":"note","elements":[{"tag":"plain_text","content":"c"}]}]}}` + "\n"),
		"../var/reports/daily.xlsx": []byte("PK\x03\x04 not really a workbook"),
	}
	for name, b := range files {
		mustWrite(t, filepath.Join(work, name), b, 0o644)
	}
	// A git repository with a few commits, for `git log -5`.
	for _, args := range [][]string{{"init", "-q"}, {"-c", "user.name=r", "-c", "user.email=r@example.com", "commit", "-q", "--allow-empty", "-m", "first"}, {"-c", "user.name=r", "-c", "user.email=r@example.com", "commit", "-q", "--allow-empty", "-m", "second"}} {
		c := exec.Command("git", args...)
		c.Dir = work
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	env := []string{
		"PATH=" + bin + ":/usr/bin:/bin",
		"HOME=" + filepath.Join(dir, "home"),
		"TZ=UTC",
		"LANG=C.UTF-8",
		// What the README has the reader export: the sandbox's app.
		"FEISHU_BASE_URL=" + srv.URL,
		"FEISHU_APP_ID=" + feishutest.DefaultAppID,
		"FEISHU_APP_SECRET=sandbox_secret",
		"PANEL_PNG_URL=file://" + filepath.Join(work, "panel.png"),
	}
	remap := func(s string) string {
		s = strings.ReplaceAll(s, " /var/", " "+dir+"/var/")
		return s
	}

	for _, b := range blocks {
		var runnable []readmeCommand
		var wants []readmeWant
		for _, c := range b.commands {
			w, ok := wantOf(c)
			if !ok || w.skip != "" {
				continue
			}
			runnable, wants = append(runnable, c), append(wants, w)
		}
		if len(runnable) == 0 {
			continue
		}
		t.Run(fmt.Sprintf("README.md:%d", b.line), func(t *testing.T) {
			port := ""
			if strings.HasPrefix(runnable[0].text, "SANDBOX=") {
				port = freePort(t)
				sandboxWithListener(t, filepath.Join(bin, "feishu-push"), env, work, port)
			}
			var script strings.Builder
			for _, c := range runnable {
				text := remap(c.text)
				if strings.Contains(text, "127.0.0.1:9800") {
					if port == "" {
						port = freePort(t)
					}
					text = strings.ReplaceAll(text, "127.0.0.1:9800", "127.0.0.1:"+port)
				}
				// Each command's stdout goes to its own file, its exit code to
				// fd 3; the test counts the fake's messages in between.
				fmt.Fprintf(&script, "{ %s\n} >\"$OUT.%d\" 2>\"$OUT.%[2]d.err\" 3>&- 4<&-\necho $? >&3; read _ <&4\n", text, c.line)
			}
			report, reportW, _ := os.Pipe()
			ackR, ack, _ := os.Pipe()
			cmd := exec.Command("/bin/sh", "-c", script.String())
			cmd.Dir = work
			cmd.Env = append(env, "OUT="+filepath.Join(dir, "out"))
			cmd.ExtraFiles = []*os.File{reportW, ackR}
			ownGroup(cmd)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			reportW.Close()
			ackR.Close()
			defer func() {
				stopGroup(cmd) // and the sandbox a block started
				cmd.Wait()
			}()
			codes := bufio.NewScanner(report)
			for i, c := range runnable {
				before := len(srv.Messages())
				if !codes.Scan() {
					t.Fatalf("README.md:%d: the script stopped before this command:\n%s", c.line, stderr.String())
				}
				code, _ := strconv.Atoi(codes.Text())
				got := len(srv.Messages()) - before
				out, _ := os.ReadFile(filepath.Join(dir, "out."+strconv.Itoa(c.line)))
				errOut, _ := os.ReadFile(filepath.Join(dir, "out."+strconv.Itoa(c.line)+".err"))
				w := wants[i]
				if code != w.exit {
					t.Errorf("README.md:%d: %s\nexit %d, want %d; stderr:\n%s%s", c.line, c.text, code, w.exit, errOut, stderr.String())
				}
				if got != w.msgs {
					t.Errorf("README.md:%d: %s\nthe fake got %d messages, want %d", c.line, c.text, got, w.msgs)
				}
				if w.out != nil && !w.out.Match(out) {
					t.Errorf("README.md:%d: %s\nstdout %q does not match %s", c.line, c.text, out, w.out)
				}
				if w.err != nil && !w.err.Match(errOut) {
					t.Errorf("README.md:%d: %s\nstderr %q does not match %s", c.line, c.text, errOut, w.err)
				}
				if len(c.out) > 0 {
					checkConsoleOutput(t, c, string(out))
				}
				ack.Write([]byte("\n"))
			}
			ack.Close()
		})
	}
	// The pages preview wrote, and the one --open opened.
	for _, f := range []string{"card.html", "dashboard.html"} {
		if b, err := os.ReadFile(filepath.Join(work, f)); err != nil || !bytes.Contains(b, []byte("<html")) {
			t.Errorf("preview -o %s wrote no page: %v", f, err)
		}
	}
	// preview starts the opener without waiting for it: give it its moment
	// (the file exists as soon as the shell opens it, before echo writes).
	for i := 0; i < 400; i++ {
		if b, err := os.ReadFile(opened); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if b, _ := os.ReadFile(opened); string(b) != "dashboard.html\n" && !strings.HasSuffix(string(b), "/dashboard.html\n") {
		t.Errorf("--open opened %q, want dashboard.html", b)
	}
	for _, e := range readmeWants {
		if !used[e.prefix] {
			t.Errorf("readmeWants has %q, which no README command starts with: remove it", e.prefix)
		}
	}
}

// checkConsoleOutput holds a console block's shown output to what ran: the
// same lines, with message ids (random) compared by shape.
func checkConsoleOutput(t *testing.T, c readmeCommand, got string) {
	t.Helper()
	ids := regexp.MustCompile(`om_[0-9a-f]{32}`)
	want := ids.ReplaceAllString(strings.Join(c.out, "\n")+"\n", "om_ID")
	if g := ids.ReplaceAllString(got, "om_ID"); g != want {
		t.Errorf("README.md:%d: the block shows\n%s\nbut the command prints\n%s", c.line, want, g)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestDemoScript runs examples/demo.sh, what `make demo` runs, as the
// Makefile does (sh examples/demo.sh BIN, from the checkout, stdin not a
// terminal), in an environment with no Feishu settings: it must start the
// sandbox, push every example to it and exit 0.
func TestDemoScript(t *testing.T) {
	needShell(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "feishu-push")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "examples/demo.sh", bin)
	cmd.Dir = "../.."
	cmd.Env = []string{"PATH=" + filepath.Dir(bin) + ":/usr/bin:/bin", "HOME=" + dir, "TMPDIR=" + dir, "LANG=C.UTF-8"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("make demo fails: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	wants := []string{
		"oc_demo_sales\tom_", "oc_demo_stores\tom_", "ops@example.com\tom_", "webhook\t\n",
		"$ feishu-push send-card --to oc_demo_sales --title t --color pink\n  (exit 2)",
		"#1 app -> chat_id:oc_demo_sales interactive", "#4 webhook -> webhook text",
		`"command":"send-text","recipient":"webhook"`,
	}
	_, jqErr := exec.LookPath("jq")
	_, curlErr := exec.LookPath("curl")
	if jqErr == nil && curlErr == nil {
		wants = append(wants, "oc_demo_ops\tom_", `"toast":{"type":"success","content":"Acknowledged"}`, "\nAcknowledged: DiskFull\n", `"event_type":"card.action.trigger"`)
	} else {
		t.Log("jq or curl missing: the demo's button round trip was skipped")
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("the demo's output lacks %q:\n%s", w, out)
		}
	}
	if strings.Count(out, "  (exit 0)") != 4 {
		t.Errorf("want 4 commands exiting 0 in the demo:\n%s", out)
	}
	// stderr holds the one line of the bad input and nothing else.
	if e := stderr.String(); !strings.HasPrefix(e, `feishu-push: --color "pink": want one of`) || strings.Count(e, "\n") != 1 {
		t.Errorf("the demo's stderr is not the bad input's one line:\n%s", e)
	}
}

// skillCron returns the crontab lines examples/openclaw/SKILL.md shows (an
// indented code block), for TestCrontabAsCronRunsIt.
func skillCron(t *testing.T, repo string) string {
	t.Helper()
	var out strings.Builder
	for _, l := range strings.Split(string(mustRead(t, filepath.Join(repo, "examples/openclaw/SKILL.md"))), "\n") {
		if l, ok := strings.CutPrefix(l, "    "); ok && cronJob.MatchString(l) {
			out.WriteString(l + "\n")
		}
	}
	if out.Len() == 0 {
		t.Fatal("examples/openclaw/SKILL.md shows no crontab line")
	}
	return out.String()
}

// flushHelpCron returns the crontab line that `feishu-push flush --help`
// shows.
func flushHelpCron(t *testing.T) string {
	t.Helper()
	ios, _, out, _ := cli.TestStreams()
	if code := cli.Run(context.Background(), cli.NewFactory(ios, func(string) string { return "" }), []string{"flush", "--help"}); code != 0 {
		t.Fatalf("flush --help: exit %d", code)
	}
	_, examples, _ := strings.Cut(out.String(), "\nExamples:\n")
	examples, _, _ = strings.Cut(examples, "\n\n")
	var lines strings.Builder
	for _, l := range strings.Split(examples, "\n") {
		if l = strings.TrimSpace(l); !strings.HasPrefix(l, "#") && cronJob.MatchString(l) {
			lines.WriteString(l + "\n")
		}
	}
	if lines.Len() == 0 {
		t.Fatal("flush --help shows no crontab line")
	}
	return lines.String()
}

// TestStatusBoardByHand runs the "try it by hand" lines of
// examples/status-board/README.md as written, /opt mapped into a temp root,
// with the example's env file filled in as its comments say: the dry run
// says it would send, then after the cron line's first run that it would
// update the card it sent; the board is taken down with the recall line.
func TestStatusBoardByHand(t *testing.T) {
	needShell(t)
	repo := mustAbs(t, "../..")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srv := feishutest.NewServer(t, feishutest.WithApp("cli_board", appSecret))
	root := t.TempDir()
	board := filepath.Join(root, "opt", "status-board")
	for _, f := range []string{"card.tmpl", "status.sh"} {
		fi, err := os.Stat(filepath.Join(repo, "examples/status-board", f))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(board, f), mustRead(t, filepath.Join(repo, "examples/status-board", f)), fi.Mode().Perm())
	}
	fill := map[string]string{"FEISHU_APP_ID": "cli_board", "FEISHU_APP_SECRET": appSecret, "FEISHU_BASE_URL": srv.URL,
		"FEISHU_PUSH_STATE_DIR": filepath.Join(root, "var/lib/feishu-push"), "BOARD_CHAT": "oc_board"}
	var envFile strings.Builder
	for _, l := range strings.Split(string(mustRead(t, filepath.Join(repo, "examples/status-board/status-board.env"))), "\n") {
		if k, _, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			v, known := fill[k]
			if !known {
				t.Fatalf("status-board.env sets %s, which this test does not fill in", k)
			}
			l = k + "=" + v
		}
		envFile.WriteString(l + "\n")
	}
	mustWrite(t, filepath.Join(board, "status-board.env"), []byte(envFile.String()), 0o600)
	bin := filepath.Join(root, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, filepath.Join(bin, "feishu-push")); err != nil {
		t.Fatal(err)
	}

	readme := string(mustRead(t, filepath.Join(repo, "examples/status-board/README.md")))
	var block []string
	for _, l := range strings.Split(readme, "\n") {
		if l, ok := strings.CutPrefix(l, "    "); ok {
			block = append(block, l)
		}
	}
	if len(block) == 0 {
		t.Fatal("examples/status-board/README.md shows no command")
	}
	byHand := strings.ReplaceAll(strings.Join(block, "\n"), "/opt/", root+"/opt/")
	var cronLine string
	for _, l := range strings.Split(string(mustRead(t, filepath.Join(repo, "examples/status-board/crontab"))), "\n") {
		if m := cronJob.FindStringSubmatch(l); m != nil && strings.HasPrefix(l, "*/5 ") {
			cronLine = strings.ReplaceAll(strings.SplitN(l, " ", 6)[5], "/opt/", root+"/opt/")
		}
	}
	if cronLine == "" {
		t.Fatal("examples/status-board/crontab has no */5 line")
	}
	run := func(script string) (string, string) {
		t.Helper()
		c := exec.Command("/bin/sh", "-c", script)
		c.Dir = root
		c.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + root}
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		if err := c.Run(); err != nil {
			t.Fatalf("%s\n%v\n%s%s", script, err, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	out, errOut := run(byHand)
	if !strings.HasPrefix(out, `{"method":"POST"`) || errOut != "feishu-push: dry run: oc_board: send (no message remembered)\n" {
		t.Errorf("the first dry run:\nstdout %s\nstderr %s", out, errOut)
	}
	run(cronLine)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("the cron line sent %d messages, want 1", n)
	}
	id := srv.Messages()[0].MessageID
	out, errOut = run(byHand)
	if !strings.HasPrefix(out, `{"method":"PATCH"`) || errOut != "feishu-push: dry run: oc_board: update "+id+"\n" {
		t.Errorf("the dry run after a send:\nstdout %s\nstderr %s", out, errOut)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the dry runs sent something: %d messages", n)
	}
	// "To take the board down": the README's recall line, with the board's
	// settings loaded the way its other lines load them.
	m := regexp.MustCompile("`(feishu-push recall [^`]+)`").FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("examples/status-board/README.md has no recall line")
	}
	run("cd " + board + " && set -a && . ./status-board.env && set +a && " + m[1])
	if msg, _ := srv.Message(id); !msg.Recalled {
		t.Errorf("%q did not recall the board %s", m[1], id)
	}
}

// readmeSection returns the text of the README's "## title" section.
func readmeSection(t *testing.T, readme, title string) string {
	t.Helper()
	_, rest, ok := strings.Cut(readme, "\n## "+title+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", title)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// TestReadmeMatchesTheCLI holds the README's reference parts to the binary:
// every command of `feishu-push --help` has its section, every environment
// variable it lists is in the Settings table (and no other), the table's
// flags exist, the exit codes table is the one of pkg/cli/exitcode.go, and
// the Development layout names every package.
func TestReadmeMatchesTheCLI(t *testing.T) {
	readme := string(mustRead(t, "../../README.md"))
	ios, _, out, _ := cli.TestStreams()
	if code := cli.Main([]string{"--help"}, ios); code != 0 {
		t.Fatalf("--help exits %d", code)
	}
	help := out.String()
	ios, _, listenOut, _ := cli.TestStreams()
	if code := cli.Main([]string{"listen", "--help"}, ios); code != 0 {
		t.Fatalf("listen --help exits %d", code)
	}
	flagHelp := help + listenOut.String()

	// Commands.
	_, cmds, _ := strings.Cut(help, "\nCommands:\n")
	cmds, _, _ = strings.Cut(cmds, "\n\n")
	for _, l := range strings.Split(cmds, "\n") {
		name := strings.Fields(l)[0]
		if name == "help" {
			continue
		}
		if !regexp.MustCompile("(?m)^#{2,3} .*`" + regexp.QuoteMeta(name) + "`").MatchString(readme) {
			t.Errorf("README.md has no section heading naming the command `%s`", name)
		}
	}

	// Environment.
	_, envs, _ := strings.Cut(help, "\nEnvironment")
	envs, _, _ = strings.Cut(envs, "\n\n")
	envVar := regexp.MustCompile(`\bFEISHU_[A-Z_]+\b`)
	want := map[string]bool{}
	for _, v := range envVar.FindAllString(envs, -1) {
		want[v] = true
	}
	settings := readmeSection(t, readme, "Settings")
	got := map[string]bool{}
	for _, l := range strings.Split(settings, "\n") {
		if !strings.HasPrefix(l, "| `--") && !strings.HasPrefix(l, "| |") {
			continue
		}
		cells := strings.Split(l, "|")
		for _, v := range envVar.FindAllString(cells[2], -1) {
			got[v] = true
		}
		for _, f := range regexp.MustCompile("`(--[a-z-]+)`").FindAllStringSubmatch(cells[1], -1) {
			if !strings.Contains(flagHelp, "      "+f[1]+" ") {
				t.Errorf("the Settings table has %s, which neither --help nor listen --help lists", f[1])
			}
		}
	}
	for v := range want {
		if !got[v] {
			t.Errorf("the Settings table lacks %s, which --help lists", v)
		}
	}
	for v := range got {
		if !want[v] {
			t.Errorf("the Settings table has %s, which --help does not list", v)
		}
	}

	// Exit codes: the table's first column is pkg/cli's set.
	codes := map[int]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(readmeSection(t, readme, "Output, logs and exit codes"), -1) {
		n, _ := strconv.Atoi(m[1])
		codes[n] = true
	}
	for _, c := range []int{cli.ExitOK, cli.ExitInternal, cli.ExitUsage, cli.ExitRejected, cli.ExitAuth, cli.ExitTransient, cli.ExitSpoolWrite, cli.ExitInterrupted} {
		if !codes[c] {
			t.Errorf("the exit codes table lacks %d", c)
		}
		delete(codes, c)
	}
	for c := range codes {
		t.Errorf("the exit codes table has %d, which pkg/cli/exitcode.go does not define", c)
	}

	// Layout: every package with Go code, by its directory.
	dev := readmeSection(t, readme, "Development")
	for _, root := range []string{"pkg", "internal", "cmd"} {
		filepath.WalkDir(filepath.Join("../..", root), func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if gos, _ := filepath.Glob(filepath.Join(p, "*.go")); len(gos) == 0 {
				return nil
			}
			rel, _ := filepath.Rel("../..", p)
			if root == "cmd" && strings.Count(rel, "/") > 1 {
				return nil // the bench driver's helper programs
			}
			if !strings.Contains(dev, "`"+rel+"/`") {
				t.Errorf("the Development layout does not describe `%s/`", rel)
			}
			return nil
		})
	}
}

// sandboxWithListener prepares what the README's $SANDBOX lines assume: the
// sandbox on port, `feishu-push listen --long-connection` connected to it,
// and three messages sent, the third with a callback button.
func sandboxWithListener(t *testing.T, fp string, env []string, dir, port string) {
	t.Helper()
	base := "http://127.0.0.1:" + port
	env = append(slicesWithout(env, "FEISHU_BASE_URL="), "FEISHU_BASE_URL="+base)
	start := func(name string, args ...string) (logFile string) {
		logFile = filepath.Join(dir, name+".log")
		f, err := os.Create(logFile)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		c := exec.Command(fp, args...)
		c.Dir, c.Env, c.Stdout, c.Stderr = dir, env, f, f
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c.Process.Signal(syscall.SIGTERM)
			c.Wait()
		})
		return logFile
	}
	waitFor := func(what string, ok func() bool) {
		for i := 0; !ok(); i++ {
			if i == 400 {
				t.Fatalf("%s did not happen", what)
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
	start("sandbox", "sandbox", "--addr", "127.0.0.1:"+port)
	waitFor("the sandbox listening", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	log := start("listen", "listen", "--long-connection", "--state-dir", filepath.Join(dir, "listen-state"), "--on", "*=cat >/dev/null")
	waitFor("the listener connecting", func() bool {
		b, _ := os.ReadFile(log)
		return bytes.Contains(b, []byte("long connection open"))
	})
	for i := 1; i <= 3; i++ {
		c := exec.Command(fp, "send-card", "--to", "oc_xxx", "--title", "Disk", "--button", `Ack=callback:{"action":"ack"}`)
		c.Dir, c.Env = dir, env
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("send-card to the sandbox: %v\n%s", err, out)
		}
	}
}

func slicesWithout(env []string, prefix string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// needShell skips a test of shell lines where there is no /bin/sh to run
// them as a reader's shell would (Windows).
func needShell(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh here to run the README's shell lines")
	}
}
