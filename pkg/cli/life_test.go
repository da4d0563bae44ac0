package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/msgstate"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// lifeEnv is a test environment with a fake whose clock the test moves and
// an update-key state directory.
func lifeEnv(t *testing.T, opts ...feishutest.Option) (*env, *feishutest.Clock, string) {
	t.Helper()
	clock := feishutest.NewClock(time.Now())
	e := newEnv(t, append([]feishutest.Option{feishutest.WithClock(clock.Now)}, opts...)...)
	dir := filepath.Join(e.Dir, "state")
	e.Vars["FEISHU_PUSH_STATE_DIR"] = dir
	return e, clock, dir
}

// sentID returns the message id of the only result line of r.
func sentID(t *testing.T, r result, to string) string {
	t.Helper()
	l := lines(r.Out)
	if len(l) != 1 || !strings.HasPrefix(l[0], to+"\tom_") {
		t.Fatalf("stdout %q, want one line for %s\nstderr: %s", r.Out, to, r.ErrOut)
	}
	return strings.TrimPrefix(l[0], to+"\t")
}

func remembered(t *testing.T, dir, key, rk string) (msgstate.Entry, bool) {
	t.Helper()
	s, err := msgstate.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ent, ok, err := s.Get(context.Background(), key, rk)
	if err != nil {
		t.Fatal(err)
	}
	return ent, ok
}

func TestUpdateKeyKeepsOneCardUpToDate(t *testing.T) {
	e, clock, dir := lifeEnv(t)
	card := func(v string, extra ...string) result {
		return e.Run("", append([]string{"send-card", "--to", "oc_board", "--update-key", "status", "--title", "Board", "--content", v}, extra...)...)
	}
	r := card("v1")
	r.Expect(t, 0)
	first := sentID(t, r, "oc_board")
	m, _ := e.Srv.Message(first)
	if !strings.Contains(string(m.Content), `"update_multi":true`) {
		t.Errorf("first card is not shared: %s", m.Content)
	}
	if ent, ok := remembered(t, dir, "status", "chat_id:oc_board"); !ok || ent.MessageID != first {
		t.Fatalf("state: %+v %v", ent, ok)
	}

	// The second run edits the same message.
	clock.Advance(5 * time.Minute)
	r = card("v2", "--json")
	r.Expect(t, 0)
	if !strings.Contains(r.Out, `"message_id":"`+first+`","action":"update"`) {
		t.Errorf("--json: %s", r.Out)
	}
	m, _ = e.Srv.Message(first)
	if len(m.Edits) != 1 || !strings.Contains(string(m.Content), "v2") || len(e.Srv.Messages()) != 1 {
		t.Fatalf("edits %d, messages %d, content %s", len(m.Edits), len(e.Srv.Messages()), m.Content)
	}

	// The dry run says it would update, and sends nothing.
	r = e.Run("", "--dry-run", "send-card", "--to", "oc_board", "--update-key", "status", "--title", "Board", "--content", "v3")
	r.Expect(t, 0)
	if !strings.Contains(r.ErrOut, "dry run: oc_board: update "+first) || !strings.Contains(r.Out, `"method":"PATCH"`) {
		t.Errorf("dry run: %s / %s", r.ErrOut, r.Out)
	}
	r = e.Run("", "--dry-run", "send-card", "--to", "oc_new", "--update-key", "status", "--title", "Board", "--content", "v3")
	if !strings.Contains(r.ErrOut, "dry run: oc_new: send (no message remembered)") {
		t.Errorf("dry run: %s", r.ErrOut)
	}
	if m, _ = e.Srv.Message(first); len(m.Edits) != 1 {
		t.Error("the dry run edited the card")
	}

	// Someone recalls the board: the next run sends a new one and
	// remembers it.
	e.Run("", "recall", first).Expect(t, 0)
	r = card("v4")
	r.Expect(t, 0)
	second := sentID(t, r, "oc_board")
	if second == first {
		t.Fatal("updated a recalled message")
	}
	if ent, _ := remembered(t, dir, "status", "chat_id:oc_board"); ent.MessageID != second {
		t.Errorf("state remembers %s, want %s", ent.MessageID, second)
	}
	card("v5").Expect(t, 0)
	if m, _ = e.Srv.Message(second); len(m.Edits) != 1 {
		t.Errorf("edits of the new card: %d", len(m.Edits))
	}

	// Deleted: a new one again.
	e.Srv.DeleteMessage(second)
	r = card("v6")
	r.Expect(t, 0)
	third := sentID(t, r, "oc_board")

	// Too old for Feishu (15 days on its clock): the update is refused
	// (230031) and a new card is sent and remembered.
	clock.Advance(15 * 24 * time.Hour)
	updates := e.Srv.CountRequests(feishutest.EndpointUpdate)
	r = card("v7")
	r.Expect(t, 0)
	fourth := sentID(t, r, "oc_board")
	if fourth == third || e.Srv.CountRequests(feishutest.EndpointUpdate) != updates+1 {
		t.Errorf("too old: %s after %s, %d updates", fourth, third, e.Srv.CountRequests(feishutest.EndpointUpdate)-updates)
	}
	if ent, _ := remembered(t, dir, "status", "chat_id:oc_board"); ent.MessageID != fourth {
		t.Errorf("state remembers %s, want %s", ent.MessageID, fourth)
	}
	if n := len(e.Srv.Messages()); n != 4 {
		t.Errorf("%d messages, want 4", n)
	}
}

