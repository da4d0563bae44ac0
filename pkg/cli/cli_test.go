package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

func init() { retryBaseDelay = time.Millisecond }

func TestNewSendCardCmd(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want SendCardOptions
	}{
		{[]string{"--to", "ou_a,oc_b", "--to", "c@d.e", "--title", "T", "--button", "A, b=https://x/?q=1,2", "--button", "B=https://y"},
			SendCardOptions{SendOptions: SendOptions{To: []string{"ou_a,oc_b", "c@d.e"}}, CardFlags: CardFlags{Title: "T", Buttons: []string{"A, b=https://x/?q=1,2", "B=https://y"}}}},
		{[]string{"--to", "oc_b", "--template", "t.tmpl", "--data", "-", "--var", "total=1,024", "--var", "k=a=b", "--uuid", "daily"},
			SendCardOptions{SendOptions: SendOptions{To: []string{"oc_b"}, UUID: "daily"}, Template: "t.tmpl", DataFile: "-", Vars: []string{"total=1,024", "k=a=b"}}},
		{[]string{"--template-id", "AAq", "--template-version", "1.0.2"},
			SendCardOptions{TemplateID: "AAq", TemplateVersion: "1.0.2"}},
	} {
		f := NewFactory(&IOStreams{}, func(string) string { return "" })
		var got *SendCardOptions
		cmd := newSendCardCmd(f, nil, func(_ context.Context, o *SendCardOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		got.f = nil
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%v:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
}

func TestNewSendTextCmd(t *testing.T) {
	f := NewFactory(&IOStreams{}, func(string) string { return "" })
	var got *SendTextOptions
	cmd := newSendTextCmd(f, nil, func(_ context.Context, o *SendTextOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--to", "ou_a", "--text", "a, b", "--at", "ou_x", "--at", "all", "--text-file", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Text != "a, b" || got.TextFile != "-" || !reflect.DeepEqual(got.At, []string{"ou_x", "all"}) {
		t.Errorf("got %+v", got)
	}
}

func TestGlobalFlagsBeforeOrAfterSubcommand(t *testing.T) {
	e := newEnv(t)
	a := e.Run("", "--dry-run", "--timeout", "3s", "send-text", "--to", "oc_a", "--text", "x")
	b := e.Run("", "send-text", "--to", "oc_a", "--text", "x", "--dry-run", "--timeout", "3s")
	a.Expect(t, 0)
	b.Expect(t, 0)
	if !strings.Contains(a.Out, `"url":`) || len(e.Srv.Requests()) != 0 {
		t.Errorf("dry run: %s, %d requests", a.Out, len(e.Srv.Requests()))
	}
	// Both runs print the same request; only the random uuid differs.
	uuid := regexp.MustCompile(`fp-[0-9a-f]{32}`)
	if x, y := uuid.ReplaceAllString(a.Out, "fp-X"), uuid.ReplaceAllString(b.Out, "fp-X"); x != y || !strings.Contains(y, "fp-X") {
		t.Errorf("flags after the subcommand printed\n%s\nnot\n%s", y, x)
	}
}

func TestSendTextExact(t *testing.T) {
	e := newEnv(t)
	text := "第一行 \"quoted\" \\ <b>not html</b> & 😀\n\tsecond line"
	r := e.Run("", "send-text", "--to", "oc_chat1", "--text", text)
	r.Expect(t, 0)
	msgs := e.Srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("stored %d", len(msgs))
	}
	var c struct{ Text string }
	mustJSON(t, msgs[0].Content, &c)
	if c.Text != text {
		t.Errorf("stored %q, want %q", c.Text, text)
	}
	if r.Out != "oc_chat1\t"+msgs[0].MessageID+"\n" || r.ErrOut != "" {
		t.Errorf("stdout %q stderr %q", r.Out, r.ErrOut)
	}
}

func TestSendTextFromStdinWithMentions(t *testing.T) {
	e := newEnv(t)
	r := e.Run("disk 93%\n", "send-text", "--to", "user:ou_u1", "--text-file", "-", "--at", "ou_u1", "--at", "all")
	r.Expect(t, 0)
	var c struct{ Text string }
	mustJSON(t, e.Srv.Messages()[0].Content, &c)
	if c.Text != "disk 93%\n<at user_id=\"ou_u1\"></at> <at user_id=\"all\">所有人</at>" {
		t.Errorf("text %q", c.Text)
	}
	if m := e.Srv.Messages()[0]; m.ReceiveIDType != "open_id" {
		t.Errorf("receive_id_type %s", m.ReceiveIDType)
	}
}

func TestSendCardSources(t *testing.T) {
	e := newEnv(t)
	tmpl := e.File("t.tmpl", `{"header":{"title":{"tag":"plain_text","content":"{{.title}}"}},"elements":[{"tag":"markdown","content":"total {{.total}} by {{.who}}"}]}`)
	data := e.File("d.json", `{"title":"from data","total":"0","who":"data"}`)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		check func(content map[string]any) bool
	}{
		{"flags", "", []string{"--title", "Backup", "--color", "green", "--content", "**ok**", "--button", "Logs=https://ci.example.com/1", "--note", "n"},
			func(c map[string]any) bool {
				return dig(c, "header", "template") == "green" && dig(c, "elements", 1, "actions", 0, "url") == "https://ci.example.com/1"
			}},
		{"content file", "**from stdin**", []string{"--title", "T", "--content-file", "-"},
			func(c map[string]any) bool { return dig(c, "elements", 0, "content") == "**from stdin**" }},
		{"card file v1", "", []string{"--card-file", "../../examples/cards/v1.json"},
			func(c map[string]any) bool { return dig(c, "header", "template") == "green" }},
		{"card file v2 from stdin", mustRead(t, "../../examples/cards/v2.json"), []string{"--card-file", "-"},
			func(c map[string]any) bool { return dig(c, "schema") == "2.0" }},
		{"template, --var wins", "", []string{"--template", tmpl, "--data", data, "--var", "total=1,024", "--var", "who=a=b"},
			func(c map[string]any) bool {
				return dig(c, "header", "title", "content") == "from data" && dig(c, "elements", 0, "content") == "total 1,024 by a=b"
			}},
		{"template id", "", []string{"--template-id", "AAqk", "--template-version", "1.0.2", "--var", "total=1,024"},
			func(c map[string]any) bool {
				return dig(c, "type") == "template" && dig(c, "data", "template_version_name") == "1.0.2" && dig(c, "data", "template_variable", "total") == "1,024"
			}},
	} {
		before := len(e.Srv.Messages())
		r := e.Run(tc.stdin, append([]string{"send-card", "--to", "oc_cards"}, tc.args...)...)
		r.Expect(t, 0)
		msgs := e.Srv.Messages()
		if len(msgs) != before+1 {
			t.Fatalf("%s: nothing stored", tc.name)
		}
		var c map[string]any
		mustJSON(t, msgs[len(msgs)-1].Content, &c)
		if msgs[len(msgs)-1].MsgType != "interactive" || !tc.check(c) {
			t.Errorf("%s: stored %s", tc.name, msgs[len(msgs)-1].Content)
		}
	}
}

func TestPushDashboard(t *testing.T) {
	e := newEnv(t)
	r := e.Run("", "push-dashboard", "--to", "oc_sales", "--title", "每日销售看板", "--url", "https://bi.example.com/sales", "--content-file", "../../examples/dashboard/summary.md")
	r.Expect(t, 0)
	var c map[string]any
	mustJSON(t, e.Srv.Messages()[0].Content, &c)
	btn := dig(c, "body", "elements", 2)
	if dig(c, "schema") != "2.0" || dig(c, "header", "title", "content") != "每日销售看板" || dig(btn, "type") != "primary" ||
		dig(btn, "behaviors", 0, "default_url") != "https://bi.example.com/sales" || dig(btn, "text", "content") != "查看详情" {
		t.Errorf("card %s", e.Srv.Messages()[0].Content)
	}
	if s, _ := dig(c, "body", "elements", 0, "content").(string); !strings.Contains(s, "¥128,430.50") {
		t.Errorf("summary missing: %v", dig(c, "body", "elements", 0))
	}
}

func TestWebhookMode(t *testing.T) {
	e := newEnv(t).Webhook()
	delete(e.Vars, "FEISHU_APP_SECRET") // a webhook needs no app
	for _, args := range [][]string{
		{"send-text", "--text", "deploy ok", "--at", "all"},
		{"send-card", "--title", "Deploy", "--content", "ok"},
		{"send-card", "--card-file", "../../examples/cards/v2.json"},
		{"push-dashboard", "--title", "Board", "--url", "https://bi.example.com"},
	} {
		r := e.Run("", args...)
		r.Expect(t, 0)
		if r.Out != "webhook\t\n" {
			t.Errorf("%v: stdout %q", args, r.Out)
		}
	}
	msgs := e.Srv.Messages()
	if len(msgs) != 4 || msgs[0].Mode != "webhook" || msgs[1].MsgType != "interactive" {
		t.Fatalf("stored %+v", msgs)
	}
	if e.Srv.CountRequests(feishutest.EndpointToken) != 0 {
		t.Error("webhook mode fetched a token")
	}
	// A wrong signing secret is an authentication failure.
	e.Vars["FEISHU_WEBHOOK_SECRET"] = "wrong-secret"
	r := e.Run("", "send-text", "--text", "x")
	r.Expect(t, ExitAuth)
	if !strings.Contains(r.ErrOut, "19021") || !strings.Contains(r.ErrOut, "hint: the webhook signature was refused") {
		t.Errorf("stderr %q", r.ErrOut)
	}
}

func TestToken(t *testing.T) {
	e := newEnv(t)
	r := e.RunUnchecked("", "token")
	r.Expect(t, 0)
	toks := e.Srv.IssuedTokens()
	if len(toks) != 1 || r.Out != toks[0]+"\n" {
		t.Errorf("stdout %q, issued %v", r.Out, toks)
	}
	r = e.RunUnchecked("", "token", "--json")
	var got struct {
		Token  string `json:"tenant_access_token"`
		Expire int    `json:"expire"`
	}
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil || got.Token != toks[0] || got.Expire < 7000 {
		t.Errorf("--json: %q", r.Out)
	}
	r = e.Run("", "token", "--dry-run")
	r.Expect(t, 0)
	if !strings.Contains(r.Out, `"app_secret":"****"`) || e.Srv.CountRequests(feishutest.EndpointToken) != 2 {
		t.Errorf("dry run: %s", r.Out)
	}
	e.Vars["FEISHU_APP_SECRET"] = "wrong"
	r = e.Run("", "token")
	r.Expect(t, ExitAuth)
	if !strings.Contains(r.ErrOut, "code 10014") || !strings.Contains(r.ErrOut, "log_id") {
		t.Errorf("stderr %q", r.ErrOut)
	}
}

func TestSeveralRecipientsOneFails(t *testing.T) {
	e := newEnv(t)
	e.Srv.Reject("oc_nobot", feishutest.Fault{Code: 230002, Msg: "Bot is not in the chat"})
	log := filepath.Join(e.Dir, "push.log")
	r := e.Run("", "send-text", "--to", "oc_a,oc_nobot", "--to", "ou_b", "--text", "hi", "--log-file", log)
	r.Expect(t, ExitRejected)
	out := lines(r.Out)
	if len(out) != 2 || !strings.HasPrefix(out[0], "oc_a\tom_") || !strings.HasPrefix(out[1], "ou_b\tom_") {
		t.Errorf("stdout %q", r.Out)
	}
	errs := lines(r.ErrOut)
	if len(errs) != 2 || !strings.Contains(errs[0], "oc_nobot") || !strings.Contains(errs[0], "code 230002") ||
		!strings.Contains(errs[0], "log_id ") || !strings.Contains(errs[0], "add the bot to the group") || !strings.HasPrefix(errs[1], "feishu-push: 1 of 3 messages failed: sent 2, failed 1, spooled 0 in ") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	logLines := lines(mustRead(t, log))
	if len(logLines) != 3 {
		t.Fatalf("log has %d lines", len(logLines))
	}
	// Workers finish in any order: find each recipient's line.
	byRecipient := map[string]map[string]any{}
	for _, l := range logLines {
		var m map[string]any
		mustJSON(t, []byte(l), &m)
		byRecipient[fmt.Sprint(m["recipient"])] = m
	}
	failed := byRecipient["oc_nobot"]
	for k, want := range map[string]any{"level": "error", "command": "send-text", "recipient": "oc_nobot", "receive_id_type": "chat_id",
		"msg_type": "text", "code": float64(230002), "ok": false} {
		if failed[k] != want {
			t.Errorf("log %s = %v, want %v (line %v)", k, failed[k], want, failed)
		}
	}
	for _, k := range []string{"time", "log_id", "duration_ms", "error", "uuid", "attempts"} {
		if _, ok := failed[k]; !ok {
			t.Errorf("log line lacks %s: %v", k, failed)
		}
	}
	ok := byRecipient["oc_a"]
	if ok["level"] != "info" || !strings.HasPrefix(fmt.Sprint(ok["message_id"]), "om_") {
		t.Errorf("log line %v", ok)
	}

	// The same with --json.
	r = e.Run("", "send-text", "--to", "oc_nobot,oc_a", "--text", "hi", "--json")
	r.Expect(t, ExitRejected)
	var res struct{ Results []Result }
	if err := json.Unmarshal([]byte(r.Out), &res); err != nil || len(res.Results) != 2 {
		t.Fatalf("--json: %q", r.Out)
	}
	if f := res.Results[0]; f.OK || f.Error == nil || f.Error.Code != 230002 || f.Error.LogID == "" || f.Error.Retryable || f.Error.Hint == "" {
		t.Errorf("failed result %+v", f)
	}
	if s := res.Results[1]; !s.OK || s.MessageID == "" || s.ReceiveIDType != "chat_id" {
		t.Errorf("ok result %+v", s)
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		code  int
		want  string
	}{
		{"rejected", func(e *env) {
			e.Srv.Reject("oc_x", feishutest.Fault{Code: 230013, Msg: "Bot has NO availability to this user."})
		}, ExitRejected, "230013"},
		{"wrong secret", func(e *env) { e.Vars["FEISHU_APP_SECRET"] = "nope" }, ExitAuth, "10014"},
		{"unknown app", func(e *env) { e.Vars["FEISHU_APP_ID"] = "cli_nope" }, ExitAuth, "10003"},
		{"server errors", func(e *env) {
			// Both attempts --retries 1 allows fail; a third would succeed.
			e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Times: 2, Status: 503})
		}, ExitTransient, "HTTP 503"},
		{"rate limited", func(e *env) {
			// 99991400 is repeated while it lasts, within --retry-max-wait:
			// a one-second reset is beyond 500ms, so one attempt only.
			e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Times: 1, Status: 429, Code: 99991400, Msg: "request trigger frequency limit",
				Header: map[string]string{"x-ogw-ratelimit-reset": "1"}})
		}, ExitTransient, "99991400"},
		{"quota", func(e *env) {
			e.Srv.Inject(feishutest.Fault{Endpoint: "messages", Status: 429, Code: 99991403, Msg: "This month's API call quota has been exceeded"})
		}, ExitRejected, "monthly API quota"},
		{"down", func(e *env) { e.Srv.Close() }, ExitTransient, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.setup(e)
			r := e.Run("", "send-text", "--to", "oc_x", "--text", "hi", "--retries", "1", "--retry-max-wait", "500ms")
			r.Expect(t, tc.code)
			if len(lines(r.ErrOut)) != 1 || !strings.Contains(r.ErrOut, tc.want) {
				t.Errorf("stderr %q, want one line with %q", r.ErrOut, tc.want)
			}
		})
	}
}

