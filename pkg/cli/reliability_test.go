package cli

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// noWait makes retries immediate.
func noWait(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// logAttempts returns the attempts of each log line.
func logAttempts(t *testing.T, path string) []int {
	t.Helper()
	var out []int
	for _, l := range lines(mustRead(t, path)) {
		var m struct{ Attempts int }
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m.Attempts)
	}
	return out
}

// TestFaultMatrix: each transient fault, for text and cards, to two
// recipients: exactly one message each, exit 0, the retries in the log.
func TestFaultMatrix(t *testing.T) {
	faults := map[string]feishutest.Fault{
		"5xx twice":                 {Endpoint: "messages", Times: 2, Status: 502},
		"429 with reset":            {Endpoint: "messages", Status: 429, Code: 99991400, Msg: "request trigger frequency limit", Header: map[string]string{"x-ogw-ratelimit-reset": "3"}},
		"230020 per-chat limit":     {Endpoint: "messages", Status: 400, Code: 230020, Msg: "This operation triggers the frequency limit"},
		"token expired mid-run":     {Endpoint: "messages", Status: 400, Code: 99991663, Msg: "Invalid access token for authorization."},
		"connection reset":          {Endpoint: "messages", Action: feishutest.Reset},
		"response lost after store": {Endpoint: "messages", Action: feishutest.LoseResponse},
		"timeout":                   {Endpoint: "messages", Action: feishutest.Delay, Delay: 1500 * time.Millisecond},
	}
	kinds := map[string][]string{
		"text": {"send-text", "--text", "nightly backup done"},
		"card": {"send-card", "--title", "Backup", "--content", "**done**"},
	}
	for fname, fault := range faults {
		for kind, args := range kinds {
			t.Run(kind+"/"+fname, func(t *testing.T) {
				e := newEnv(t)
				e.Sleep = noWait
				e.Srv.Inject(fault)
				log := filepath.Join(e.Dir, "push.log")
				// One worker, so the fault meets the first message.
				r := e.Run("", append(args, "--to", "oc_one,ou_two", "--timeout", "1s", "--log-file", log, "--workers", "1")...)
				r.Expect(t, 0)
				per := map[string]int{}
				for _, m := range e.Srv.Messages() {
					per[m.ReceiveID]++
				}
				if per["oc_one"] != 1 || per["ou_two"] != 1 || len(per) != 2 {
					t.Errorf("stored per recipient %v, want exactly one each", per)
				}
				if a := logAttempts(t, log); len(a) != 2 || a[0] < 2 || a[1] != 1 {
					t.Errorf("attempts in the log %v, want [>=2 1]", a)
				}
			})
		}
	}
}