func TestUpdateKeyRefusals(t *testing.T) {
	e, _, dir := lifeEnv(t)
	// A remembered message the bot did not send: reported, not resent.
	user := e.Srv.AddUserMessage("oc_board", "hi").MessageID
	s, _ := msgstate.Open(dir)
	_ = s.Update(context.Background(), func(tx *msgstate.Tx) error {
		return tx.Put("status", "chat_id:oc_board", msgstate.Entry{MessageID: user, SentAt: time.Now()})
	})
	r := e.Run("", "send-card", "--to", "oc_board", "--update-key", "status", "--title", "t", "--content", "c")
	r.Expect(t, ExitRejected)
	if !strings.Contains(r.ErrOut, "the message "+user+" was not sent by this bot") || len(e.Srv.Messages()) != 1 {
		t.Errorf("not own: %s, %d messages", r.ErrOut, len(e.Srv.Messages()))
	}
	if ent, _ := remembered(t, dir, "status", "chat_id:oc_board"); ent.MessageID != user {
		t.Error("the entry was changed")
	}
	// Bad input: exit 2, nothing sent.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"send-card", "--to", "oc_a", "--update-key", " x", "--title", "t"}, "--update-key: update key has leading or trailing spaces"},
		{[]string{"send-card", "--to", "oc_a", "--batch", "--update-key", "k", "--title", "t"}, "--update-key is not used with --batch"},
		{[]string{"send-card", "--reply-to", "om_abc", "--update-key", "k", "--title", "t"}, "--reply-to and --update-key"},
		{[]string{"--webhook", e.Srv.WebhookURL(testHookToken), "send-card", "--update-key", "k", "--title", "t"}, "--update-key needs app credentials and --to"},
		{[]string{"recall"}, "give message ids or --update-key"},
		{[]string{"recall", "--update-key", "nothing"}, "no message is remembered for this key"},
		{[]string{"recall", "not-an-id"}, `message id "not-an-id" does not look like om_`},
	} {
		r := e.Run("", c.args...)
		if r.Code != ExitUsage || !strings.Contains(r.ErrOut, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, r.Code, r.ErrOut, c.want)
		}
	}
	if len(e.Srv.Messages()) != 1 || e.Srv.CountRequests(feishutest.EndpointUpdate) != 1 {
		t.Error("bad input sent something")
	}
}

