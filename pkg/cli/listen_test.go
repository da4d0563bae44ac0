//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// The listener tests run feishu-push as a process: this test binary,
// re-executed with this variable set, is the feishu-push binary.
const listenExecEnv = "FEISHU_PUSH_TEST_EXEC_MAIN"

func init() {
	if os.Getenv(listenExecEnv) == "1" {
		os.Exit(Main(os.Args[1:], SystemStreams()))
	}
}

const (
	listenAppSecret = "listen-app-secret-Tq4Nv"
	testEncryptKey  = "encrypt-key-Hx72Lq"
	testVerifToken  = "verif-token-Pw93Ze"
)

// listenProc is a running `feishu-push listen`.
type listenProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	URL    string
	stdout *bytes.Buffer
	stderr *listenBuffer
	done   chan error
}

type listenBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func newListenBuffer() *listenBuffer { return &listenBuffer{mu: make(chan struct{}, 1)} }
func (b *listenBuffer) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}
func (b *listenBuffer) String() string {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.String()
}

// startListen starts feishu-push listen with args and waits for it to
// listen. env are extra variables.
func startListen(t *testing.T, env []string, args ...string) *listenProc {
	t.Helper()
	return startListenUntil(t, env, "listening", args...)
}

// startListenUntil starts the listener and waits for the log line msg.
func startListenUntil(t *testing.T, env []string, msg string, args ...string) *listenProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"listen", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), listenExecEnv+"=1", "HOME="+t.TempDir(), "FEISHU_PUSH_CONFIG=",
		"FEISHU_APP_ID=cli_listen", "FEISHU_APP_SECRET="+listenAppSecret), env...)
	p := &listenProc{t: t, cmd: cmd, stdout: &bytes.Buffer{}, stderr: newListenBuffer(), done: make(chan error, 1)}
	cmd.Stdout = p.stdout
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(p.stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { err := cmd.Wait(); pw.Close(); p.done <- err }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		var line struct {
			Msg  string `json:"message"`
			Addr string `json:"addr"`
			Path string `json:"path"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg {
			p.URL = "http://" + line.Addr + line.Path
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			return p
		}
	}
	_ = <-p.done
	t.Fatalf("listener did not start: %s", p.stderr.String())
	return nil
}

// stop sends SIGTERM and waits for a clean exit.
func (p *listenProc) stop() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		p.t.Fatalf("listener exit: %v\nstderr:\n%s", err, p.stderr.String())
	}
	for _, secret := range []string{testEncryptKey, testVerifToken, listenAppSecret} {
		if strings.Contains(p.stdout.String()+p.stderr.String(), secret) {
			p.t.Errorf("a secret appears in the listener's output")
		}
	}
}

// lines reads a file of lines the handlers append to.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(strings.ReplaceAll(string(b), " ", "_"))
}

// waitLines waits until path has n lines.
func waitLines(t *testing.T, path string, n int) []string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if l := fileLines(t, path); len(l) >= n {
			return l
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never reached %d lines: %q", path, n, fileLines(t, path))
	return nil
}

func metricValue(t *testing.T, metricsURL, name string) string {
	t.Helper()
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name+" ") {
			return strings.TrimPrefix(l, name+" ")
		}
	}
	t.Fatalf("no %s in %s", name, b)
	return ""
}

func freeAddr(t *testing.T) string {
	t.Helper()
	srv := httptestListener(t)
	addr := srv.Addr().String()
	srv.Close()
	return addr
}

func TestListenEncryptedEventsBothSchemas(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(dir, "ids")
	metricsAddr := freeAddr(t)
	p := startListen(t, []string{"FEISHU_ENCRYPT_KEY=" + testEncryptKey, "FEISHU_VERIFICATION_TOKEN=" + testVerifToken, "OUT=" + dir},
		"--state-dir", filepath.Join(dir, "state"), "--metrics-addr", metricsAddr,
		"--on", `*=echo "$FEISHU_EVENT_TYPE $FEISHU_EVENT_ID $(wc -c) ${FEISHU_ENCRYPT_KEY:-hidden}" >> "$OUT/ids"`,
		"--on", `approval_instance=jq -r '.event.instance_code + " " + env.FEISHU_EVENT_ID' >> "$OUT/approvals" 2>/dev/null || { read -r x; echo "approval $FEISHU_EVENT_ID" >> "$OUT/approvals"; }`)
	s := &feishutest.EventSender{URL: p.URL, EncryptKey: testEncryptKey, VerificationToken: testVerifToken, AppID: "cli_listen"}

	ch, res, err := s.Challenge()
	if err != nil || res.Status != 200 || !strings.Contains(string(res.Body), `"challenge":"`+ch+`"`) {
		t.Fatalf("encrypted challenge: %v %d %s", err, res.Status, res.Body)
	}

	msg := s.Event2("ev-msg-1", "im.message.receive_v1", feishutest.SampleEvent("im.message.receive_v1", nil))
	if res, err := s.Post(msg); err != nil || res.Status != 200 {
		t.Fatalf("2.0 event: %v %d %s", err, res.Status, res.Body)
	}
	// A redelivery: the same event, encrypted and signed anew.
	if res, err := s.Post(msg); err != nil || res.Status != 200 {
		t.Fatalf("redelivery: %v %d %s", err, res.Status, res.Body)
	}
	appr := s.Event1("uuid-appr-1", "approval_instance", feishutest.SampleEvent("approval_instance", nil))
	if res, err := s.Post(appr); err != nil || res.Status != 200 {
		t.Fatalf("1.0 event: %v %d %s", err, res.Status, res.Body)
	}

	// Refused: each with its status, none reaching a handler.
	bad := func(name string, want int, do func() (feishutest.SendResult, error)) {
		t.Helper()
		res, err := do()
		if err != nil || res.Status != want {
			t.Errorf("%s: got %d %s (%v), want %d", name, res.Status, res.Body, err, want)
		}
	}
	other := s.Event2("ev-bad", "im.message.receive_v1", map[string]any{})
	bad("wrong key", 400, func() (feishutest.SendResult, error) {
		s2 := *s
		s2.EncryptKey = "another-key"
		return s2.Post(other)
	})
	bad("stale timestamp", 401, func() (feishutest.SendResult, error) {
		s2 := *s
		s2.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		return s2.Post(other)
	})
	bad("wrong token", 401, func() (feishutest.SendResult, error) {
		s2 := *s
		s2.VerificationToken = "nope"
		return s2.Post(s2.Event2("ev-bad", "im.message.receive_v1", map[string]any{}))
	})
	post := func(body []byte, hdr map[string]string) (feishutest.SendResult, error) {
		req, _ := http.NewRequest("POST", p.URL, bytes.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return feishutest.SendResult{}, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return feishutest.SendResult{Status: resp.StatusCode, Body: b}, nil
	}
	wrapped := s.Wrap(other)
	ts := fmt.Sprint(time.Now().Unix())
	bad("missing signature", 401, func() (feishutest.SendResult, error) { return post(wrapped, nil) })
	bad("bad signature", 401, func() (feishutest.SendResult, error) {
		return post(wrapped, map[string]string{"X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": "n",
			"X-Lark-Signature": feishutest.SignEvent(ts, "n", testEncryptKey, append([]byte(" "), wrapped...))})
	})
	bad("not JSON", 400, func() (feishutest.SendResult, error) { return s.PostRaw([]byte("hello")) })
	bad("too large", 413, func() (feishutest.SendResult, error) {
		return s.PostRaw([]byte(`{"encrypt":"` + strings.Repeat("A", 1<<20) + `"}`))
	})
	bad("GET", 405, func() (feishutest.SendResult, error) {
		resp, err := http.Get(p.URL)
		if err != nil {
			return feishutest.SendResult{}, err
		}
		resp.Body.Close()
		return feishutest.SendResult{Status: resp.StatusCode}, nil
	})

	got := waitLines(t, ids, 1)
	waitLines(t, filepath.Join(dir, "approvals"), 1)
	if v := metricValue(t, "http://"+metricsAddr+"/metrics", "feishu_listen_duplicates_dropped_total"); v != "1" {
		t.Errorf("duplicates dropped = %s, want 1", v)
	}
	if v := metricValue(t, "http://"+metricsAddr+"/metrics", "feishu_listen_requests_refused_total"); v != "8" {
		t.Errorf("refused = %s, want 8", v)
	}
	p.stop()
	got = fileLines(t, ids)
	if len(got) != 1 || !strings.HasPrefix(got[0], "im.message.receive_v1_ev-msg-1_") || !strings.HasSuffix(got[0], "_hidden") {
		t.Errorf("handler runs: %q (want one run of ev-msg-1 with the event on stdin and no encrypt key)", got)
	}
	if a := fileLines(t, filepath.Join(dir, "approvals")); len(a) != 1 || !strings.Contains(a[0], "uuid-appr-1") {
		t.Errorf("approval handler runs: %q", a)
	}
	// One JSON log line per event, naming type and id.
	if !strings.Contains(p.stderr.String(), `"event_type":"approval_instance","event_id":"uuid-appr-1"`) {
		t.Errorf("no log line for the approval event:\n%s", p.stderr.String())
	}
}

func TestListenPlainPrintsEventsAndAnswersCards(t *testing.T) {
	dir := t.TempDir()
	fake := feishutest.NewServer(t, feishutest.WithAnyWebhook(""))
	// Without --on, events are JSON lines on stdout.
	p := startListen(t, []string{"FEISHU_VERIFICATION_TOKEN=" + testVerifToken}, "--state-dir", dir)
	s := &feishutest.EventSender{URL: p.URL, AppID: "cli_listen", VerificationToken: testVerifToken}
	ch, res, err := s.Challenge()
	if err != nil || res.Status != 200 || string(bytes.TrimSpace(res.Body)) != `{"challenge":"`+ch+`"}` {
		t.Fatalf("plain challenge: %v %d %s", err, res.Status, res.Body)
	}
	for i := 0; i < 3; i++ {
		if res, err := s.Post(s.Event2(fmt.Sprint("ev-", i), "contact.user.created_v3", feishutest.SampleEvent("contact.user.created_v3", nil))); err != nil || res.Status != 200 {
			t.Fatalf("event: %v %v", err, res)
		}
	}
	if res, _ := s.Post([]byte(`{"schema":"3.0"}`)); res.Status != 400 {
		t.Errorf("unknown schema: %d", res.Status)
	}
	// A card sent through the webhook, clicked: no handler answers {}.
	card := `{"msg_type":"interactive","card":{"header":{"title":{"tag":"plain_text","content":"Disk full"}},"elements":[{"tag":"action","actions":[{"tag":"button","text":{"tag":"plain_text","content":"Ack"},"value":{"action":"ack"}}]}]}}`
	if resp, err := http.Post(fake.WebhookURL("t"), "application/json", strings.NewReader(card)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v", err)
	}
	cr, err := fake.Click(s, "", 1, json.RawMessage(`{"action":"ack"}`), "")
	if err != nil || cr.CardUpdated || cr.Toast != nil || string(cr.Answer) != "{}" {
		t.Fatalf("click without handler: %+v %v", cr, err)
	}
	p.stop()
	out := strings.Split(strings.TrimSpace(p.stdout.String()), "\n")
	if len(out) != 4 {
		t.Fatalf("stdout: want 4 JSON lines, got %q", out)
	}
	var first struct {
		Header struct {
			EventID string `json:"event_id"`
		} `json:"header"`
	}
	if err := json.Unmarshal([]byte(out[0]), &first); err != nil || first.Header.EventID != "ev-0" {
		t.Errorf("first line: %s (%v)", out[0], err)
	}
	if !strings.Contains(out[3], `"card.action.trigger"`) || !strings.Contains(out[3], `"action":"ack"`) {
		t.Errorf("card line: %s", out[3])
	}
}

func TestListenCardHandlerUpdatesCard(t *testing.T) {
	dir := t.TempDir()
	fake := feishutest.NewServer(t, feishutest.WithAnyWebhook(""))
	script := filepath.Join(dir, "ack.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
action=$(sed -n 's/.*"action":"\([a-z]*\)".*/\1/p')
case "$action" in
ack) printf '{"toast":{"type":"success","content":"Acknowledged"},"card":{"type":"raw","data":{"header":{"template":"green","title":{"tag":"plain_text","content":"Acked"}},"elements":[]}}}' ;;
fail) echo oops >&2; exit 3 ;;
hang) sleep 30 ;;
garbage) echo not json ;;
esac
`), 0o755); err != nil {
		t.Fatal(err)
	}
	p := startListen(t, []string{"FEISHU_ENCRYPT_KEY=" + testEncryptKey}, "--state-dir", dir,
		"--on", "card.action.trigger="+script, "--card-timeout", "1s")
	s := &feishutest.EventSender{URL: p.URL, EncryptKey: testEncryptKey, AppID: "cli_listen"}
	card := `{"msg_type":"interactive","card":{"header":{"template":"red","title":{"tag":"plain_text","content":"Disk full"}},"elements":[]}}`
	if resp, err := http.Post(fake.WebhookURL("t"), "application/json", strings.NewReader(card)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v", err)
	}
	cr, err := fake.Click(s, "", 1, json.RawMessage(`{"action":"ack"}`), "")
	if err != nil || !cr.CardUpdated || cr.Toast == nil || cr.Toast.Content != "Acknowledged" {
		t.Fatalf("ack click: %+v %v", cr, err)
	}
	if m := fake.Messages()[0]; !strings.Contains(string(m.Content), "Acked") {
		t.Errorf("card not updated: %s", m.Content)
	}
	for _, action := range []string{"fail", "hang", "garbage"} {
		cr, err := fake.Click(s, "", 1, json.RawMessage(`{"action":"`+action+`"}`), "")
		if err != nil || cr.Toast == nil || cr.Toast.Type != "error" || cr.CardUpdated {
			t.Errorf("%s click: %+v %v", action, cr, err)
		}
	}
	p.stop()
}