// TestBadInput is the catalogue of input mistakes: each exits 2 with one
// line naming the problem, and nothing reaches Feishu, not even a token
// request.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	dir := e.Dir
	bigText := e.File("big.txt", strings.Repeat("字", 51*1024))
	bigCard := e.File("big.json", `{"elements":[{"tag":"markdown","content":"`+strings.Repeat("x", 31*1024)+`"}]}`)
	binary := e.File("bin.dat", "\x00\x01\x02PNG")
	badJSON := e.File("bad.json", "{\n  \"elements\": [\n}")
	v2note := e.File("v2.json", `{"schema":"2.0","body":{"elements":[{"tag":"note","elements":[]}]}}`)
	tmplMissing := e.File("missing.tmpl", "{\n\"elements\":[{\"tag\":\"markdown\",\"content\":\"{{.nope}}\"}]}")
	tmplBroken := e.File("broken.tmpl", `{"a":"{{.x"}`)
	tmplBadOut := e.File("badout.tmpl", `{"a":"{{.x}}",}`)
	badData := e.File("data.json", `{"x": 1,}`)
	arrData := e.File("arr.json", `[1,2]`)
	emptySecret := e.File("empty.secret", "\n")
	badConfig := e.File("config.yaml", "profiles:\n  default:\n    app_idd: x\n")
	noSuch := filepath.Join(dir, "no-such-file")
	hook := e.Srv.WebhookURL(testHookToken)

	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"send-text", "--bogus"}, nil, "unknown flag: --bogus"},
		{"unknown command", []string{"sendtext"}, nil, "unknown command"},
		{"extra argument", []string{"send-text", "hello"}, nil, "unknown command \"hello\""},
		{"bad duration", []string{"--timeout", "soon", "send-text"}, nil, "invalid argument \"soon\""},
		{"zero timeout", []string{"--timeout", "0s", "send-text", "--to", "oc_a", "--text", "x"}, nil, "--timeout 0s: want 1ms to"},
		{"no text", []string{"send-text", "--to", "oc_a"}, nil, "exactly one of --text or --text-file"},
		{"text and file", []string{"send-text", "--to", "oc_a", "--text", "x", "--text-file", "-"}, nil, "exactly one of --text or --text-file"},
		{"blank text", []string{"send-text", "--to", "oc_a", "--text", "  "}, nil, "the text is empty"},
		{"missing text file", []string{"send-text", "--to", "oc_a", "--text-file", noSuch}, nil, "--text-file " + noSuch + ": no such file or directory"},
		{"directory as file", []string{"send-text", "--to", "oc_a", "--text-file", dir}, nil, "is a directory"},
		{"binary text file", []string{"send-text", "--to", "oc_a", "--text-file", binary}, nil, "--text-file " + binary + ": contains a NUL byte"},
		{"invalid UTF-8 text", []string{"send-text", "--to", "oc_a", "--text", "caf\xe9"}, nil, "--text: not valid UTF-8 (at byte 3)"},
		{"zero-width mention", []string{"send-text", "--to", "oc_a", "--text", "x", "--at", "ou_a\u200b"}, nil, "--at: "},
		{"rate NaN", []string{"send-text", "--to", "oc_a", "--text", "x", "--rate", "NaN"}, nil, "--rate \"NaN\": not a decimal number"},
		{"rate Inf", []string{"send-text", "--to", "oc_a", "--text", "x", "--rate", "+Inf"}, nil, "--rate \"+Inf\": not a decimal number"},
		{"rate 1e-300", []string{"send-text", "--to", "oc_a", "--text", "x", "--rate", "1e-300"}, nil, "--rate 1e-300: want 0.01 to 1000"},
		{"absurd workers", []string{"send-text", "--to", "oc_a", "--text", "x", "--workers", "100000"}, nil, "--workers 100000: want 1 to 256"},
		{"absurd timeout", []string{"send-text", "--to", "oc_a", "--text", "x", "--timeout", "1000h"}, nil, "--timeout 1000h0m0s: want"},
		{"text over 150 KB", []string{"send-text", "--to", "oc_a", "--text-file", bigText}, nil, "over Feishu's limit of 150.0 KB"},
		{"no recipient", []string{"send-text", "--text", "x"}, nil, "--to is required"},
		{"empty recipient", []string{"send-text", "--to", "", "--text", "x"}, nil, "empty recipient"},
		{"bad id prefix", []string{"send-text", "--to", "group:oc_1", "--text", "x"}, nil, "unknown id type \"group\""},
		{"mistyped chat id", []string{"send-text", "--to", "chat_id:ou_1", "--text", "x"}, nil, "a chat_id starts with \"oc_\""},
		{"bad email", []string{"send-text", "--to", "email:ops", "--text", "x"}, nil, "not an email address"},
		{"webhook URL as --to", []string{"send-text", "--to", hook, "--text", "x"}, nil, "looks like a webhook URL"},
		{"webhook URL as alert recipient", []string{"send-text", "--to", "oc_a", "--text", "x", "--notify-on-failure", strings.TrimPrefix(hook, "http://")}, nil, "--notify-on-failure: webhook URL"},
		{"bad mention", []string{"send-text", "--to", "oc_a", "--text", "x", "--at", "<b>"}, nil, "--at: \"<b>\""},
		{"no credentials", []string{"send-text", "--to", "oc_a", "--text", "x"}, map[string]string{"FEISHU_APP_SECRET": ""}, "no credentials"},
		{"empty secret file", []string{"send-text", "--to", "oc_a", "--text", "x", "--app-secret-file", emptySecret}, nil, "is empty"},
		{"missing secret file", []string{"send-text", "--to", "oc_a", "--text", "x", "--app-secret-file", noSuch}, nil, "--app-secret-file " + noSuch},
		{"bad base URL", []string{"send-text", "--to", "oc_a", "--text", "x", "--base-url", "open.feishu.cn"}, nil, "base URL \"open.feishu.cn\""},
		{"bad domain", []string{"send-text", "--to", "oc_a", "--text", "x", "--domain", "larks"}, map[string]string{"FEISHU_BASE_URL": ""}, "unknown domain \"larks\""},
		{"malformed webhook", []string{"send-text", "--text", "x", "--webhook", "https://open.feishu.cn/open-apis/bot/hook/abc"}, nil, "webhook URL: path is not /open-apis/bot/v2/hook/<token>"},
		{"webhook without token", []string{"send-text", "--text", "x", "--webhook", "https://open.feishu.cn/open-apis/bot/v2/hook/"}, nil, "no token after"},
		{"--to with webhook", []string{"send-text", "--to", "oc_a", "--text", "x", "--webhook", hook}, nil, "--to is not used with a webhook"},
		{"webhook body over 20 KB", []string{"send-text", "--text", strings.Repeat("x", 21*1024), "--webhook", hook}, nil, "over Feishu's limit of 20.0 KB"},
		{"no card source", []string{"send-card", "--to", "oc_a"}, nil, "exactly one card source"},
		{"two card sources", []string{"send-card", "--to", "oc_a", "--title", "t", "--card-file", badJSON}, nil, "exactly one card source"},
		{"unknown colour", []string{"send-card", "--to", "oc_a", "--title", "t", "--color", "pink"}, nil, "--color \"pink\": want one of blue, wathet"},
		{"bad button", []string{"send-card", "--to", "oc_a", "--title", "t", "--button", "Logs"}, nil, "want Label=URL"},
		{"button not a URL", []string{"send-card", "--to", "oc_a", "--title", "t", "--button", "Logs=ci/42"}, nil, "not an absolute URL"},
		{"invalid card JSON", []string{"send-card", "--to", "oc_a", "--card-file", badJSON}, nil, "bad.json: line 3, column 1: invalid JSON"},
		{"v2 card with note", []string{"send-card", "--to", "oc_a", "--card-file", v2note}, nil, "body.elements[0].tag: \"note\" is a 1.0-only tag"},
		{"card over 30 KB", []string{"send-card", "--to", "oc_a", "--card-file", bigCard}, nil, "over Feishu's limit of 30.0 KB"},
		{"template missing key", []string{"send-card", "--to", "oc_a", "--template", tmplMissing}, nil, "missing.tmpl:2: missing key \"nope\""},
		{"template syntax", []string{"send-card", "--to", "oc_a", "--template", tmplBroken}, nil, "broken.tmpl:1:"},
		{"template renders bad JSON", []string{"send-card", "--to", "oc_a", "--template", tmplBadOut, "--var", "x=1"}, nil, "badout.tmpl: rendered card is not valid"},
		{"bad data JSON", []string{"send-card", "--to", "oc_a", "--template", tmplMissing, "--data", badData}, nil, "--data " + badData + ": line 1, column 9"},
		{"data not an object", []string{"send-card", "--to", "oc_a", "--template", tmplMissing, "--data", arrData}, nil, "--data " + arrData},
		{"bad --var", []string{"send-card", "--to", "oc_a", "--template", tmplMissing, "--var", "novalue"}, nil, "--var \"novalue\": want key=value"},
		{"--var without template", []string{"send-card", "--to", "oc_a", "--title", "t", "--var", "a=b"}, nil, "--data and --var go with --template"},
		{"two stdin readers", []string{"send-card", "--to", "oc_a", "--template", "-", "--data", "-"}, nil, "can read stdin"},
		{"text and recipients from stdin", []string{"send-text", "--to-file", "-", "--text-file", "-"}, nil, "can read stdin"},
		{"dashboard data and recipients from stdin", []string{"push-dashboard", "--to-file", "-", "--title", "t", "--url", "https://x.example", "--data", "-"}, nil, "can read stdin"},
		{"version without id", []string{"send-card", "--to", "oc_a", "--title", "t", "--template-version", "1"}, nil, "--template-version goes with --template-id"},
		{"uuid too long", []string{"send-text", "--to", "oc_a", "--text", "x", "--uuid", strings.Repeat("u", 51)}, nil, "longer than 50"},
		{"dashboard without url", []string{"push-dashboard", "--to", "oc_a", "--title", "t"}, nil, "--url is required"},
		{"dashboard bad url", []string{"push-dashboard", "--to", "oc_a", "--title", "t", "--url", "bi.example.com"}, nil, "--url: \"bi.example.com\" is not an absolute URL"},
		{"dashboard without title", []string{"push-dashboard", "--to", "oc_a", "--url", "https://x"}, nil, "--title is required"},
		{"unwritable log file", []string{"send-text", "--to", "oc_a", "--text", "x", "--log-file", filepath.Join(binary, "x.log")}, nil, "--log-file"},
		{"bad config", []string{"send-text", "--to", "oc_a", "--text", "x", "--config", badConfig}, nil, "field app_idd not found"},
		{"missing config", []string{"send-text", "--to", "oc_a", "--text", "x", "--config", noSuch}, nil, "config " + noSuch},
		{"unknown profile", []string{"send-text", "--to", "oc_a", "--text", "x", "--profile", "prod"}, nil, "--profile \"prod\" given but there is no config file"},
		{"negative deadline", []string{"send-text", "--to", "oc_a", "--text", "x", "--deadline", "-1s"}, nil, "--deadline -1s: want 0s to"},
		{"bad alert recipient", []string{"send-text", "--to", "oc_a", "--text", "x", "--notify-on-failure", "pager:42"}, nil, "--notify-on-failure: recipient \"pager:42\""},
		{"bad alert webhook", []string{"send-text", "--to", "oc_a", "--text", "x", "--notify-on-failure", "https://open.feishu.cn/hook/x"}, nil, "--notify-on-failure: webhook URL"},
		{"alert to a missing webhook", []string{"send-text", "--to", "oc_a", "--text", "x", "--notify-on-failure", "webhook"}, nil, "no webhook URL is configured"},
		{"flush without spool", []string{"flush"}, nil, "flush needs a spool"},
		{"token in webhook-only mode", []string{"token"}, map[string]string{"FEISHU_APP_SECRET": "", "FEISHU_WEBHOOK_URL": hook}, "token needs app credentials"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			saved := map[string]string{}
			for k, v := range tc.env {
				saved[k] = e.Vars[k]
				e.Vars[k] = v
			}
			defer func() {
				for k, v := range saved {
					e.Vars[k] = v
				}
			}()
			r := e.Run("", tc.args...)
			if r.Code != ExitUsage {
				t.Errorf("exit %d, want 2; stderr %q", r.Code, r.ErrOut)
			}
			if l := lines(r.ErrOut); len(l) != 1 || !strings.HasPrefix(l[0], "feishu-push: ") || !strings.Contains(l[0], tc.want) {
				t.Errorf("stderr %q, want one line containing %q", r.ErrOut, tc.want)
			}
			if r.Out != "" {
				t.Errorf("stdout %q, want nothing", r.Out)
			}
		})
	}
	if n := len(e.Srv.Requests()); n != 0 {
		t.Errorf("bad input reached the server: %d requests %+v", n, e.Srv.Requests())
	}
}