func TestRecall(t *testing.T) {
	e, clock, dir := lifeEnv(t, feishutest.WithRecallWindow(24*time.Hour))
	for _, to := range []string{"oc_a", "oc_b"} {
		e.Run("", "send-card", "--to", to, "--update-key", "board", "--title", "t", "--content", "c").Expect(t, 0)
	}
	r := e.Run("", "send-text", "--to", "oc_a", "--text", "oops")
	oops := sentID(t, r, "oc_a")

	// By id: recalled; again: already gone, reported.
	r = e.Run("", "recall", oops, "--log-file", filepath.Join(e.Dir, "push.log"))
	r.Expect(t, 0)
	if m, _ := e.Srv.Message(oops); !m.Recalled {
		t.Fatal("not recalled")
	}
	log, _ := os.ReadFile(filepath.Join(e.Dir, "push.log"))
	if !strings.Contains(string(log), `"msg_type":"recall"`) || !strings.Contains(string(log), `"message_id":"`+oops+`"`) {
		t.Errorf("log: %s", log)
	}
	r = e.Run("", "recall", oops, "--json")
	if r.Code != 0 || !strings.Contains(r.Out, `"action":"already gone"`) {
		t.Errorf("recalled twice: %d %s %s", r.Code, r.Out, r.ErrOut)
	}
	// Not the bot's message.
	user := e.Srv.AddUserMessage("oc_a", "hi").MessageID
	r = e.Run("", "recall", user)
	if r.Code != ExitRejected || !strings.Contains(r.ErrOut, "a bot can recall only the messages it sent") ||
		!strings.HasPrefix(r.ErrOut, "feishu-push: recall of "+user+" failed: ") {
		t.Errorf("not own: %d %s", r.Code, r.ErrOut)
	}
	// The dry run says what it would recall.
	r = e.Run("", "--dry-run", "recall", "--update-key", "board")
	r.Expect(t, 0)
	if strings.Count(r.ErrOut, ": recall om_") != 2 || strings.Count(r.Out, `"method":"DELETE"`) != 2 {
		t.Errorf("dry run: %s / %s", r.ErrOut, r.Out)
	}
	// Too old: a clear message, and the key keeps its messages.
	clock.Advance(25 * time.Hour)
	r = e.Run("", "recall", "--update-key", "board")
	if r.Code != ExitRejected || !strings.Contains(r.ErrOut, "older than the tenant's recall time limit") || !strings.Contains(r.ErrOut, "failed: recall om_") || strings.Contains(r.ErrOut, "send to") ||
		!strings.Contains(r.ErrOut, "the update key board still refers to it") {
		t.Errorf("too old: %d %s", r.Code, r.ErrOut)
	}
	if _, ok := remembered(t, dir, "board", "chat_id:oc_b"); !ok {
		t.Fatal("a message that could not be recalled was forgotten")
	}
	// Within the window: both recalled and forgotten; one already gone
	// counts as recalled.
	clock.Advance(-25 * time.Hour)
	a, _ := remembered(t, dir, "board", "chat_id:oc_a")
	e.Run("", "recall", a.MessageID).Expect(t, 0)
	e.Run("", "recall", "--update-key", "board").Expect(t, 0)
	if _, ok := remembered(t, dir, "board", "chat_id:oc_a"); ok {
		t.Error("a message found already recalled was not forgotten")
	}
	if _, ok := remembered(t, dir, "board", "chat_id:oc_b"); ok {
		t.Error("a recalled message was not forgotten")
	}
}

