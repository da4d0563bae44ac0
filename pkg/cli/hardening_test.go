package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// TestToFileLongLineAndBOM: one line of 2,003 comma-separated ids (over
// 64 KiB) is read whole, and a byte-order mark does not turn the first
// chat id into something else.
func TestToFileLongLineAndBOM(t *testing.T) {
	e := newEnv(t)
	ids := make([]string, 2003)
	for i := range ids {
		ids[i] = fmt.Sprintf("ou_%030d", i)
	}
	ids[0] = "oc_first"
	line := strings.Join(ids, ",")
	if len(line) <= 64<<10 {
		t.Fatalf("line of %d bytes is not over 64 KiB", len(line))
	}
	file := e.File("rcpts.txt", "\uFEFF"+line+"\n# the end\n")
	r := e.Run("", "send-text", "--to-file", file, "--text", "hi", "--dry-run")
	r.Expect(t, 0)
	dec := json.NewDecoder(strings.NewReader(r.Out))
	var got []string
	for dec.More() {
		var req struct {
			URL  string `json:"url"`
			Body struct {
				ReceiveID string `json:"receive_id"`
			} `json:"body"`
		}
		if err := dec.Decode(&req); err != nil {
			t.Fatal(err)
		}
		_, typ, _ := strings.Cut(req.URL, "receive_id_type=")
		got = append(got, typ+":"+req.Body.ReceiveID)
	}
	if len(got) != 2003 || got[0] != "chat_id:oc_first" || got[2002] != "open_id:"+ids[2002] {
		t.Fatalf("%d requests, first %q, last %q", len(got), first(got...), got[len(got)-1])
	}
	// A bad entry far into the long line names its line.
	bad := e.File("bad.txt", "oc_a\n"+line+",ou_a\u200b\n")
	r = e.Run("", "send-text", "--to-file", bad, "--text", "hi")
	r.Expect(t, ExitUsage)
	if !strings.Contains(r.ErrOut, "--to-file "+bad+":2: ") || len(e.Srv.Messages()) != 0 {
		t.Errorf("stderr %q", r.ErrOut)
	}
	// Invalid UTF-8 is refused the same way.
	r = e.Run("", "send-text", "--to-file", e.File("latin1.txt", "oc_a\noc_caf\xe9\n"), "--text", "hi")
	if r.Code != ExitUsage || !strings.Contains(r.ErrOut, ":2: not valid UTF-8") {
		t.Errorf("exit %d %q", r.Code, r.ErrOut)
	}
}

// TestDeviceAndForeignPathsRefused: /dev/null as a metrics file or log
// file is refused before anything is sent, and as a token cache it is a
// warning and no cache; /dev/null stays a device every time.
func TestDeviceAndForeignPathsRefused(t *testing.T) {
	e := newEnv(t)
	checkDevNull := func() {
		t.Helper()
		st, err := os.Lstat("/dev/null")
		if err != nil || st.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("/dev/null clobbered: %v %v", st.Mode(), err)
		}
	}
	for _, flag := range []string{"--metrics-file", "--log-file"} {
		r := e.Run("", "send-text", "--to", "oc_a", "--text", "x", flag, "/dev/null")
		r.Expect(t, ExitUsage)
		if !strings.Contains(r.ErrOut, flag+" /dev/null: is a device") {
			t.Errorf("%s: stderr %q", flag, r.ErrOut)
		}
		checkDevNull()
	}
	if len(e.Srv.Messages()) != 0 {
		t.Fatalf("sent %d", len(e.Srv.Messages()))
	}
	r := e.Run("", "send-text", "--to", "oc_a", "--text", "x", "--token-cache", "/dev/null")
	r.Expect(t, 0)
	if !strings.Contains(r.ErrOut, "warning") || !strings.Contains(r.ErrOut, "/dev/null") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	checkDevNull()
	// A symlink to a file of someone else's is refused, not followed.
	target := e.File("victim.txt", "precious\n")
	link := filepath.Join(e.Dir, "metrics.prom")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	r = e.Run("", "send-text", "--to", "oc_a", "--text", "x", "--metrics-file", link)
	r.Expect(t, ExitUsage)
	if b, _ := os.ReadFile(target); string(b) != "precious\n" || !strings.Contains(r.ErrOut, "symbolic link") {
		t.Errorf("target %q, stderr %q", b, r.ErrOut)
	}
}