func TestListenRetriesAndRestartLosesNothing(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	// The handler fails until the file "ok" exists; runs are counted.
	handler := `*=echo "$FEISHU_EVENT_ID" >> "$OUT/runs"; test -e "$OUT/ok" || exit 1; echo "$FEISHU_EVENT_ID" >> "$OUT/done"`
	env := []string{"OUT=" + dir}
	p := startListen(t, env, "--state-dir", state, "--on", handler, "--retry-backoff", "50ms", "--max-attempts", "1000", "--workers", "2")
	s := &feishutest.EventSender{URL: p.URL, AppID: "cli_listen"}
	send := func(id, chat string) {
		t.Helper()
		ev := feishutest.SampleEvent("im.message.receive_v1", nil)
		ev["message"].(map[string]any)["chat_id"] = chat
		if res, err := s.Post(s.Event2(id, "im.message.receive_v1", ev)); err != nil || res.Status != 200 {
			t.Fatalf("send %s: %v %v", id, err, res)
		}
	}
	send("a1", "oc_a")
	send("a2", "oc_a")
	send("b1", "oc_b")
	// Failing, retried: a1 and b1 run several times; a2 waits behind a1.
	waitLines(t, filepath.Join(dir, "runs"), 6)
	p.stop()
	if d := fileLines(t, filepath.Join(dir, "done")); len(d) != 0 {
		t.Fatalf("done before ok: %q", d)
	}
	runs := fileLines(t, filepath.Join(dir, "runs"))
	for _, r := range runs {
		if r == "a2" {
			t.Errorf("a2 ran while a1 of the same chat had not succeeded: %q", runs)
		}
	}

	// The next start runs what is left, in chat order, and drops
	// redeliveries of what it already has.
	if err := os.WriteFile(filepath.Join(dir, "ok"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p = startListen(t, env, "--state-dir", state, "--on", handler, "--retry-backoff", "50ms", "--workers", "2")
	s.URL = p.URL
	done := waitLines(t, filepath.Join(dir, "done"), 3)
	send("a1", "oc_a") // redelivered after success
	send("c1", "oc_c")
	waitLines(t, filepath.Join(dir, "done"), 4)
	p.stop()

	p = startListen(t, env, "--state-dir", state, "--on", handler)
	s.URL = p.URL
	send("c1", "oc_c") // redelivered after a restart
	send("b1", "oc_b")
	p.stop()
	done = fileLines(t, filepath.Join(dir, "done"))
	if strings.Join(done, " ") != "a1 a2 b1 c1" && strings.Join(done, " ") != "a1 b1 a2 c1" && strings.Join(done, " ") != "b1 a1 a2 c1" {
		t.Errorf("handled: %q, want each of a1 a2 b1 c1 once, a1 before a2", done)
	}
}

func httptestListener(t *testing.T) interface {
	Addr() net.Addr
	Close() error
} {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startSandbox runs feishu-push sandbox as a process and returns its URL.
func startSandbox(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), listenExecEnv+"=1", "HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "a fake Feishu at "); ok {
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return strings.Fields(after)[0]
		}
	}
	t.Fatal("sandbox did not start")
	return ""
}