func TestSpooledUpdateFlushesAsUpdate(t *testing.T) {
	e, _, dir := lifeEnv(t)
	spoolDir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = spoolDir
	card := func(v string) result {
		return e.Run("", "--retries", "0", "push-dashboard", "--to", "oc_board", "--update-key", "dash",
			"--title", "Sales", "--url", "https://bi.example.com", "--content", v)
	}
	r := card("v1")
	r.Expect(t, 0)
	id := sentID(t, r, "oc_board")

	// The update fails transiently: it is spooled as an update.
	e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointUpdate, Status: 503})
	r = card("v2")
	r.Expect(t, ExitTransient)
	files, _ := filepath.Glob(filepath.Join(spoolDir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("spool: %v\n%s", files, r.ErrOut)
	}
	raw, _ := os.ReadFile(files[0])
	if !strings.Contains(string(raw), `"kind": "update"`) || !strings.Contains(string(raw), `"update_key": "dash"`) {
		t.Fatalf("spool entry: %s", raw)
	}
	// flush updates the card in place.
	r = e.Run("", "flush")
	r.Expect(t, 0)
	m, _ := e.Srv.Message(id)
	if len(m.Edits) != 1 || !strings.Contains(string(m.Content), "v2") || len(e.Srv.Messages()) != 1 {
		t.Fatalf("after flush: %d edits, %d messages: %s", len(m.Edits), len(e.Srv.Messages()), r.ErrOut)
	}
	if files, _ = filepath.Glob(filepath.Join(spoolDir, "*.json")); len(files) != 0 {
		t.Errorf("left in the spool: %v", files)
	}

	// A spooled update that a later run made stale is dropped, not sent
	// over the newer card.
	e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointUpdate, Status: 503})
	card("v3").Expect(t, ExitTransient)
	card("v4").Expect(t, 0)
	r = e.Run("", "flush", "--log-file", filepath.Join(e.Dir, "flush.log"))
	r.Expect(t, 0)
	if log, _ := os.ReadFile(filepath.Join(e.Dir, "flush.log")); !strings.Contains(string(log), `"ok":true`) {
		t.Errorf("flush log: %s", log)
	}
	m, _ = e.Srv.Message(id)
	if len(m.Edits) != 2 || !strings.Contains(string(m.Content), "v4") {
		t.Errorf("stale update flushed: %d edits, %s", len(m.Edits), m.Content)
	}
	if files, _ = filepath.Glob(filepath.Join(spoolDir, "*.json")); len(files) != 0 {
		t.Errorf("left in the spool: %v", files)
	}
	if ent, _ := remembered(t, dir, "dash", "chat_id:oc_board"); ent.MessageID != id {
		t.Errorf("state: %+v", ent)
	}
}

func TestUpdateKeyFansOut(t *testing.T) {
	e, _, _ := lifeEnv(t)
	args := []string{"push-dashboard", "--to", "oc_a,oc_b", "--update-key", "dash", "--title", "Sales", "--url", "https://bi.example.com", "--content"}
	r := e.Run("", append(args, "v1")...)
	r.Expect(t, 0)
	if len(lines(r.Out)) != 2 {
		t.Fatalf("stdout: %s", r.Out)
	}
	e.Run("", append(args, "v2")...).Expect(t, 0)
	msgs := e.Srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for _, m := range msgs {
		if len(m.Edits) != 1 {
			t.Errorf("%s: %d edits", m.ReceiveID, len(m.Edits))
		}
	}
}

func TestSpooledReplyFlushesAsReply(t *testing.T) {
	e, _, _ := lifeEnv(t)
	spoolDir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = spoolDir
	parent := sentID(t, e.Run("", "send-text", "--to", "oc_a", "--text", "alert"), "oc_a")
	e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointReply, Status: 503})
	r := e.Run("", "--retries", "0", "send-post", "--reply-to", parent, "--in-thread", "--title", "fixed", "--content", "see [log](https://ci.example/1)")
	r.Expect(t, ExitTransient)
	files, _ := filepath.Glob(filepath.Join(spoolDir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("spool: %v\n%s", files, r.ErrOut)
	}
	raw, _ := os.ReadFile(files[0])
	if !strings.Contains(string(raw), `"kind": "reply"`) || !strings.Contains(string(raw), `"parent_id": "`+parent+`"`) ||
		!strings.Contains(string(raw), `"in_thread": true`) || !strings.Contains(string(raw), `"uuid": "fp-`) {
		t.Fatalf("spool entry: %s", raw)
	}
	r = e.Run("", "flush")
	r.Expect(t, 0)
	msgs := e.Srv.Messages()
	if len(msgs) != 2 || msgs[1].ParentID != parent || msgs[1].ThreadID == "" || msgs[1].MsgType != "post" {
		t.Fatalf("after flush: %+v\n%s", msgs, r.ErrOut)
	}
}