// TestSpoolWriteFailureHasItsOwnExit: a spool that cannot be written (a
// read-only directory) sends nothing, exits 6 (not 5: nothing is kept),
// says so, logs it and alerts.
func TestSpoolWriteFailureHasItsOwnExit(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Dir, "ro", "spool")
	if os.Geteuid() == 0 {
		dir = "/sys/feishu-push-spool" // root writes through mode bits; sysfs refuses mkdir
	} else {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Dir(dir), 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(filepath.Dir(dir), 0o700) })
	}
	log := filepath.Join(e.Dir, "push.log")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = dir
	r := e.Run("", "send-text", "--to", "oc_a,oc_b", "--text", "x", "--log-file", log, "--notify-on-failure", "ou_oncall")
	r.Expect(t, ExitSpoolWrite)
	if !strings.Contains(r.ErrOut, "spool "+dir+": not written") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	msgs := e.Srv.Messages()
	if len(msgs) != 1 || msgs[0].ReceiveID != "ou_oncall" {
		t.Fatalf("want only the alert, got %+v", msgs)
	}
	if l := mustRead(t, log); !strings.Contains(l, "spool write failed") {
		t.Errorf("log %q", l)
	}
	// The help names the code.
	h := e.Run("", "send-text", "--help")
	if !strings.Contains(h.Out, "6    the spool could not be written") {
		t.Errorf("help: %q", h.Out)
	}
}

// TestFlushHoldsAppMessagesPastTheDedupeHour: an app message first tried
// over an hour ago may have landed and Feishu no longer de-duplicates its
// uuid: flush holds it until --resend-uncertain.
func TestFlushHoldsAppMessagesPastTheDedupeHour(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = dir
	sp := &spool.Spool{Dir: dir}
	old := &spool.Entry{Command: "send-text", Mode: spool.ModeApp, AppID: "cli_test", BaseURL: e.Srv.URL,
		ReceiveIDType: feishu.IDTypeChatID, ReceiveID: "oc_old", MsgType: feishu.MsgTypeText,
		Content: json.RawMessage(`{"text":"stale"}`), UUID: "fp-old", FirstAttempt: time.Now().Add(-2 * time.Hour)}
	fresh := *old
	fresh.ReceiveID, fresh.UUID, fresh.FirstAttempt = "oc_new", "fp-new", time.Now().Add(-5*time.Minute)
	for _, en := range []*spool.Entry{old, &fresh} {
		if _, err := sp.Put(en); err != nil {
			t.Fatal(err)
		}
	}
	r := e.Run("", "flush")
	r.Expect(t, 0)
	if m := e.Srv.Messages(); len(m) != 1 || m[0].ReceiveID != "oc_new" {
		t.Fatalf("sent %+v", m)
	}
	if !strings.Contains(r.ErrOut, "first tried over an hour ago and may have landed; Feishu no longer de-duplicates its uuid; --resend-uncertain sends it again") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	if n := len(spoolFiles(t, dir)); n != 1 {
		t.Fatalf("spool holds %d", n)
	}
	e.Run("", "flush", "--resend-uncertain").Expect(t, 0)
	if m := e.Srv.Messages(); len(m) != 2 || m[1].ReceiveID != "oc_old" || len(spoolFiles(t, dir)) != 0 {
		t.Errorf("sent %+v", m)
	}
}