func postJSON(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %s", url, b)
	}
	return resp.StatusCode, out
}

// TestListenThroughSandbox: the sandbox process plays Feishu for the
// listener process: a card button click comes back as the handler's card,
// and /api/events delivers events of both schemas.
func TestListenThroughSandbox(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "handler.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
case "$FEISHU_EVENT_TYPE" in
card.action.trigger)
  grep -q '"action":"silence"' && printf '{"toast":{"type":"info","content":"Silenced for 1h"},"card":{"type":"raw","data":{"header":{"template":"grey","title":{"tag":"plain_text","content":"Silenced"}},"elements":[]}}}' ;;
*) echo "$FEISHU_EVENT_TYPE $FEISHU_EVENT_SCHEMA" >> "$OUT/events" ;;
esac
`), 0o755); err != nil {
		t.Fatal(err)
	}
	p := startListen(t, []string{"FEISHU_ENCRYPT_KEY=" + testEncryptKey, "OUT=" + dir}, "--state-dir", dir, "--on", "*="+script)
	base := startSandbox(t, "--callback-url", p.URL, "--encrypt-key", testEncryptKey)

	card := `{"msg_type":"interactive","card":{"header":{"template":"red","title":{"tag":"plain_text","content":"Disk full"}},"elements":[]}}`
	if code, _ := postJSON(t, base+"/open-apis/bot/v2/hook/x", card); code != 200 {
		t.Fatalf("webhook: %d", code)
	}
	code, res := postJSON(t, base+"/api/callback", `{"seq":1,"value":{"action":"silence"}}`)
	if code != 200 || res["card_updated"] != true || fmt.Sprint(res["toast"]) != "map[content:Silenced for 1h type:info]" {
		t.Fatalf("click: %d %v", code, res)
	}
	resp, err := http.Get(base + "/api/messages")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "Silenced") || !strings.Contains(string(b), `"toast":{"type":"info","content":"Silenced for 1h"}`) {
		t.Errorf("the inbox does not show the new card and its toast: %.2000s", b)
	}
	if code, res := postJSON(t, base+"/api/callback", `{"seq":9,"value":{}}`); code != 404 {
		t.Errorf("click on a missing message: %d %v", code, res)
	}
	for _, typ := range []string{"approval_instance", "contact.user.updated_v3"} {
		if code, res := postJSON(t, base+"/api/events", `{"type":"`+typ+`"}`); code != 200 || res["status"] != 200.0 {
			t.Errorf("send %s: %d %v", typ, code, res)
		}
	}
	if code, _ := postJSON(t, base+"/api/events", `{"event":{}}`); code != 400 {
		t.Errorf("event without type: %d", code)
	}
	waitLines(t, filepath.Join(dir, "events"), 2)
	p.stop()
	got := fileLines(t, filepath.Join(dir, "events"))
	sort.Strings(got)
	if strings.Join(got, " ") != "approval_instance_1.0 contact.user.updated_v3_2.0" {
		t.Errorf("events handled: %s", got)
	}
}

// TestListenLongConnection: the listener connects out to the fake's long
// connection, receives fragmented events and a card click over it, drops
// a duplicate, and reconnects when the server drops it.
func TestListenLongConnection(t *testing.T) {
	dir := t.TempDir()
	fake := feishutest.New(feishutest.WithApp("cli_listen", listenAppSecret), feishutest.WithAnyWebhook(""))
	lc := fake.LongConnection()
	lc.Fragment = 3
	mux := http.NewServeMux()
	mux.Handle("/callback/ws/", lc)
	mux.Handle("/", fake)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	script := filepath.Join(dir, "handler.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
if [ "$FEISHU_EVENT_TYPE" = card.action.trigger ]; then
  printf '{"toast":{"type":"success","content":"done"},"card":{"type":"raw","data":{"header":{"title":{"tag":"plain_text","content":"Handled over ws"}},"elements":[]}}}'
else
  echo "$FEISHU_EVENT_ID" >> "$OUT/events"
fi
`), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"FEISHU_BASE_URL=" + srv.URL, "OUT=" + dir}
	p := startListenUntil(t, env, "long connection open", "--long-connection", "--state-dir", dir, "--on", "*="+script)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := lc.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s := &feishutest.EventSender{Via: lc, AppID: "cli_listen"}
	send := func(id string) {
		t.Helper()
		res, err := s.Post(s.Event2(id, "im.message.receive_v1", feishutest.SampleEvent("im.message.receive_v1", nil)))
		if err != nil || res.Status != 200 {
			t.Fatalf("deliver %s: %v %+v", id, err, res)
		}
	}
	send("ws-1")
	send("ws-1")
	card := `{"msg_type":"interactive","card":{"header":{"title":{"tag":"plain_text","content":"Disk full"}},"elements":[]}}`
	if resp, err := http.Post(srv.URL+"/open-apis/bot/v2/hook/t", "application/json", strings.NewReader(card)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v", err)
	}
	cr, err := fake.Click(s, "", 1, json.RawMessage(`{"action":"ack"}`), "")
	if err != nil || !cr.CardUpdated || cr.Toast == nil || cr.Toast.Content != "done" {
		t.Fatalf("click over the long connection: %+v %v", cr, err)
	}
	// The server goes away; the client comes back after the interval
	// the server configured (1 s) and receives again.
	lc.DropAll()
	if err := lc.WaitConnected(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := lc.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("no reconnect: %v\n%s", err, p.stderr.String())
	}
	send("ws-2")
	waitLines(t, filepath.Join(dir, "events"), 2)
	p.stop()
	if got := strings.Join(fileLines(t, filepath.Join(dir, "events")), " "); got != "ws-1 ws-2" {
		t.Errorf("events handled: %q", got)
	}

	// Wrong credentials: one line, exit 2, no retry loop.
	cmd := exec.Command(os.Args[0], "listen", "--long-connection", "--state-dir", dir)
	cmd.Env = append(os.Environ(), listenExecEnv+"=1", "HOME="+dir, "FEISHU_BASE_URL="+srv.URL, "FEISHU_APP_ID=cli_listen", "FEISHU_APP_SECRET=wrong")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "invalid app_id or app_secret") || strings.Contains(string(out), "wrong") {
		t.Errorf("bad credentials: %v\n%s", err, out)
	}
}