// recallSpoolEnv is a life environment with a spool and no waiting between
// retries.
func recallSpoolEnv(t *testing.T) (*env, *feishutest.Clock, string, string) {
	t.Helper()
	e, clock, dir := lifeEnv(t, feishutest.WithRecallWindow(24*time.Hour))
	e.Sleep = noWait
	spoolDir := filepath.Join(e.Dir, "spool")
	e.Vars["FEISHU_PUSH_SPOOL_DIR"] = spoolDir
	return e, clock, dir, spoolDir
}

// onlySpooled returns the one spool file and its text.
func onlySpooled(t *testing.T, spoolDir string, stderr string) (string, string) {
	t.Helper()
	files := spoolFiles(t, spoolDir)
	if len(files) != 1 {
		t.Fatalf("spool: %v\n%s", files, stderr)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return files[0], string(raw)
}

func TestSpooledRecallFlushesAsRecall(t *testing.T) {
	e, _, _, spoolDir := recallSpoolEnv(t)
	oops := sentID(t, e.Run("", "send-text", "--to", "oc_a", "--text", "oops"), "oc_a")

	// Down for the recall and its one retry: spooled, with the usual exit
	// code, JSON result and log line.
	e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointRecall, Status: 503, Times: 2})
	logFile := filepath.Join(e.Dir, "recall.log")
	r := e.Run("", "--retries", "1", "recall", oops, "--json", "--log-file", logFile)
	r.Expect(t, ExitTransient)
	if !strings.Contains(r.Out, `"spooled":"`) || !strings.Contains(r.Out, `"attempts":2`) || !strings.Contains(r.ErrOut, "spooled to ") {
		t.Errorf("result: %s\n%s", r.Out, r.ErrOut)
	}
	if log, _ := os.ReadFile(logFile); !strings.Contains(string(log), `"msg_type":"recall"`) || !strings.Contains(string(log), `"ok":false`) {
		t.Errorf("log: %s", log)
	}
	_, raw := onlySpooled(t, spoolDir, r.ErrOut)
	for _, want := range []string{`"kind": "recall"`, `"message_id": "` + oops + `"`, `"command": "recall"`, `"attempts": 2`, `"content": null`} {
		if !strings.Contains(raw, want) {
			t.Errorf("spool entry lacks %s: %s", want, raw)
		}
	}
	for _, not := range []string{`"uuid"`, `"maybe_delivered"`, `"receive_id"`, `"msg_type": "t`, `"msg_type": "i`, testAppSecret, "Bearer"} {
		if strings.Contains(raw, not) {
			t.Errorf("spool entry has %s: %s", not, raw)
		}
	}
	if m, _ := e.Srv.Message(oops); m.Recalled {
		t.Fatal("recalled during the outage")
	}

	// flush recalls it and empties the spool.
	r = e.Run("", "flush")
	r.Expect(t, 0)
	if m, _ := e.Srv.Message(oops); !m.Recalled {
		t.Fatalf("flush did not recall it: %s", r.ErrOut)
	}
	if files := spoolFiles(t, spoolDir); len(files) != 0 {
		t.Errorf("left in the spool: %v", files)
	}

	// A spooled recall of a message recalled meanwhile: done.
	again := sentID(t, e.Run("", "send-text", "--to", "oc_a", "--text", "again"), "oc_a")
	e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointRecall, Status: 503})
	e.Run("", "--retries", "0", "recall", again).Expect(t, ExitTransient)
	e.Run("", "recall", again).Expect(t, 0)
	r = e.Run("", "flush", "--log-file", filepath.Join(e.Dir, "flush.log"))
	r.Expect(t, 0)
	if log, _ := os.ReadFile(filepath.Join(e.Dir, "flush.log")); !strings.Contains(string(log), `"ok":true`) {
		t.Errorf("flush log: %s", log)
	}
	if files := spoolFiles(t, spoolDir); len(files) != 0 {
		t.Errorf("left in the spool: %v", files)
	}
}

