package render_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/render"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"**bold** *it* ~~gone~~":                    "<p><strong>bold</strong> <em>it</em> <del>gone</del></p>",
		"[Logs](https://ci.example.com/42?a=1&b=2)": `<p><a href="https://ci.example.com/42?a=1&amp;b=2" target="_blank" rel="noopener">Logs</a></p>`,
		"<at id=all></at> <at id=ou_x></at>":        `<p><span class="fp-at">@所有人</span> <span class="fp-at">@ou_x</span></p>`,
		"<font color='red'>down</font> `x<y`":       `<p><span class="fp-font" style="color:#C02A26">down</span> <code>x&lt;y</code></p>`,
		"- a\n- b\n    - c":                         "<ul><li>a</li><li>b</li><ul><li>c</li></ul></ul>",
		"# Title\n> quoted":                         "<h1>Title</h1><blockquote>quoted</blockquote>",
		"```go\nfmt.Println(\"<hi>\")\n```":         `<pre class="fp-code" data-lang="go"><code>fmt.Println(&#34;&lt;hi&gt;&#34;)</code></pre>`,
		"line 1\nline 2":                            "<p>line 1<br>line 2</p>",
		":DONE: :NOPE:":                             "<p>✅ :NOPE:</p>",
	} {
		if got := render.Markdown(in, true); got != want {
			t.Errorf("Markdown(%q)\n got %s\nwant %s", in, got, want)
		}
	}
}

// TestNothingHostileSurvives: card content cannot inject markup or script.
func TestNothingHostileSurvives(t *testing.T) {
	card := `{"header":{"template":"red\" onmouseover=\"x","title":{"tag":"plain_text","content":"<script>alert(1)</script>"}},
	"elements":[{"tag":"markdown","content":"<img src=x onerror=alert(1)> [a](javascript:alert(1)) <a href=\"javascript:x()\">b</a> <font color=\"red;background:url(x)\">c</font>"},
	{"tag":"action","actions":[{"tag":"button","text":{"tag":"plain_text","content":"<b>go</b>"},"type":"primary\" onclick=\"x","url":"javascript:alert(1)"}]},
	{"tag":"img","img_key":"\"><script>","alt":{"tag":"plain_text","content":"\" onerror=\"x"}}]}`
	out := render.Card([]byte(card), render.Options{ImageURL: func(k string) string { return "/api/images/" + k }})
	for _, bad := range []string{"<script", "<img src=x", "javascript:", `onmouseover="`, `onclick="`, `onerror="x`, "<b>go</b>", `style="color:red`, "</span></p>"} {
		if strings.Contains(out, bad) {
			t.Errorf("rendered card contains %q:\n%s", bad, out)
		}
	}
	text := render.Message("text", []byte(`{"text":"<b>bold</b> <script>x</script> <at user_id=\"ou_1\">Tom</at>"}`), render.Options{})
	if !strings.Contains(text, "<b>bold</b>") || strings.Contains(text, "<script>") || !strings.Contains(text, `@Tom`) {
		t.Errorf("text message: %s", text)
	}
}

func TestExamplesGolden(t *testing.T) {
	files, _ := filepath.Glob("../../examples/cards/*.json")
	files = append(files, "../../pkg/dashboard/testdata/sales.v2.golden", "../../pkg/dashboard/testdata/sales.v1.golden",
		"../../pkg/dashboard/testdata/sales.native.v2.golden")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out := render.Card(b, render.Options{})
		if strings.Contains(out, "fp-unknown") {
			t.Errorf("%s: an element the renderer does not know:\n%s", f, out)
		}
		if strings.Contains(f, ".native.") {
			// The dashboard's native chart element is drawn from its
			// chart_spec as inline SVG, with its title and categories.
			for _, want := range []string{`<div class="fp-chart"><svg`, "近 7 日销售额", "11-15", "11-21"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s: no %q in the drawing", f, want)
				}
			}
			if strings.Contains(out, "fp-chart-fallback") {
				t.Errorf("%s: the native chart is drawn as a placeholder", f)
			}
		}
		name := filepath.Join("testdata", strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))+".html")
		if *update {
			os.WriteFile(name, []byte(out+"\n"), 0o644)
		}
		want, _ := os.ReadFile(name)
		if out+"\n" != string(want) {
			t.Errorf("%s renders differently from %s (go test -update to accept)", f, name)
		}
	}
}

func TestElements(t *testing.T) {
	out := render.Card([]byte(`{"schema":"2.0","header":{"template":"green","title":{"tag":"plain_text","content":"T"},"subtitle":{"tag":"plain_text","content":"S"}},
	"body":{"elements":[{"tag":"table","page_size":2,"columns":[{"name":"a","display_name":"店","data_type":"text"},{"name":"n","display_name":"额","data_type":"number","format":{"precision":2,"separator":true}}],
	"rows":[{"a":"朝阳","n":1234567.5},{"a":"海淀","n":2},{"a":"西城","n":3}]},
	{"tag":"button","text":{"tag":"plain_text","content":"Open"},"type":"primary_filled","behaviors":[{"type":"open_url","default_url":"https://x.example"}]}]}}`), render.Options{})
	for _, want := range []string{`fp-tpl-green`, `<div class="fp-title">T</div>`, `fp-subtitle">S`, `<td class="fp-num">1,234,567.50</td>`, `‹ 1/2 ›`,
		`<a class="fp-btn fp-btn-primary_filled" href="https://x.example"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "西城") {
		t.Error("rows past the first page shown")
	}
	post := render.Message("post", []byte(`{"zh_cn":{"title":"周报","content":[[{"tag":"text","text":"见 "},{"tag":"a","text":"文档","href":"https://x.example"},{"tag":"at","user_id":"all"}]]}}`), render.Options{})
	if !strings.Contains(post, "周报") || !strings.Contains(post, `href="https://x.example"`) || !strings.Contains(post, "@所有人") {
		t.Errorf("post: %s", post)
	}
}
