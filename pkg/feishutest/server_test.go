package feishutest_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// These tests speak raw HTTP to the fake, so that its answers are checked
// against the documented API independently of the client.

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a answer) code() int {
	c, _ := a.body["code"].(float64)
	return int(c)
}

func post(t *testing.T, url, auth string, body any) answer {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("answer is not JSON: %s", raw)
	}
	if resp.Header.Get("X-Tt-Logid") == "" {
		t.Errorf("answer has no X-Tt-Logid")
	}
	return answer{resp.StatusCode, resp.Header, m}
}

func token(t *testing.T, srv *feishutest.Server) string {
	t.Helper()
	a := post(t, srv.URL+"/open-apis/auth/v3/tenant_access_token/internal", "",
		map[string]string{"app_id": feishutest.DefaultAppID, "app_secret": feishutest.DefaultAppSecret})
	tok, _ := a.body["tenant_access_token"].(string)
	if a.code() != 0 || !strings.HasPrefix(tok, "t-") || a.body["expire"] != float64(7200) {
		t.Fatalf("token answer %+v", a.body)
	}
	if _, wrapped := a.body["data"]; wrapped {
		t.Error("token answer has a data wrapper; Feishu's is top level")
	}
	return tok
}

func TestTokenReuseWindow(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	srv := feishutest.NewServer(t, feishutest.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	first := token(t, srv)
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ask := func() answer {
		return post(t, srv.URL+"/open-apis/auth/v3/tenant_access_token/internal", "",
			map[string]string{"app_id": feishutest.DefaultAppID, "app_secret": feishutest.DefaultAppSecret})
	}
	advance(time.Hour) // 60 min left: the same token, with what is left of its life
	a := ask()
	if a.body["tenant_access_token"] != first || a.body["expire"] != float64(3600) {
		t.Errorf("at 60 min left got %v", a.body)
	}
	advance(31 * time.Minute) // 29 min left: a new token, the old one still valid
	a = ask()
	if a.body["tenant_access_token"] == first || a.body["expire"] != float64(7200) {
		t.Errorf("at 29 min left got %v", a.body)
	}
	msg := map[string]string{"receive_id": "oc_1", "msg_type": "text", "content": `{"text":"x"}`}
	if a := post(t, srv.URL+"/open-apis/im/v1/messages?receive_id_type=chat_id", "Bearer "+first, msg); a.code() != 0 {
		t.Errorf("old token refused while valid: %v", a.body)
	}
	advance(30 * time.Minute) // the first token has expired
	if a := post(t, srv.URL+"/open-apis/im/v1/messages?receive_id_type=chat_id", "Bearer "+first, msg); a.code() != 99991663 {
		t.Errorf("expired token: %v", a.body)
	}
}

func TestTokenErrors(t *testing.T) {
	srv := feishutest.NewServer(t)
	u := srv.URL + "/open-apis/auth/v3/tenant_access_token/internal"
	for _, tc := range []struct {
		body any
		code int
	}{
		{map[string]string{"app_id": "cli_sandbox", "app_secret": "wrong"}, 10014},
		{map[string]string{"app_id": "cli_other", "app_secret": "x"}, 10003},
		{map[string]string{}, 10003},
		{"not json", 10003},
	} {
		if a := post(t, u, "", tc.body); a.code() != tc.code {
			t.Errorf("%v: got %v, want code %d", tc.body, a.body, tc.code)
		}
	}
}

func TestMessageValidation(t *testing.T) {
	srv := feishutest.NewServer(t, feishutest.WithTemplates("AAqk"))
	tok := "Bearer " + token(t, srv)
	base := srv.URL + "/open-apis/im/v1/messages"
	text := func(s string) string { b, _ := json.Marshal(map[string]string{"text": s}); return string(b) }
	for _, tc := range []struct {
		name, url, auth string
		body            any
		status, code    int
	}{
		{"no token", base + "?receive_id_type=chat_id", "", map[string]any{}, 400, 99991661},
		{"not bearer t-", base + "?receive_id_type=chat_id", "Bearer x-1", map[string]any{}, 400, 99991671},
		{"unknown token", base + "?receive_id_type=chat_id", "Bearer t-nope", map[string]any{}, 400, 99991663},
		{"no receive_id_type", base, tok, map[string]any{"receive_id": "oc_1", "msg_type": "text", "content": text("x")}, 400, 99992402},
		{"bad receive_id_type", base + "?receive_id_type=thread_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "text", "content": text("x")}, 400, 99992402},
		{"content as object", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "text", "content": map[string]string{"text": "x"}}, 400, 99992402},
		{"no receive_id", base + "?receive_id_type=chat_id", tok, map[string]any{"msg_type": "text", "content": text("x")}, 400, 99992402},
		{"uuid too long", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "text", "content": text("x"), "uuid": strings.Repeat("u", 51)}, 400, 99992402},
		{"id of wrong type", base + "?receive_id_type=open_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "text", "content": text("x")}, 400, 230034},
		{"unknown msg_type", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "card", "content": text("x")}, 400, 230001},
		{"empty text", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "text", "content": text("")}, 400, 230001},
		{"text too long", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "text", "content": text(strings.Repeat("x", 151*1024))}, 400, 230025},
		{"card too long", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "interactive", "content": `{"elements":[{"tag":"markdown","content":"` + strings.Repeat("x", 30*1024) + `"}]}`}, 400, 230025},
		{"card not json", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "interactive", "content": `{"elements":`}, 400, 230099},
		{"v2 card with note", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "interactive", "content": `{"schema":"2.0","body":{"elements":[{"tag":"note","elements":[]}]}}`}, 400, 230099},
		{"unknown template", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "interactive", "content": `{"type":"template","data":{"template_id":"AAzz"}}`}, 400, 230099},
		{"known template", base + "?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "interactive", "content": `{"type":"template","data":{"template_id":"AAqk"}}`}, 200, 0},
		{"v1 card", base + "?receive_id_type=email", tok, map[string]any{"receive_id": "a@b.c", "msg_type": "interactive", "content": `{"elements":[{"tag":"note","elements":[]}]}`}, 200, 0},
	} {
		a := post(t, tc.url, tc.auth, tc.body)
		if a.status != tc.status || a.code() != tc.code {
			t.Errorf("%s: HTTP %d %v, want HTTP %d code %d", tc.name, a.status, a.body, tc.status, tc.code)
		}
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("stored %d messages, want the 2 valid ones", n)
	}
	a := post(t, base+"?receive_id_type=chat_id", tok, map[string]any{"receive_id": "oc_1", "msg_type": "interactive", "content": `{"schema":"2.0","body":{"elements":[{"tag":"action"}]}}`})
	if msg, _ := a.body["msg"].(string); !strings.Contains(msg, "ErrCode: 200861") {
		t.Errorf("230099 msg = %q, want sub-code 200861", msg)
	}
}