func TestSpooledRecallByKeyForgetsTheKey(t *testing.T) {
	e, clock, dir, spoolDir := recallSpoolEnv(t)
	e.Run("", "send-card", "--to", "oc_b", "--update-key", "board", "--title", "t", "--content", "c").Expect(t, 0)
	b, _ := remembered(t, dir, "board", "chat_id:oc_b")

	e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointRecall, Status: 503})
	r := e.Run("", "--retries", "0", "recall", "--update-key", "board")
	r.Expect(t, ExitTransient)
	_, raw := onlySpooled(t, spoolDir, r.ErrOut)
	for _, want := range []string{`"kind": "recall"`, `"message_id": "` + b.MessageID + `"`, `"update_key": "board"`,
		`"receive_id_type": "chat_id"`, `"receive_id": "oc_b"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("spool entry lacks %s: %s", want, raw)
		}
	}
	if _, ok := remembered(t, dir, "board", "chat_id:oc_b"); !ok {
		t.Fatal("forgotten before the recall went through")
	}
	// flush recalls it and forgets the key's entry.
	e.Run("", "flush").Expect(t, 0)
	if m, _ := e.Srv.Message(b.MessageID); !m.Recalled {
		t.Fatal("flush did not recall it")
	}
	if _, ok := remembered(t, dir, "board", "chat_id:oc_b"); ok {
		t.Error("recalled by flush, and the key still refers to it")
	}

	// A spooled recall whose message a later run replaced under the key:
	// the old message is found gone, and the new one stays remembered.
	e.Run("", "send-card", "--to", "oc_b", "--update-key", "board", "--title", "t", "--content", "v1").Expect(t, 0)
	old, _ := remembered(t, dir, "board", "chat_id:oc_b")
	e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointRecall, Status: 503})
	e.Run("", "--retries", "0", "recall", "--update-key", "board").Expect(t, ExitTransient)
	e.Run("", "recall", old.MessageID).Expect(t, 0)
	e.Run("", "send-card", "--to", "oc_b", "--update-key", "board", "--title", "t", "--content", "v2").Expect(t, 0)
	cur, _ := remembered(t, dir, "board", "chat_id:oc_b")
	if cur.MessageID == old.MessageID {
		t.Fatal("no new card was sent for the recalled one")
	}
	e.Run("", "flush").Expect(t, 0)
	if ent, ok := remembered(t, dir, "board", "chat_id:oc_b"); !ok || ent.MessageID != cur.MessageID {
		t.Errorf("the new card's entry was touched: %+v %v", ent, ok)
	}
	if m, _ := e.Srv.Message(cur.MessageID); m.Recalled {
		t.Error("the new card was recalled")
	}

	// Too old by the time flush runs: moved to dead/ with the reason, and
	// the key keeps the message.
	e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointRecall, Status: 503})
	e.Run("", "--retries", "0", "recall", "--update-key", "board").Expect(t, ExitTransient)
	clock.Advance(25 * time.Hour)
	r = e.Run("", "flush")
	r.Expect(t, ExitRejected)
	if !strings.Contains(r.ErrOut, "older than the tenant's recall time limit") || !strings.Contains(r.ErrOut, "moved to ") {
		t.Errorf("too old: %s", r.ErrOut)
	}
	dead, _ := filepath.Glob(filepath.Join(spoolDir, "dead", "*.json"))
	if len(dead) != 1 {
		t.Fatalf("dead/: %v", dead)
	}
	if raw, _ := os.ReadFile(dead[0]); !strings.Contains(string(raw), `"dead_reason": "`) || !strings.Contains(string(raw), "code 230009") ||
		!strings.Contains(string(raw), "older than the tenant's recall time limit") {
		t.Errorf("dead entry: %s", raw)
	}
	if files := spoolFiles(t, spoolDir); len(files) != 0 {
		t.Errorf("left in the spool: %v", files)
	}
	if ent, ok := remembered(t, dir, "board", "chat_id:oc_b"); !ok || ent.MessageID != cur.MessageID {
		t.Errorf("a message not recalled was forgotten: %+v %v", ent, ok)
	}
}