func TestConfigFile(t *testing.T) {
	e := newEnv(t)
	delete(e.Vars, "FEISHU_APP_ID")
	delete(e.Vars, "FEISHU_APP_SECRET")
	secretFile := e.File("app.secret", testAppSecret+"\n")
	cfg := e.File("config.yaml", `default_profile: main
profiles:
  main:
    app_id: cli_test
    app_secret_file: `+secretFile+`
    base_url: `+e.Srv.URL+`/open-apis/
    to: [oc_default]
  other:
    app_id: cli_other
    app_secret: `+testAppSecret+`
`)
	e.Vars["FEISHU_PUSH_CONFIG"] = cfg
	os.Chmod(cfg, 0o644)
	r := e.Run("", "send-text", "--text", "from config")
	r.Expect(t, 0)
	if m := e.Srv.Messages(); len(m) != 1 || m[0].ReceiveID != "oc_default" {
		t.Fatalf("stored %+v", m)
	}
	// The other profile has an unknown app; env and flags override it.
	r = e.Run("", "--profile", "other", "send-text", "--to", "oc_a", "--text", "x")
	r.Expect(t, ExitAuth)
	if !strings.Contains(r.ErrOut, "readable by others") {
		t.Errorf("no permission warning for a secret in a 0600 file? stderr %q", r.ErrOut)
	}
	os.Chmod(cfg, 0o600)
	e.Vars["FEISHU_APP_ID"] = "cli_test"
	r = e.Run("", "--profile", "other", "send-text", "--to", "oc_a", "--text", "x")
	r.Expect(t, 0)
	if r.ErrOut != "" {
		t.Errorf("stderr %q", r.ErrOut)
	}
	r = e.Run("", "--profile", "other", "--app-id", "cli_flag", "send-text", "--to", "oc_a", "--text", "x")
	r.Expect(t, ExitAuth)
	r = e.Run("", "--profile", "nope", "send-text", "--to", "oc_a", "--text", "x")
	r.Expect(t, ExitUsage)
	if !strings.Contains(r.ErrOut, `no profile "nope" (have: main, other)`) {
		t.Errorf("stderr %q", r.ErrOut)
	}
}

