package inbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/inbox"
)

func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestInboxAPI(t *testing.T) {
	srv := inboxEnv(t, feishutest.WithAnyWebhook("")).Srv
	resp, err := http.Post(srv.URL+"/open-apis/bot/v2/hook/t", "application/json",
		strings.NewReader(`{"msg_type":"interactive","card":{"header":{"template":"red","title":{"tag":"plain_text","content":"<b>down</b>"}},"elements":[]}}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook post: %v %v", err, resp)
	}
	resp.Body.Close()

	code, ctype, body := get(t, srv.URL+"/api/messages")
	var got struct{ Messages []inbox.Message }
	if code != 200 || !strings.HasPrefix(ctype, "application/json") || json.Unmarshal([]byte(body), &got) != nil || len(got.Messages) != 1 {
		t.Fatalf("/api/messages: %d %s %s", code, ctype, body)
	}
	m := got.Messages[0]
	if m.Mode != "webhook" || !strings.Contains(m.HTML, `fp-tpl-red`) || !strings.Contains(m.HTML, "&lt;b&gt;down&lt;/b&gt;") {
		t.Errorf("message %+v", m)
	}
	if strings.Contains(body, `"t"`) || strings.Contains(body, "hook/t") {
		t.Error("the hook token is exposed")
	}
	code, ctype, body = get(t, srv.URL+"/")
	if code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, ".fp-card{") || !strings.Contains(body, "/static/app.js") {
		t.Errorf("/: %d %s", code, ctype)
	}
	for path, want := range map[string]string{"/static/app.js": "javascript", "/static/inbox.css": "text/css", "/static/font.ttf": "font/ttf"} {
		if code, ctype, _ := get(t, srv.URL+path); code != 200 || !strings.Contains(ctype, want) {
			t.Errorf("%s: %d %s", path, code, ctype)
		}
	}
	if code, _, _ := get(t, srv.URL+"/api/images/img_v3_none"); code != 404 {
		t.Errorf("unknown image: %d", code)
	}
	if code, _, body := get(t, srv.URL+"/open-apis/nope"); code != 404 || !strings.Contains(body, `"code":404`) {
		t.Errorf("unknown API path: %d %s", code, body)
	}
}

func TestInboxEventsNeedAListener(t *testing.T) {
	srv := inboxEnv(t, feishutest.WithAnyWebhook("")).Srv
	resp, err := http.Post(srv.URL+"/open-apis/bot/v2/hook/t", "application/json",
		strings.NewReader(`{"msg_type":"interactive","card":{"elements":[{"tag":"markdown","content":"hi"}]}}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook post: %v %v", err, resp)
	}
	resp.Body.Close()
	for _, path := range []string{"/api/events", "/api/callback"} {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(`{"type":"im.message.receive_v1","seq":1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("%s without a listener: %d, want 409", path, resp.StatusCode)
		}
	}
	code, _, body := get(t, srv.URL+"/api/listener")
	if code != 200 || !strings.Contains(body, `"url":""`) {
		t.Errorf("/api/listener: %d %s", code, body)
	}
}