func TestReject(t *testing.T) {
	srv := feishutest.NewServer(t)
	srv.Reject("oc_nobot", feishutest.Fault{Code: 230002, Msg: "Bot is not in the chat"})
	a := post(t, srv.URL+"/open-apis/im/v1/messages?receive_id_type=chat_id", "Bearer "+token(t, srv),
		map[string]any{"receive_id": "oc_nobot", "msg_type": "text", "content": `{"text":"x"}`})
	if a.status != 400 || a.code() != 230002 {
		t.Errorf("got HTTP %d %v", a.status, a.body)
	}
}

func TestWebhookBodies(t *testing.T) {
	srv := feishutest.NewServer(t, feishutest.WithWebhook("tok", ""))
	u := srv.WebhookURL("tok")
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   int
	}{
		{"text", map[string]any{"msg_type": "text", "content": map[string]string{"text": "hi"}}, 200, 0},
		{"card", map[string]any{"msg_type": "interactive", "card": map[string]any{"elements": []any{}}}, 200, 0},
		{"post", map[string]any{"msg_type": "post", "content": map[string]any{"post": map[string]any{"zh_cn": map[string]any{"title": "t", "content": [][]any{{map[string]string{"tag": "text", "text": "x"}}}}}}}, 200, 0},
		{"content as string", map[string]any{"msg_type": "text", "content": `{"text":"hi"}`}, 400, 9499},
		{"card in content", map[string]any{"msg_type": "interactive", "content": map[string]any{"elements": []any{}}}, 400, 9499},
		{"not json", "{", 400, 9499},
		{"too big", map[string]any{"msg_type": "text", "content": map[string]string{"text": strings.Repeat("x", 20*1024)}}, 400, 9499},
	} {
		a := post(t, u, "", tc.body)
		if a.status != tc.status || a.code() != tc.code {
			t.Errorf("%s: HTTP %d %v, want HTTP %d code %d", tc.name, a.status, a.body, tc.status, tc.code)
		}
		if tc.code == 0 && (a.body["StatusCode"] != float64(0) || a.body["msg"] != "success") {
			t.Errorf("%s: success body %v", tc.name, a.body)
		}
	}
	if a := post(t, srv.WebhookURL("unknown"), "", map[string]any{"msg_type": "text", "content": map[string]string{"text": "hi"}}); a.code() != 19001 {
		t.Errorf("unknown hook: %v", a.body)
	}
}