// Recall entries feishu-push would never write are refused by flush and
// moved to dead/; nothing is recalled.
func TestFlushRefusesMalformedRecall(t *testing.T) {
	e, _, _, spoolDir := recallSpoolEnv(t)
	id := sentID(t, e.Run("", "send-text", "--to", "oc_a", "--text", "keep me"), "oc_a")
	sp := &spool.Spool{Dir: spoolDir}
	base := func() *spool.Entry {
		return &spool.Entry{Command: "recall", Mode: spool.ModeApp, AppID: e.Vars["FEISHU_APP_ID"], BaseURL: e.Vars["FEISHU_BASE_URL"],
			Kind: "recall", MessageID: id}
	}
	bad := []func(*spool.Entry){
		func(x *spool.Entry) { x.MessageID = "../" + id },
		func(x *spool.Entry) { x.MsgType, x.Content = "text", json.RawMessage(`{"text":"hi"}`) },
		func(x *spool.Entry) { x.UpdateKey = "board" },                            // a key without a recipient
		func(x *spool.Entry) { x.ReceiveIDType, x.ReceiveID = "chat_id", "oc_a" }, // a recipient without a key
		func(x *spool.Entry) { x.UUID = "fp-1" },
	}
	for _, fn := range bad {
		x := base()
		fn(x)
		if _, err := sp.Put(x); err != nil {
			t.Fatal(err)
		}
	}
	r := e.Run("", "flush")
	r.Expect(t, ExitUsage)
	if strings.Count(r.ErrOut, "refused: ") != len(bad) || !strings.Contains(r.ErrOut, "a recall of") {
		t.Errorf("stderr: %s", r.ErrOut)
	}
	if m, _ := e.Srv.Message(id); m.Recalled {
		t.Error("a malformed entry was acted on")
	}
	if files := spoolFiles(t, spoolDir); len(files) != 0 {
		t.Errorf("left in the spool: %v", files)
	}
}

// A dry run of an update key writes nothing: no state directory appears,
// and it says a card would be sent.
func TestUpdateKeyDryRunCreatesNothing(t *testing.T) {
	e, _, dir := lifeEnv(t)
	r := e.Run("", "--dry-run", "send-card", "--to", "oc_board", "--update-key", "status", "--title", "t", "--content", "c")
	r.Expect(t, 0)
	if !strings.Contains(r.ErrOut, "dry run: oc_board: send (no message remembered)") {
		t.Errorf("dry run: %s", r.ErrOut)
	}
	r = e.Run("", "--dry-run", "recall", "--update-key", "status")
	r.Expect(t, ExitUsage)
	if !strings.Contains(r.ErrOut, "no message is remembered") {
		t.Errorf("dry run recall: %s", r.ErrOut)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a dry run created the state directory: %v", err)
	}

	// With state: read as a run would see it, and left as it was.
	id := sentID(t, e.Run("", "send-card", "--to", "oc_board", "--update-key", "status", "--title", "t", "--content", "c"), "oc_board")
	before, _ := os.ReadFile(filepath.Join(dir, msgstate.FileName))
	r = e.Run("", "--dry-run", "send-card", "--to", "oc_board,oc_new", "--update-key", "status", "--title", "t", "--content", "c2")
	r.Expect(t, 0)
	if !strings.Contains(r.ErrOut, "oc_board: update "+id) || !strings.Contains(r.ErrOut, "oc_new: send (no message remembered)") {
		t.Errorf("dry run with state: %s", r.ErrOut)
	}
	e.Run("", "--dry-run", "recall", "--update-key", "status").Expect(t, 0)
	after, _ := os.ReadFile(filepath.Join(dir, msgstate.FileName))
	if string(before) != string(after) {
		t.Errorf("a dry run changed the state:\n%s\n%s", before, after)
	}
	if m, _ := e.Srv.Message(id); m.Recalled || len(m.Edits) != 0 {
		t.Error("a dry run touched the message")
	}
}