// TestListenDrainsOnSIGTERMAndKillsHangingHandlers: SIGTERM lets a
// running handler finish (and records it), and a handler running past
// --handler-timeout is killed and retried.
func TestListenDrainsOnSIGTERMAndKillsHangingHandlers(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	handler := `*=echo "$FEISHU_EVENT_ID" >> "$OUT/started"
case "$FEISHU_EVENT_ID" in
slow) while [ ! -e "$OUT/go" ]; do sleep 0.05; done ;;
hang) [ "$FEISHU_EVENT_ATTEMPT" = 1 ] && sleep 60 ;;
esac
echo "$FEISHU_EVENT_ID" >> "$OUT/done"`
	env := []string{"OUT=" + dir}
	p := startListen(t, env, "--state-dir", state, "--on", handler, "--handler-timeout", "500ms", "--retry-backoff", "10ms")
	s := &feishutest.EventSender{URL: p.URL}
	if res, err := s.Post(s.Event2("hang", "x.y", map[string]any{})); err != nil || res.Status != 200 {
		t.Fatal(err, res)
	}
	waitLines(t, filepath.Join(dir, "done"), 1) // the second attempt
	p.stop()
	if got := fileLines(t, filepath.Join(dir, "started")); len(got) != 2 {
		t.Errorf("hang attempts: %q, want 2 (the first killed)", got)
	}

	p = startListen(t, env, "--state-dir", state, "--on", handler, "--handler-timeout", "1m")
	s.URL = p.URL
	if res, err := s.Post(s.Event2("slow", "x.y", map[string]any{})); err != nil || res.Status != 200 {
		t.Fatal(err, res)
	}
	waitLines(t, filepath.Join(dir, "started"), 3)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond) // the listener is draining: let the handler go on
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := <-p.done; err != nil {
		t.Fatalf("exit: %v\n%s", err, p.stderr.String())
	}
	if got := strings.Join(fileLines(t, filepath.Join(dir, "done")), " "); got != "hang slow" {
		t.Fatalf("done: %q", got)
	}
	// Nothing is left to run at the next start.
	p = startListen(t, env, "--state-dir", state, "--on", handler)
	p.stop()
	if got := fileLines(t, filepath.Join(dir, "started")); len(got) != 3 {
		t.Errorf("started: %q", got)
	}
}