// TestWebhookFaults: rate limits and refused connections are retried; a
// failure after the post may have landed is not, and says so.
func TestWebhookFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  feishutest.Fault
		code   int
		stored int
	}{
		{"9499 too many request", feishutest.Fault{Endpoint: "webhook", Status: 400, Code: 9499, Msg: "too many request"}, 0, 1},
		{"11232 congestion", feishutest.Fault{Endpoint: "webhook", Code: 11232, Msg: "create message service trigger rate limit"}, 0, 1},
		{"5xx", feishutest.Fault{Endpoint: "webhook", Status: 500}, ExitTransient, 0},
		{"reset after write", feishutest.Fault{Endpoint: "webhook", Action: feishutest.Reset}, ExitTransient, 0},
		{"response lost after store", feishutest.Fault{Endpoint: "webhook", Action: feishutest.LoseResponse}, ExitTransient, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t).Webhook()
			e.Sleep = noWait
			e.Srv.Inject(tc.fault)
			r := e.Run("", "send-text", "--text", "deploy ok")
			r.Expect(t, tc.code)
			if n := len(e.Srv.Messages()); n != tc.stored {
				t.Errorf("stored %d, want %d", n, tc.stored)
			}
			if tc.code != 0 && !strings.Contains(r.ErrOut, "may have landed") {
				t.Errorf("stderr %q does not say the post may have landed", r.ErrOut)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		e := newEnv(t)
		// A port with nothing listening, until the first retry's wait.
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		fake := feishutest.New(feishutest.WithWebhook(testHookToken, ""))
		var once sync.Once
		e.Sleep = func(ctx context.Context, d time.Duration) error {
			once.Do(func() {
				l, err := net.Listen("tcp", addr)
				if err != nil {
					t.Error(err)
					return
				}
				srv := &http.Server{Handler: fake}
				go srv.Serve(l)
				t.Cleanup(func() { srv.Close() })
			})
			return nil
		}
		e.Vars["FEISHU_WEBHOOK_URL"] = "http://" + addr + "/open-apis/bot/v2/hook/" + testHookToken
		r := e.Run("", "send-text", "--text", "deploy ok", "--log-file", filepath.Join(e.Dir, "push.log"))
		r.Expect(t, 0)
		if n := len(fake.Messages()); n != 1 {
			t.Errorf("stored %d, want 1", n)
		}
		if a := logAttempts(t, filepath.Join(e.Dir, "push.log")); a[0] != 2 {
			t.Errorf("attempts %v", a)
		}
	})
}

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := (&spool.Spool{Dir: dir}).List()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOutageSpoolFlush: Feishu down for the whole run, then back.
func TestOutageSpoolFlush(t *testing.T) {
	e := newEnv(t)
	e.Sleep = noWait
	spoolDir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = spoolDir
	e.Srv.Close()
	r := e.Run("", "send-card", "--to", "oc_sales", "--title", "每日销售看板", "--content", "¥128,430", "--uuid", "sales-2026-11-21")
	r.Expect(t, ExitTransient)
	files := spoolFiles(t, spoolDir)
	if len(files) != 1 || !strings.Contains(r.ErrOut, "spooled to "+files[0]) {
		t.Fatalf("spool %v, stderr %q", files, r.ErrOut)
	}
	if st, _ := os.Stat(files[0]); st.Mode().Perm() != 0o600 {
		t.Errorf("spool file mode %v", st.Mode().Perm())
	}
	if !strings.Contains(mustRead(t, files[0]), `"uuid": "sales-2026-11-21"`) {
		t.Errorf("spool file lacks the uuid: %s", mustRead(t, files[0]))
	}

	// Feishu is back (at a new address): flush delivers it once.
	back := feishutest.NewServer(t, feishutest.WithApp("cli_test", testAppSecret))
	e.Vars["FEISHU_BASE_URL"] = back.URL
	r = e.Run("", "flush")
	r.Expect(t, 0)
	if msgs := back.Messages(); len(msgs) != 1 || msgs[0].UUID != "sales-2026-11-21" || !strings.HasPrefix(r.Out, "oc_sales\tom_") {
		t.Fatalf("after flush: %+v, stdout %q", msgs, r.Out)
	}
	if len(spoolFiles(t, spoolDir)) != 0 {
		t.Error("delivered message still spooled")
	}
	// A second flush has nothing to send.
	r = e.Run("", "flush")
	r.Expect(t, 0)
	if r.Out != "" || r.ErrOut != "" || len(back.Requests()) != 2 {
		t.Errorf("second flush: stdout %q stderr %q requests %d", r.Out, r.ErrOut, len(back.Requests()))
	}
}

// TestLostResponseThenFlushNoDuplicate: the message landed but every
// answer was lost; the flush reuses the uuid and Feishu keeps one.
func TestLostResponseThenFlushNoDuplicate(t *testing.T) {
	e := newEnv(t)
	e.Sleep = noWait
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = filepath.Join(e.Dir, "spool")
	e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Times: 4, Action: feishutest.LoseResponse})
	e.Run("", "send-text", "--to", "oc_a", "--text", "once").Expect(t, ExitTransient)
	e.Run("", "flush").Expect(t, 0)
	if n := len(e.Srv.Messages()); n != 1 {
		t.Errorf("stored %d messages, want 1", n)
	}
}

func TestConcurrentFlushesSendEachOnce(t *testing.T) {
	e := newEnv(t)
	e.Sleep = noWait
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = filepath.Join(e.Dir, "spool")
	e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Times: 40, Status: 503})
	var to []string
	for i := 0; i < 10; i++ {
		to = append(to, "oc_store"+string(rune('a'+i)))
	}
	e.Run("", "send-text", "--to", strings.Join(to, ","), "--text", "x", "--retries", "3").Expect(t, ExitTransient)
	if n := len(spoolFiles(t, e.Vars["FEISHU_PUSH_SPOOL_DIR"])); n != 10 {
		t.Fatalf("spooled %d, want 10", n)
	}
	var wg sync.WaitGroup
	outs := make([]result, 2)
	for i := range outs {
		wg.Add(1)
		go func() { defer wg.Done(); outs[i] = e.Run("", "flush") }()
	}
	wg.Wait()
	per := map[string]int{}
	for _, m := range e.Srv.Messages() {
		per[m.ReceiveID]++
	}
	for _, id := range to {
		if per[id] != 1 {
			t.Errorf("%s stored %d times", id, per[id])
		}
	}
	if got := len(lines(outs[0].Out)) + len(lines(outs[1].Out)); got != 10 {
		t.Errorf("flushes reported %d deliveries, want 10", got)
	}
}

