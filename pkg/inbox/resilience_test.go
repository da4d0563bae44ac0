package inbox_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// hostile are strings that have crashed card renderers: NUL-digits-NUL
// sequences (the renderer's own placeholders once), unbalanced markup,
// tags cut short, a GFM table full of NULs.
var hostile = []string{
	"\x001\x00", "a\x000\x00b", "**\x00\x00**", "`\x002\x00`", "\x00\x00\x00", "\x01\x02\x03",
	"<at id=\x000\x00></at>", "|a|\n|---|\n|\x001\x00|", "<font color='\x00'>x", "[\x00](\x00)",
	"<person id='\x001\x00'></person>", ":\x00:", "<text_tag color='red'>\x001\x00", "~~**__*x",
	strings.Repeat("*", 1000), strings.Repeat("[", 500), strings.Repeat("<at id=all>", 60),
}

// TestInboxSurvivesHostileCards stores cards full of hostile strings
// between two ordinary messages: /api/messages and / keep answering, and
// the ordinary messages are still drawn.
func TestInboxSurvivesHostileCards(t *testing.T) {
	srv := inboxEnv(t, feishutest.WithAnyWebhook("")).Srv
	postHook(t, srv.URL, `{"msg_type":"text","content":{"text":"before"}}`)
	var els1, els2 []any
	for _, s := range hostile {
		els2 = append(els2, map[string]any{"tag": "markdown", "content": s},
			map[string]any{"tag": "div", "text": map[string]any{"tag": "plain_text", "content": s}})
		els1 = append(els1, map[string]any{"tag": "div", "text": map[string]any{"tag": "lark_md", "content": s}})
	}
	for _, card := range []map[string]any{
		{"schema": "2.0", "header": map[string]any{"title": map[string]any{"tag": "plain_text", "content": "\x001\x00"}}, "body": map[string]any{"elements": els2}},
		{"header": map[string]any{"title": map[string]any{"tag": "plain_text", "content": "\x001\x00"}}, "elements": els1},
	} {
		b, _ := json.Marshal(map[string]any{"msg_type": "interactive", "card": card})
		postHook(t, srv.URL, string(b))
	}
	for _, s := range hostile {
		b, _ := json.Marshal(map[string]any{"msg_type": "text", "content": map[string]any{"text": s}})
		postHook(t, srv.URL, string(b))
	}
	postHook(t, srv.URL, `{"msg_type":"interactive","card":{"header":{"template":"green","title":{"tag":"plain_text","content":"after"}},"elements":[{"tag":"markdown","content":"**still drawn**"}]}}`)

	for range 2 { // and again: nothing broke for later requests
		got := messages(t, srv.URL, "")
		if want := 4 + len(hostile); len(got.Messages) != want {
			t.Fatalf("%d messages, want %d", len(got.Messages), want)
		}
		first, last := got.Messages[0], got.Messages[len(got.Messages)-1]
		if !strings.Contains(first.HTML, "before") || !strings.Contains(last.HTML, `<div class="fp-title">after</div>`) || !strings.Contains(last.HTML, "<strong>still drawn</strong>") {
			t.Errorf("ordinary messages:\n%s\n%s", first.HTML, last.HTML)
		}
		for _, m := range got.Messages[1:3] {
			if !strings.Contains(m.HTML, `class="fp-card`) || strings.ContainsRune(m.HTML, 0) {
				t.Errorf("hostile card %d: %.300q", m.Seq, m.HTML)
			}
		}
		if code, _, body := get(t, srv.URL+"/"); code != 200 || !strings.Contains(body, "/static/app.js") {
			t.Errorf("/: %d", code)
		}
	}
}