// TestSecretsStayOffTheCommandLineAndOutOfErrors: --webhook-file reads the
// URL from a file, and a webhook URL given where it does not belong (in
// --base-url, as a stray argument) is never printed whole.
func TestSecretsStayOffTheCommandLineAndOutOfErrors(t *testing.T) {
	e := newEnv(t)
	hook := e.Srv.WebhookURL(testHookToken)
	delete(e.Vars, "FEISHU_APP_SECRET")
	e.Vars["FEISHU_WEBHOOK_SECRET"] = testHookSecret
	file := e.File("hook", hook+"\n")
	e.Run("", "send-text", "--webhook-file", file, "--text", "from a file").Expect(t, 0)
	if m := e.Srv.Messages(); len(m) != 1 || m[0].Mode != "webhook" {
		t.Fatalf("sent %+v", m)
	}
	for _, args := range [][]string{
		{"send-text", "--base-url", hook, "--to", "oc_a", "--text", "x"},
		{"send-text", hook, "--text", "x"},
		{hook},
		{"send-text", "--webhook-file", e.File("bad", strings.Replace(hook, "/hook/", "/hooks/", 1)), "--text", "x"},
	} {
		r := e.Run("", args...)
		if r.Code != ExitUsage || strings.Contains(r.ErrOut, testHookToken) || strings.Contains(r.ErrOut, "/hook/"+testHookToken[:4]) {
			t.Errorf("%v: exit %d, stderr %q", args[:2], r.Code, r.ErrOut)
		}
	}
	// The help's examples pass the webhook through the environment or a file.
	for _, cmd := range []string{"send-text", "send-card", "push-dashboard"} {
		if out := e.Run("", cmd, "--help").Out; strings.Contains(out, `--webhook "$`) || strings.Contains(out, "--webhook $") {
			t.Errorf("%s --help puts the webhook URL on the command line", cmd)
		}
	}
}

// TestRetryBudgetIsSharedByTheRun: during an outage the waits between
// retries of all messages of a run add up to at most --retry-budget, and
// every message is spooled for flush.
func TestRetryBudgetIsSharedByTheRun(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var waited time.Duration
	e.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waited += d
		mu.Unlock()
		return ctx.Err()
	}
	dir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = dir
	e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Status: 503, Times: 60, Outage: true})
	r := e.Run("", "send-text", "--to", "oc_a,oc_b,oc_c,oc_d,oc_e", "--text", "x", "--retries", "50",
		"--retry-max-wait", "1h", "--retry-budget", "3s")
	r.Expect(t, ExitTransient)
	if waited > 3*time.Second || waited == 0 {
		t.Errorf("waited %v in all, want at most the 3s budget", waited)
	}
	if n := len(spoolFiles(t, dir)); n != 5 {
		t.Errorf("spooled %d of 5", n)
	}
}

// TestFlushWaitsForTheLockUntilASignal: a flush waiting on the spool's
// lock (another flush holds it) ends on SIGINT with exit 130.
func TestFlushWaitsForTheLockUntilASignal(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = dir
	unlock, err := (&spool.Spool{Dir: dir}).Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancelCause(context.Background())
	e.Ctx = ctx
	time.AfterFunc(200*time.Millisecond, func() { cancel(&feishu.InterruptedError{Signal: "interrupt"}) })
	r := e.Run("", "flush")
	r.Expect(t, ExitInterrupted)
}

// TestFlushLeavesARunningBatchAlone: the messages of a run still sending
// them (its batch lock held) are not flushed; once it ends, they are.
func TestFlushLeavesARunningBatchAlone(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = dir
	sp := &spool.Spool{Dir: dir}
	b, err := sp.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Add(&spool.Entry{Command: "send-text", Mode: spool.ModeApp, AppID: "cli_test", BaseURL: e.Srv.URL,
		ReceiveIDType: feishu.IDTypeChatID, ReceiveID: "oc_busy", MsgType: feishu.MsgTypeText,
		Content: json.RawMessage(`{"text":"in flight"}`), UUID: "fp-busy"})
	if err != nil || b.Commit() != nil {
		t.Fatal(err)
	}
	e.Run("", "flush").Expect(t, 0)
	if n := len(e.Srv.Messages()); n != 0 {
		t.Fatalf("flush sent %d messages of a running batch", n)
	}
	b.Close()
	e.Run("", "flush").Expect(t, 0)
	if m := e.Srv.Messages(); len(m) != 1 || m[0].ReceiveID != "oc_busy" || len(spoolFiles(t, dir)) != 0 {
		t.Errorf("sent %+v", m)
	}
}