func TestFlushBuriesRejectedAndCorrupt(t *testing.T) {
	e := newEnv(t)
	e.Sleep = noWait
	dir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = dir
	e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Times: 8, Status: 503})
	e.Run("", "send-text", "--to", "oc_gone,oc_fine", "--text", "x", "--retries", "3").Expect(t, ExitTransient)
	e.Srv.Reject("oc_gone", feishutest.Fault{Code: 232009, Msg: "chat dissolved"})
	if err := os.WriteFile(filepath.Join(dir, "00-corrupt.json"), []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.Run("", "flush")
	r.Expect(t, ExitUsage) // the corrupt file comes first
	if !strings.Contains(r.ErrOut, "corrupt spool file") || !strings.Contains(r.ErrOut, "code 232009") ||
		!strings.Contains(r.ErrOut, "flush: 1 delivered, 0 kept, 2 moved to dead/") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	dead, _ := filepath.Glob(filepath.Join(dir, "dead", "*"))
	if len(dead) != 3 { // the corrupt file, its .reason, the rejected message
		t.Errorf("dead/ has %v", dead)
	}
	if len(spoolFiles(t, dir)) != 0 || len(e.Srv.Messages()) != 1 {
		t.Errorf("spool %v, stored %d", spoolFiles(t, dir), len(e.Srv.Messages()))
	}
}

func TestUncertainWebhookPostIsHeld(t *testing.T) {
	e := newEnv(t).Webhook()
	e.Sleep = noWait
	dir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = dir
	e.Srv.Inject(feishutest.Fault{Endpoint: "webhook", Status: 502})
	r := e.Run("", "send-text", "--text", "deploy ok")
	r.Expect(t, ExitTransient)
	if !strings.Contains(r.ErrOut, "spooled as uncertain") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	r = e.Run("", "flush")
	r.Expect(t, 0)
	if len(e.Srv.Messages()) != 0 || !strings.Contains(r.ErrOut, "--resend-uncertain") {
		t.Errorf("flush sent an uncertain post: stderr %q", r.ErrOut)
	}
	e.Run("", "flush", "--resend-uncertain").Expect(t, 0)
	if len(e.Srv.Messages()) != 1 || len(spoolFiles(t, dir)) != 0 {
		t.Errorf("stored %d, spool %v", len(e.Srv.Messages()), spoolFiles(t, dir))
	}
	// A refused connection proves the post never landed: flush sends it by itself.
	e.Srv.Close()
	e.Run("", "send-text", "--text", "second", "--retries", "0").Expect(t, ExitTransient)
	files := spoolFiles(t, dir)
	if len(files) != 1 || strings.Contains(mustRead(t, files[0]), "maybe_delivered") {
		t.Errorf("spool %v", files)
	}
}

func TestTokenCache(t *testing.T) {
	e := newEnv(t)
	cache := filepath.Join(e.Dir, "tokens.json")
	e.Exempt(cache) // a token cache holds a token by design
	e.Vars["FEISHU_PUSH_TOKEN_CACHE"] = cache
	for i := 0; i < 3; i++ {
		e.Run("", "send-text", "--to", "oc_a", "--text", "x").Expect(t, 0)
	}
	if n := e.Srv.CountRequests(feishutest.EndpointToken); n != 1 {
		t.Errorf("token requests %d, want 1 across runs", n)
	}
	st, err := os.Stat(cache)
	if err != nil || st.Mode().Perm() != 0o600 || strings.Contains(mustRead(t, cache), testAppSecret) {
		t.Errorf("cache %v %v", st, err)
	}
	// The cached token expires on Feishu's side: refused, fetched again, cached.
	e.Srv.ExpireTokens()
	e.Run("", "send-text", "--to", "oc_a", "--text", "x").Expect(t, 0)
	e.Run("", "send-text", "--to", "oc_a", "--text", "x").Expect(t, 0)
	if n := e.Srv.CountRequests(feishutest.EndpointToken); n != 2 {
		t.Errorf("token requests %d, want 2", n)
	}
	// A corrupt cache is a warning, not a failure.
	os.WriteFile(cache, []byte("\x00garbage"), 0o600)
	r := e.Run("", "send-text", "--to", "oc_a", "--text", "x")
	r.Expect(t, 0)
	if !strings.Contains(r.ErrOut, "warning: token cache") || len(lines(r.ErrOut)) != 1 {
		t.Errorf("stderr %q", r.ErrOut)
	}
}

