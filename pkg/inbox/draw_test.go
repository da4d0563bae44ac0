package inbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/render"
)

// TestInboxServesWhenAMessageCannotBeDrawn makes drawing one stored
// message fail (the renderer panics on it): /api/messages still answers,
// says that message could not be drawn, draws the others, and keeps doing
// so on every later request; the page itself answers too.
func TestInboxServesWhenAMessageCannotBeDrawn(t *testing.T) {
	defer func(orig func([]render.Stored, render.Options) []string) { renderMessages = orig }(renderMessages)
	renderMessages = func(list []render.Stored, o render.Options) []string {
		for _, m := range list {
			if bytes.Contains(m.Content, []byte("undrawable")) {
				panic("cannot draw this list")
			}
		}
		return render.Messages(list, o)
	}
	defer func(orig func(string, []byte, render.Options) string) { renderMessage = orig }(renderMessage)
	renderMessage = func(msgType string, content []byte, o render.Options) string {
		if bytes.Contains(content, []byte("undrawable")) {
			panic("cannot draw this message")
		}
		return render.Message(msgType, content, o)
	}
	srv := httptest.NewServer(New(feishutest.New(feishutest.WithAnyWebhook(""))))
	defer srv.Close()
	for _, body := range []string{
		`{"msg_type":"text","content":{"text":"first"}}`,
		`{"msg_type":"interactive","card":{"elements":[{"tag":"markdown","content":"undrawable <b>x</b>"}]}}`,
		`{"msg_type":"interactive","card":{"header":{"title":{"tag":"plain_text","content":"third"}},"elements":[]}}`,
	} {
		resp, err := http.Post(srv.URL+"/open-apis/bot/v2/hook/t", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("webhook: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	for range 3 {
		resp, err := http.Get(srv.URL + "/api/messages")
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Messages []Message }
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != 200 || err != nil || len(got.Messages) != 3 {
			t.Fatalf("/api/messages: %d %v %d messages", resp.StatusCode, err, len(got.Messages))
		}
		if m := got.Messages[0]; !strings.Contains(m.HTML, "first") {
			t.Errorf("first message: %s", m.HTML)
		}
		if m := got.Messages[1]; m.HTML != `<div class="fp-bubble fp-raw inbox-undrawable">this interactive message could not be drawn: see its JSON</div>` {
			t.Errorf("undrawable message: %s", m.HTML)
		} else if !strings.Contains(string(m.Body), "undrawable") {
			t.Errorf("the undrawable message's request is not kept: %s", m.Body)
		}
		if m := got.Messages[2]; !strings.Contains(m.HTML, `<div class="fp-title">third</div>`) {
			t.Errorf("third message: %s", m.HTML)
		}
		resp, err = http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(page, []byte("/static/app.js")) {
			t.Errorf("/: %d", resp.StatusCode)
		}
	}
}