func TestWebhookTimestampAsNumber(t *testing.T) {
	srv := feishutest.NewServer(t, feishutest.WithWebhook("tok", "sec"))
	ts := time.Now().Unix()
	body := `{"msg_type":"text","content":{"text":"x"},"timestamp":` + strconv.FormatInt(ts, 10) + `,"sign":"` + sign("sec", ts) + `"}`
	if a := post(t, srv.WebhookURL("tok"), "", body); a.code() != 0 {
		t.Errorf("numeric timestamp: %v", a.body)
	}
}

func TestRateLimits(t *testing.T) {
	now := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)
	srv := feishutest.NewServer(t, feishutest.WithRateLimits(feishutest.DocumentedLimits), feishutest.WithClock(func() time.Time { return now }),
		feishutest.WithWebhook("tok", ""))
	tok := "Bearer " + token(t, srv)
	send := func(to string) answer {
		return post(t, srv.URL+"/open-apis/im/v1/messages?receive_id_type=chat_id", tok,
			map[string]any{"receive_id": to, "msg_type": "text", "content": `{"text":"x"}`})
	}
	// 5 per second to one chat, then 230020.
	for i := 0; i < 5; i++ {
		if a := send("oc_same"); a.code() != 0 {
			t.Fatalf("send %d: %v", i, a.body)
		}
	}
	if a := send("oc_same"); a.status != 400 || a.code() != 230020 {
		t.Errorf("6th to one chat: HTTP %d %v", a.status, a.body)
	}
	// 50 per second per app, the refused one included, then 99991400
	// with the reset header.
	for i := 0; i < 44; i++ {
		if a := send("oc_" + strconv.Itoa(i)); a.code() != 0 {
			t.Fatalf("send %d: %v", i, a.body)
		}
	}
	a := send("oc_other")
	if a.status != 429 || a.code() != 99991400 || a.header.Get("x-ogw-ratelimit-reset") == "" || a.header.Get("x-ogw-ratelimit-limit") != "50" {
		t.Errorf("51st: HTTP %d %v %v", a.status, a.body, a.header)
	}
	for i := 0; i < 5; i++ {
		post(t, srv.WebhookURL("tok"), "", map[string]any{"msg_type": "text", "content": map[string]string{"text": "x"}})
	}
	if a := post(t, srv.WebhookURL("tok"), "", map[string]any{"msg_type": "text", "content": map[string]string{"text": "x"}}); a.code() != 9499 || a.body["msg"] != "too many request" {
		t.Errorf("6th webhook post: %v", a.body)
	}
}

func sign(secret string, ts int64) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(ts, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