func TestNotifyOnFailure(t *testing.T) {
	e := newEnv(t)
	e.Srv.Reject("oc_nobot", feishutest.Fault{Code: 230002, Msg: "Bot is not in the chat"})
	log := filepath.Join(e.Dir, "push.log")
	r := e.Run("", "send-text", "--to", "oc_nobot", "--text", "x", "--notify-on-failure", "ou_oncall", "--log-file", log)
	r.Expect(t, ExitRejected)
	msgs := e.Srv.Messages()
	if len(msgs) != 1 || msgs[0].ReceiveID != "ou_oncall" {
		t.Fatalf("stored %+v", msgs)
	}
	var c struct{ Text string }
	mustJSON(t, msgs[0].Content, &c)
	if !strings.Contains(c.Text, "send-text failed") || !strings.Contains(c.Text, "oc_nobot") || !strings.Contains(c.Text, "230002") || !strings.Contains(c.Text, "log_id") {
		t.Errorf("alert %q", c.Text)
	}
	if !strings.Contains(mustRead(t, log), `"alert":true`) {
		t.Errorf("alert not logged")
	}
	// An alert that fails too is reported, and the exit code is the send's.
	e.Srv.Reject("ou_oncall", feishutest.Fault{Code: 230013, Msg: "Bot has NO availability to this user."})
	r = e.Run("", "send-text", "--to", "oc_nobot", "--text", "x", "--notify-on-failure", "ou_oncall")
	r.Expect(t, ExitRejected)
	if !strings.Contains(r.ErrOut, "failure alert to ou_oncall failed") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	// To a webhook of its own.
	r = e.Run("", "send-text", "--to", "oc_nobot", "--text", "x", "--notify-on-failure", e.Srv.WebhookURL(testHookToken))
	r.Expect(t, ExitRejected)
	if !strings.Contains(r.ErrOut, "19021") { // that webhook wants a signature
		t.Errorf("stderr %q", r.ErrOut)
	}
	e.Vars["FEISHU_PUSH_NOTIFY_SECRET"] = testHookSecret
	e.Run("", "send-text", "--to", "oc_nobot", "--text", "x", "--notify-on-failure", e.Srv.WebhookURL(testHookToken)).Expect(t, ExitRejected)
	if m := e.Srv.Messages(); m[len(m)-1].Mode != "webhook" {
		t.Errorf("no webhook alert: %+v", m[len(m)-1])
	}
	// Success sends no alert.
	before := len(e.Srv.Messages())
	e.Run("", "send-text", "--to", "oc_ok", "--text", "x", "--notify-on-failure", "ou_oncall").Expect(t, 0)
	if len(e.Srv.Messages()) != before+1 {
		t.Error("an alert after a success")
	}
}

func TestInterruptSpoolsInFlightAndPending(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = dir
	e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Action: feishutest.Delay, Delay: 5 * time.Second})
	ctx, cancel := context.WithCancelCause(context.Background())
	e.Ctx = ctx
	time.AfterFunc(300*time.Millisecond, func() { cancel(&feishu.InterruptedError{Signal: "terminated"}) })
	r := e.Run("", "send-text", "--to", "oc_a,oc_b,oc_c", "--text", "x", "--workers", "1")
	r.Expect(t, ExitInterrupted)
	if n := len(spoolFiles(t, dir)); n != 3 {
		t.Errorf("spooled %d, want the in-flight one and the two pending", n)
	}
	if !strings.Contains(r.ErrOut, "interrupted by terminated") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	// Without a spool they are reported.
	delete(e.Vars, "FEISHU_PUSH_SPOOL_DIR")
	ctx2, cancel2 := context.WithCancelCause(context.Background())
	cancel2(&feishu.InterruptedError{Signal: "interrupt"})
	e.Ctx = ctx2
	r = e.Run("", "send-text", "--to", "oc_a,oc_b", "--text", "x")
	r.Expect(t, ExitInterrupted)
	if len(lines(r.ErrOut)) != 3 || !strings.Contains(r.ErrOut, "not sent: interrupted by interrupt") {
		t.Errorf("stderr %q", r.ErrOut)
	}
}