// TestListenExamples runs the systemd unit's listen command line, with the
// example handlers, against the fake: an approval reaches the workflow
// engine, contact events keep the CSV, and the alert card's buttons
// redraw it.
func TestListenExamples(t *testing.T) {
	for _, tool := range []string{"jq", "curl", "flock"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the example handlers need %s", tool)
		}
	}
	exdir, err := filepath.Abs("../../examples/listen")
	if err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile(filepath.Join(exdir, "feishu-push-listen.service"))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.ReplaceAll(string(unit), "\\\n", " ")
	var line string
	for _, l := range strings.Split(joined, "\n") {
		if strings.HasPrefix(l, "ExecStart=/usr/local/bin/feishu-push ") {
			line = strings.TrimPrefix(l, "ExecStart=/usr/local/bin/feishu-push ")
		}
	}
	args := strings.Fields(line)
	if len(args) < 2 || args[0] != "listen" {
		t.Fatalf("ExecStart: %q", line)
	}
	dir := t.TempDir()
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "/usr/local/lib/feishu-push", exdir)
		if i > 0 {
			switch args[i-1] {
			case "--addr":
				args[i] = "127.0.0.1:0"
			case "--state-dir":
				args[i] = filepath.Join(dir, "state")
			case "--metrics-addr":
				args[i] = freeAddr(t)
			}
		}
	}
	// The Kubernetes Deployment runs the same handlers.
	deploy, _ := os.ReadFile(filepath.Join(exdir, "deployment.yaml"))
	for _, a := range args {
		if strings.HasPrefix(a, exdir) && !strings.Contains(string(deploy), "/handlers/"+filepath.Base(a)) {
			t.Errorf("deployment.yaml does not run %s", filepath.Base(a))
		}
	}

	var mu sync.Mutex
	var posted []string
	workflow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posted = append(posted, r.URL.Path+" "+r.Header.Get("Idempotency-Key")+" "+string(b))
		mu.Unlock()
	}))
	defer workflow.Close()
	csv := filepath.Join(dir, "contacts.csv")
	fake := feishutest.NewServer(t, feishutest.WithAnyWebhook(""))

	p := startListen(t, []string{"WORKFLOW_URL=" + workflow.URL, "CONTACTS_CSV=" + csv, "FEISHU_ENCRYPT_KEY=" + testEncryptKey}, args[1:]...)
	s := &feishutest.EventSender{URL: p.URL, EncryptKey: testEncryptKey, AppID: "cli_listen"}
	post := func(body []byte) {
		t.Helper()
		if res, err := s.Post(body); err != nil || res.Status != 200 {
			t.Fatalf("post: %v %+v", err, res)
		}
	}
	post(s.Event1("appr-1", "approval_instance", feishutest.SampleEvent("approval_instance", map[string]any{"instance_code": "INST-1", "status": "REJECTED"})))
	user := map[string]any{"open_id": "ou_1", "user_id": "u1", "name": "张三", "email": "zs@example.com"}
	post(s.Event2("c1", "contact.user.created_v3", map[string]any{"object": user}))
	post(s.Event2("c2", "contact.user.created_v3", map[string]any{"object": map[string]any{"open_id": "ou_2", "name": "Li, Si"}}))
	user["email"] = "san@example.com"
	post(s.Event2("c3", "contact.user.updated_v3", map[string]any{"object": user, "old_object": map[string]any{"email": "zs@example.com"}}))
	post(s.Event2("c4", "contact.user.deleted_v3", map[string]any{"object": map[string]any{"open_id": "ou_2", "name": "Li, Si"}}))

	card, err := os.ReadFile(filepath.Join(exdir, "alert-card.json"))
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Post(fake.WebhookURL("t"), "application/json", strings.NewReader(`{"msg_type":"interactive","card":`+string(card)+`}`)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the alert card was refused: %v %v", err, resp)
	}
	cr, err := fake.Click(s, "", 1, json.RawMessage(`{"action":"silence","alert":"DiskFull"}`), "ou_oncall")
	if err != nil || cr.Toast == nil || cr.Toast.Content != "Silenced for 1 hour" || !cr.CardUpdated {
		t.Fatalf("silence: %+v %v", cr, err)
	}
	if c := string(fake.Messages()[0].Content); !strings.Contains(c, "Silenced for 1h: DiskFull") || !strings.Contains(c, "ou_oncall") {
		t.Errorf("card after silence: %s", c)
	}
	waitLines(t, filepath.Join(dir, "state", "events.journal"), 1)
	// Wait for the queued handlers: the journal depth drops to zero.
	metrics := ""
	for _, a := range args {
		if strings.HasPrefix(a, "127.0.0.1:") && a != "127.0.0.1:0" {
			metrics = "http://" + a + "/metrics"
		}
	}
	for i := 0; metricValue(t, metrics, "feishu_listen_journal_depth") != "0"; i++ {
		if i > 500 {
			t.Fatalf("handlers did not finish:\n%s", p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.stop()
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != 1 || !strings.HasPrefix(posted[0], "/approvals/INST-1 appr-1 ") || !strings.Contains(posted[0], `"status":"REJECTED"`) {
		t.Errorf("workflow engine got %q", posted)
	}
	b, _ := os.ReadFile(csv)
	rows := strings.Split(strings.TrimSpace(string(b)), "\n")
	sort.Strings(rows[1:])
	want := "open_id,user_id,name,email,status\n" +
		`"ou_1","u1","张三","san@example.com","active"` + "\n" +
		`"ou_2","","Li, Si","","left"`
	if strings.Join(rows, "\n") != want {
		t.Errorf("contacts.csv:\n%s\nwant:\n%s", b, want)
	}
}

// TestListenLongConnectionThroughSandbox: listen --long-connection against
// the sandbox process; events and clicks from its API arrive over it.
func TestListenLongConnectionThroughSandbox(t *testing.T) {
	dir := t.TempDir()
	base := startSandbox(t)
	script := filepath.Join(dir, "handler.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
if [ "$FEISHU_EVENT_TYPE" = card.action.trigger ]; then
  printf '{"toast":{"type":"success","content":"over ws"}}'
else
  echo "$FEISHU_EVENT_TYPE" >> "$OUT/events"
fi
`), 0o755); err != nil {
		t.Fatal(err)
	}
	// Before any listener connects, the API says so.
	if code, _ := postJSON(t, base+"/api/events", `{"type":"im.message.receive_v1"}`); code != http.StatusConflict {
		t.Errorf("event with no listener: %d", code)
	}
	p := startListenUntil(t, []string{"FEISHU_BASE_URL=" + base, "FEISHU_APP_ID=cli_sandbox", "FEISHU_APP_SECRET=sandbox_secret", "OUT=" + dir},
		"long connection open", "--long-connection", "--state-dir", dir, "--on", "*="+script)
	var code int
	var res map[string]any
	for i := 0; i < 200; i++ { // the sandbox registers the socket just after the client sees it open
		if code, res = postJSON(t, base+"/api/events", `{"type":"contact.user.created_v3"}`); code != http.StatusConflict {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != 200 || res["status"] != 200.0 {
		t.Fatalf("event over the long connection: %d %v", code, res)
	}
	card := `{"msg_type":"interactive","card":{"header":{"title":{"tag":"plain_text","content":"Disk full"}},"elements":[]}}`
	if code, _ := postJSON(t, base+"/open-apis/bot/v2/hook/x", card); code != 200 {
		t.Fatalf("webhook: %d", code)
	}
	if code, res := postJSON(t, base+"/api/callback", `{"seq":1,"value":{"action":"ack"}}`); code != 200 || fmt.Sprint(res["toast"]) != "map[content:over ws type:success]" {
		t.Fatalf("click over the long connection: %d %v", code, res)
	}
	waitLines(t, filepath.Join(dir, "events"), 1)
	p.stop()
	if got := fileLines(t, filepath.Join(dir, "events")); len(got) != 1 || got[0] != "contact.user.created_v3" {
		t.Errorf("events: %q", got)
	}
}
