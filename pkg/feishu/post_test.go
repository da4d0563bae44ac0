package feishu_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

func TestParsePost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"hello", `[[{"tag":"text","text":"hello"}]]`},
		{"a\n\n\nb\r\n", `[[{"tag":"text","text":"a"}],[{"tag":"text","text":"b"}]]`},
		{"see [docs](https://x.example/a?b=1) now", `[[{"tag":"text","text":"see "},{"tag":"a","text":"docs","href":"https://x.example/a?b=1"},{"tag":"text","text":" now"}]]`},
		{"[](https://x.example)", `[[{"tag":"a","text":"https://x.example","href":"https://x.example"}]]`},
		{"[js](javascript:alert(1))", `[[{"tag":"text","text":"[js](javascript:alert(1))"}]]`},
		{"@all look", `[[{"tag":"at","user_id":"all"},{"tag":"text","text":" look"}]]`},
		{"ping @ou_abc_1 and @on_x", `[[{"tag":"text","text":"ping "},{"tag":"at","user_id":"ou_abc_1"},{"tag":"text","text":" and "},{"tag":"at","user_id":"on_x"}]]`},
		{"mail me@ou_x.com", `[[{"tag":"text","text":"mail me@ou_x.com"}]]`},
		{`<at user_id="7cdcc7c2">Tom</at>!`, `[[{"tag":"at","user_id":"7cdcc7c2"},{"tag":"text","text":"!"}]]`},
		{`<at id=ou_1></at>`, `[[{"tag":"at","user_id":"ou_1"}]]`},
		{"**b** *i* ~~s~~ __u__", `[[{"tag":"text","text":"b","style":["bold"]},{"tag":"text","text":" "},{"tag":"text","text":"i","style":["italic"]},{"tag":"text","text":" "},{"tag":"text","text":"s","style":["lineThrough"]},{"tag":"text","text":" "},{"tag":"text","text":"u","style":["underline"]}]]`},
		{"**[bold link](https://x.example)**", `[[{"tag":"a","text":"bold link","href":"https://x.example","style":["bold"]}]]`},
		{"5 * 3 * 2 and **unclosed", `[[{"tag":"text","text":"5 * 3 * 2 and **unclosed"}]]`},
		{`\*not italic\* \@all`, `[[{"tag":"text","text":"*not italic* @all"}]]`},
		{"---", `[[{"tag":"hr"}]]`},
		{"```go\nfmt.Println(1)\n\nx := 2\n```\nafter", `[[{"tag":"code_block","text":"fmt.Println(1)\n\nx := 2","language":"go"}],[{"tag":"text","text":"after"}]]`},
		{"", `null`},
	} {
		b, _ := json.Marshal(feishu.ParsePost(tc.in))
		if string(b) != tc.want {
			t.Errorf("ParsePost(%q)\n got %s\nwant %s", tc.in, b, tc.want)
		}
	}
}

func TestPostMessageChecks(t *testing.T) {
	text := func(s string) feishu.PostElement { return feishu.PostElement{Tag: feishu.PostTagText, Text: s} }
	for _, tc := range []struct {
		name    string
		locales map[string]feishu.Post
		opts    feishu.PostOptions
		want    string
	}{
		{"no locale", nil, feishu.PostOptions{}, "at least one locale"},
		{"bad locale", map[string]feishu.Post{"fr_fr": {Title: "t"}}, feishu.PostOptions{}, "fr_fr"},
		{"empty", map[string]feishu.Post{"zh_cn": {}}, feishu.PostOptions{}, "title or content"},
		{"empty paragraph", map[string]feishu.Post{"zh_cn": {Content: [][]feishu.PostElement{{}}}}, feishu.PostOptions{}, "paragraph 1 is empty"},
		{"empty text", map[string]feishu.Post{"zh_cn": {Content: [][]feishu.PostElement{{text("")}}}}, feishu.PostOptions{}, "text is empty"},
		{"bad href", map[string]feishu.Post{"zh_cn": {Content: [][]feishu.PostElement{{{Tag: "a", Text: "x", Href: "ftp://x"}}}}}, feishu.PostOptions{}, "not an http(s) URL"},
		{"img not alone", map[string]feishu.Post{"zh_cn": {Content: [][]feishu.PostElement{{text("x"), {Tag: "img", ImageKey: "img_1"}}}}}, feishu.PostOptions{}, "alone"},
		{"unknown tag", map[string]feishu.Post{"zh_cn": {Content: [][]feishu.PostElement{{{Tag: "blink"}}}}}, feishu.PostOptions{}, "unknown element tag"},
		{"bad style", map[string]feishu.Post{"zh_cn": {Content: [][]feishu.PostElement{{{Tag: "text", Text: "x", Style: []string{"shout"}}}}}}, feishu.PostOptions{}, "unknown style"},
		{"webhook md", map[string]feishu.Post{"zh_cn": feishu.MarkdownPost("t", "**x**")}, feishu.PostOptions{Webhook: true}, "no md"},
		{"webhook style", map[string]feishu.Post{"zh_cn": {Content: feishu.ParsePost("**x**")}}, feishu.PostOptions{Webhook: true}, "no style"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := feishu.PostMessage(tc.locales, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSendPostBothModes(t *testing.T) {
	srv := feishutest.NewServer(t, feishutest.WithWebhook("tok", ""))
	c, _ := newAppClient(t, srv, feishu.WithWebhook(srv.WebhookURL("tok"), ""))
	src := "**Deploy** done, see [log](https://ci.example/1)\n<at user_id=\"ou_ops\">ops</at> @all"
	for _, tc := range []struct {
		name string
		post feishu.Post
		hook bool
	}{
		{"app parsed", feishu.Post{Title: "Deploy", Content: feishu.ParsePost(src)}, false},
		{"app md", feishu.MarkdownPost("Deploy", src), false},
		{"webhook parsed", feishu.Post{Title: "Deploy", Content: feishu.ParsePost(strings.ReplaceAll(src, "**", ""))}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := feishu.PostMessage(map[string]feishu.Post{feishu.LocaleEnUS: tc.post}, feishu.PostOptions{Webhook: tc.hook})
			if err != nil {
				t.Fatal(err)
			}
			before := len(srv.Messages())
			if tc.hook {
				req, err := c.Webhook.NewSendRequest(m)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.Webhook.Send(context.Background(), req); err != nil {
					t.Fatal(err)
				}
			} else if _, _, err := send(t, c, "oc_1", m, ""); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != before+1 || msgs[len(msgs)-1].MsgType != "post" {
				t.Fatalf("stored %+v", msgs[len(msgs)-1])
			}
		})
	}
}

// FuzzParsePost checks that whatever the input, the parser's paragraphs
// pass PostMessage's checks: it never emits an element Feishu would refuse.
func FuzzParsePost(f *testing.F) {
	for _, s := range []string{"**a** [b](https://c) @all", "```\n```", "****", "<at user_id=\"\"></at>", "~~~~ __ *", "[](http://x)", "\\", "---\n***"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		paras := feishu.ParsePost(s)
		if len(paras) == 0 {
			return
		}
		if _, err := feishu.PostMessage(map[string]feishu.Post{feishu.LocaleZhCN: {Content: paras}}, feishu.PostOptions{}); err != nil {
			t.Fatalf("ParsePost(%q) = %+v: %v", s, paras, err)
		}
	})
}

func BenchmarkParsePost(b *testing.B) {
	src := strings.Repeat("**Build** 42 failed, see [logs](https://ci.example/42) <at user_id=\"ou_abc\">Tom</at> @all ~~old~~\n", 100)
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		feishu.ParsePost(src)
	}
}