func TestDeadline(t *testing.T) {
	e := newEnv(t)
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = filepath.Join(e.Dir, "spool")
	e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Action: feishutest.Delay, Delay: 5 * time.Second})
	start := time.Now()
	r := e.Run("", "send-text", "--to", "oc_a", "--text", "x", "--deadline", "300ms", "--timeout", "10s")
	r.Expect(t, ExitTransient)
	if time.Since(start) > 4*time.Second {
		t.Errorf("the deadline did not stop the run")
	}
	if len(spoolFiles(t, e.Vars["FEISHU_PUSH_SPOOL_DIR"])) != 1 {
		t.Error("not spooled")
	}
}

func readProm(t *testing.T, path string) map[string]float64 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(fh)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			out[key] = m.GetGauge().GetValue()
		}
	}
	return out
}

func TestMetricsFile(t *testing.T) {
	e := newEnv(t)
	e.Sleep = noWait
	prom := filepath.Join(e.Dir, "feishu_push.prom")
	e.Vars["FEISHU_PUSH_METRICS_FILE"] = prom
	e.Run("", "send-text", "--to", "oc_a,oc_b", "--text", "x").Expect(t, 0)
	e.Run("", "push-dashboard", "--to", "oc_a", "--title", "t", "--url", "https://x.example").Expect(t, 0)
	m := readProm(t, prom)
	okAt := m["feishu_push_last_success_timestamp_seconds,command=send-text,job_name=send-text"]
	if okAt == 0 || m["feishu_push_last_run_messages,command=send-text,job_name=send-text,result=sent"] != 2 ||
		m["feishu_push_last_run_exit_code,command=send-text,job_name=send-text"] != 0 || m["feishu_push_last_run_timestamp_seconds,command=push-dashboard,job_name=push-dashboard"] == 0 {
		t.Fatalf("metrics %v", m)
	}
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = filepath.Join(e.Dir, "spool")
	// Both attempts --retries 1 allows fail.
	e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Times: 2, Status: 500})
	e.Run("", "send-text", "--to", "oc_a", "--text", "x", "--retries", "1").Expect(t, ExitTransient)
	m = readProm(t, prom)
	if m["feishu_push_last_success_timestamp_seconds,command=send-text,job_name=send-text"] != okAt ||
		m["feishu_push_last_run_exit_code,command=send-text,job_name=send-text"] != 5 ||
		m["feishu_push_last_run_messages,command=send-text,job_name=send-text,result=failed"] != 1 ||
		m["feishu_push_last_run_messages,command=send-text,job_name=send-text,result=spooled"] != 1 ||
		m["feishu_push_last_success_timestamp_seconds,command=push-dashboard,job_name=push-dashboard"] == 0 {
		t.Errorf("after a failure: %v", m)
	}
}

// TestMetricsSurviveOverlap: jobs that share --metrics-file and end at the
// same moment keep each other's series, and each --job has its own.
func TestMetricsSurviveOverlap(t *testing.T) {
	e := newEnv(t)
	prom := filepath.Join(e.Dir, "metrics", "feishu_push.prom") // the directory is created
	e.Vars["FEISHU_PUSH_METRICS_FILE"] = prom
	jobs := []string{"sales", "stores", "ops", "finance"}
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		for _, job := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.Run("", "--job", job, "push-dashboard", "--to", "oc_a", "--title", job, "--url", "https://x.example").Expect(t, 0)
			}()
		}
		wg.Wait()
		m := readProm(t, prom)
		for _, job := range jobs {
			if m["feishu_push_last_success_timestamp_seconds,command=push-dashboard,job_name="+job] == 0 {
				t.Fatalf("round %d: the series of job %s is lost: %v", round, job, m)
			}
		}
	}
	if st, err := os.Stat(filepath.Dir(prom)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("metrics directory: %v %v", st.Mode(), err)
	}
}