func TestDryRunShowsEveryRequestMasked(t *testing.T) {
	e := newEnv(t)
	r := e.Run("", "--dry-run", "send-card", "--to", "oc_a,ou_b", "--title", "T", "--uuid", "daily-1")
	r.Expect(t, 0)
	reqs := lines(r.Out)
	if len(reqs) != 2 {
		t.Fatalf("dry run printed %d requests", len(reqs))
	}
	var req struct {
		Method, URL string
		Headers     map[string]string
		Body        struct{ ReceiveID, MsgType, Content, UUID string } `json:"body"`
	}
	mustJSON(t, []byte(reqs[1]), &req)
	if req.Method != "POST" || req.URL != e.Srv.URL+"/open-apis/im/v1/messages?receive_id_type=open_id" ||
		req.Headers["Authorization"] != "Bearer ****" || !strings.HasPrefix(req.Body.UUID, "daily-1-") {
		t.Errorf("request %s", reqs[1])
	}
	e.Webhook()
	r = e.Run("", "--dry-run", "send-text", "--text", "x")
	r.Expect(t, 0)
	if !strings.Contains(r.Out, "/hook/****") || !strings.Contains(r.Out, `"sign":"****"`) {
		t.Errorf("webhook dry run %s", r.Out)
	}
	if n := len(e.Srv.Requests()); n != 0 {
		t.Errorf("dry run made %d requests", n)
	}
}

func TestVersion(t *testing.T) {
	e := newEnv(t)
	r := e.Run("", "version")
	r.Expect(t, 0)
	if !strings.HasPrefix(r.Out, "feishu-push ") {
		t.Errorf("stdout %q", r.Out)
	}
}

// dig walks decoded JSON by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
