package render_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/render"
)

func readCard(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "card", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEveryComponent draws a card that uses every documented component:
// none is left as an unknown placeholder, and each has its own drawing.
func TestEveryComponent(t *testing.T) {
	out := render.Card(readCard(t, "all-v2.json"), render.Options{})
	if strings.Contains(out, "fp-unknown") {
		t.Errorf("a component is drawn as unknown:\n%s", out)
	}
	for _, want := range []string{
		`fp-tpl-indigo`, `<svg class="fp-icon fp-header-icon"`, `fp-tag fp-tag-green">新</span>`,
		`<span class="fp-at">@所有人</span>`, `<span class="fp-person-chip" title="ou_1">`, `✅`, `👍`, `<span class="fp-number-tag">7</span>`,
		`<table class="fp-md-table">`, `<th>地区</th>`,
		`<div class="fp-colset fp-flex-bisect"`, `background:#F0F4FF`, `background:rgba(5,157,178,0.52)`,
		`fp-img-combo fp-combo-double`, `<div class="fp-chart"><svg`,
		`<td>2023-11-15</td>`, `<span class="fp-person-name">ou_1</span>`,
		`<details class="fp-panel" open`, `<strong>展开的面板</strong>`, `<details class="fp-panel"><summary>`,
		`<div class="fp-container" style="border:1px solid #646A73;border-radius:8px;padding:8px" data-href="https://open.feishu.cn">`,
		`<div class="fp-form">`, `fp-input`, `<span class="fp-label">输入框</span>`, `<span class="fp-ph">单选</span>`, `<span class="fp-chip">乙</span>`,
		`<span class="fp-ph">选人</span>`, `>2024-01-01<`, `>10:00<`, `<span class="fp-ph">日期时间</span>`, `fp-select-img`,
		`fp-checker fp-checked`, `fp-overflow`, `fp-person fp-person-medium`, `fp-person-list`, `fp-audio`,
		`<button type="button" class="fp-btn fp-btn-primary" data-callback="{&#34;action&#34;:&#34;approve&#34;,&#34;x&#34;:&#34;\u003c\&#34;&#39;\u003e&#34;}" data-element-id="cb">回调</button>`,
		`<a class="fp-btn fp-btn-danger" href="https://open.feishu.cn"`,
		`<button type="button" class="fp-btn fp-btn-primary_filled"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	// The callback value survives as JSON for the inbox's script.
	m := regexp.MustCompile(`data-callback="([^"]*)" data-element-id="cb"`).FindStringSubmatch(out)
	var v map[string]string
	if m == nil || json.Unmarshal([]byte(htmlUnescape(m[1])), &v) != nil || v["x"] != `<"'>` {
		t.Errorf("data-callback does not hold the value: %v", m)
	}
	if strings.Contains(out, "隐藏") && strings.Contains(out, `<details class="fp-panel" open><summary><span class="fp-panel-title">收起的面板`) {
		t.Error("a collapsed panel is drawn open")
	}
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&amp;", "&")
	return r.Replace(s)
}

func TestLocales(t *testing.T) {
	v1 := readCard(t, "all-v1.json")
	if got := strings.Join(render.Locales(v1), ","); got != "zh_cn,en_us" {
		t.Errorf("Locales = %s", got)
	}
	zh := render.Card(v1, render.Options{})
	if !strings.Contains(zh, "一点零卡片") || !strings.Contains(zh, "<strong>中文</strong>") || strings.Contains(zh, "English") {
		t.Errorf("default locale:\n%s", zh)
	}
	en := render.Card(v1, render.Options{Locale: "en_us"})
	if !strings.Contains(en, "A 1.0 card") || !strings.Contains(en, "<strong>English</strong>") || strings.Contains(en, "中文") {
		t.Errorf("en_us:\n%s", en)
	}
	// A locale the card lacks falls back to zh_cn.
	if ja := render.Card(v1, render.Options{Locale: "ja_jp"}); !strings.Contains(ja, "一点零卡片") {
		t.Errorf("ja_jp:\n%s", ja)
	}
	v2 := readCard(t, "all-v2.json")
	en2 := render.Card(v2, render.Options{Locale: "en_us"})
	if !strings.Contains(en2, "All components") || !strings.Contains(en2, "<strong>Bold</strong> English text") {
		t.Errorf("v2 en_us lacks i18n_content")
	}
	// A 1.0 card with only i18n_header + i18n_elements is not blank.
	only := `{"i18n_header":{"zh_cn":{"title":{"tag":"plain_text","content":"标题"}}},"i18n_elements":{"zh_cn":[{"tag":"markdown","content":"正文"}]}}`
	if out := render.Card([]byte(only), render.Options{}); !strings.Contains(out, "标题") || !strings.Contains(out, "正文") {
		t.Errorf("i18n only: %s", out)
	}
	if out := render.Card([]byte(`{"header":{"title":{"tag":"plain_text","content":"","i18n":{"zh_cn":"多语言"}}}}`), render.Options{}); !strings.Contains(out, "多语言") {
		t.Errorf("i18n title: %s", out)
	}
	if out := render.Card([]byte(`{"schema":"2.0","header":{"title":{"tag":"plain_text","content":"","i18n_content":{"en_us":"Only English"}}}}`), render.Options{}); !strings.Contains(out, "Only English") {
		t.Errorf("i18n_content title with no zh_cn: %s", out)
	}
}

// TestNoStyleInjection: card values never reach a style or on* attribute
// unchecked.
func TestNoStyleInjection(t *testing.T) {
	card := `{"schema":"2.0","config":{"style":{"color":{"cus-0":{"light_mode":"red;background:url(https://evil.example/x)"}}}},"body":{"elements":[
	{"tag":"column_set","horizontal_spacing":"1px;background:url(x)","columns":[{"tag":"column","width":"10px;background:url(https://evil.example)","background_style":"cus-0","padding":"0\" onmouseover=\"x","elements":[]}]},
	{"tag":"img","img_key":"k","size":"10px 10px;x","corner_radius":"expression(alert(1))"},
	{"tag":"interactive_container","has_border":true,"border_color":"red;x:y","corner_radius":"5px\"onclick=\"x","elements":[]},
	{"tag":"collapsible_panel","border":{"color":"\"><script>"},"background_color":"url(x)","elements":[]},
	{"tag":"markdown","content":"x","icon":{"tag":"standard_icon","token":"\"onload=\"x","color":"red;x"}},
	{"tag":"input","width":"1px;background:url(x)"}]}}`
	out := render.Card([]byte(card), render.Options{})
	for _, bad := range []string{"url(", "evil", "onmouseover=", "onclick=", "onload=\"", "<script", "expression("} {
		if strings.Contains(out, bad) {
			t.Errorf("rendered card contains %q:\n%s", bad, out)
		}
	}
	for _, m := range regexp.MustCompile(`style="([^"]*)"`).FindAllStringSubmatch(out, -1) {
		for _, decl := range strings.Split(m[1], ";") {
			if !regexp.MustCompile(`^[a-z-]+:[#0-9A-Za-z .,%()-]+$`).MatchString(decl) {
				t.Errorf("unexpected style declaration %q", decl)
			}
		}
	}
}

// TestNoPanic: strings that once crashed the renderer draw.
func TestNoPanic(t *testing.T) {
	for _, s := range []string{"\x001\x00", "a\x000\x00b", "**\x00\x00**", "`\x002\x00`", "<at id=\x000\x00></at>", "|a|\n|---|\n|\x001\x00|"} {
		render.Markdown(s, true)
		render.Markdown(s, false)
		b, _ := json.Marshal(map[string]any{"elements": []any{map[string]any{"tag": "markdown", "content": s}}})
		if out := render.Card(b, render.Options{}); !strings.Contains(out, "fp-card") {
			t.Errorf("%q: %s", s, out)
		}
		tb, _ := json.Marshal(map[string]string{"text": s})
		render.Message("text", tb, render.Options{})
	}
}

func TestPage(t *testing.T) {
	page := render.Page("t", render.Card(readCard(t, "all-v2.json"), render.Options{}))
	if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;self&#39;;`) {
		t.Error("the page has no Content-Security-Policy")
	}
	// An SVG namespace is a name, not a load.
	loads := strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
	if strings.Contains(loads, "http://") || strings.Contains(loads, "src=\"https://") {
		t.Error("the page loads something from elsewhere")
	}
}

// TestCorpusDraws: every card of the shared corpus draws with no unknown
// component, when the corpus is present.
func TestCorpusDraws(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "cards-corpus")
	if d := os.Getenv("CARDS_CORPUS"); d != "" {
		dir = d
	}
	valid, _ := filepath.Glob(filepath.Join(dir, "valid", "*.json"))
	if len(valid) == 0 {
		t.Skipf("SKIP: no card corpus at %s (set CARDS_CORPUS)", dir)
	}
	for _, f := range valid {
		b, _ := os.ReadFile(f)
		out := render.Card(b, render.Options{})
		if strings.Contains(out, "fp-unknown") || strings.Contains(out, "could not be drawn") {
			t.Errorf("%s: %s", filepath.Base(f), regexp.MustCompile(`fp-unknown">[^<]*`).FindAllString(out, -1))
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**b** *i* ~~s~~", "\x001\x00", "<at id=all></at>", "|a|\n|---|\n|1|", "- a\n    - b", "```\nx", "<font color=red>x", "<person id=ou_1>", ":OK:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{render.Markdown(s, true), render.Markdown(s, false)} {
			if strings.Contains(out, "<script") || strings.Contains(out, "\x00") {
				t.Fatalf("%q gave %q", s, out)
			}
		}
	})
}

func FuzzCard(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input, which is slow for
	// large ones; TestEveryComponent covers the full card.
	for _, s := range []string{
		`{"schema":"2.0","config":{"style":{"color":{"c":{"light_mode":"rgba(1,2,3,0.5)"}}}},"body":{"elements":[{"tag":"column_set","flex_mode":"bisect","columns":[{"tag":"column","width":"12px","background_style":"c","elements":[{"tag":"markdown","content":"**a**"}]}]}]}}`,
		`{"i18n_header":{"en_us":{"title":{"tag":"plain_text","content":"t"}}},"i18n_elements":{"en_us":[{"tag":"div","text":{"tag":"lark_md","content":"<at id=all></at>"}}]}}`,
		`{"schema":"2.0","body":{"elements":[{"tag":"table","columns":[{"name":"p","data_type":"persons"},{"name":"d","data_type":"date"}],"rows":[{"p":["ou_1"],"d":1}]}]}}`,
		`{"schema":"2.0","body":{"elements":[{"tag":"button","behaviors":[{"type":"callback","value":{"a":1}}]},{"tag":"select_static","options":[{"text":{"tag":"plain_text","content":"x"},"value":"1"}]},{"tag":"chart","chart_spec":{"type":"bar"}}]}}`,
		`{"schema":"2.0","body":{"elements":[{"tag":"collapsible_panel","expanded":true,"header":{"title":{"tag":"markdown","content":"*x*"}},"elements":[{"tag":"person","user_id":"ou_1"}]}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"elements":[{"tag":"markdown","content":"\u00001\u0000"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := render.Card(b, render.Options{})
		if strings.Contains(out, "could not be drawn") {
			t.Fatalf("the renderer panicked on %q", b)
		}
		for _, loc := range render.Locales(b) {
			render.Card(b, render.Options{Locale: loc})
		}
	})
}

// TestColumnSetModes: columns sit in a row at desktop width whatever the
// flex_mode; the mode applies to narrow cards, through the stylesheet.
func TestColumnSetModes(t *testing.T) {
	out := render.Card([]byte(`{"schema":"2.0","body":{"elements":[{"tag":"column_set","flex_mode":"stretch","columns":[
	{"tag":"column","width":"weighted","weight":2,"elements":[]},{"tag":"column","width":"auto","elements":[]},{"tag":"column","width":"120px","elements":[]}]}]}}`), render.Options{})
	for _, want := range []string{`<div class="fp-colset fp-flex-stretch">`, `style="flex:2 1 0"`, `style="flex:0 1 auto"`, `style="flex:0 0 120px"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
	if !strings.Contains(render.CSS(), "@container (max-width:420px){.fp-flex-stretch{flex-direction:column}") {
		t.Error("no narrow-card rule for stretch")
	}
}

// TestMessageRecovers: a message whose drawing fails yields a notice, not
// a crash of the page that serves it.
func TestMessageRecovers(t *testing.T) {
	o := render.Options{PersonName: func(string) string { panic("boom") }}
	out := render.Message("interactive", []byte(`{"elements":[{"tag":"person","user_id":"ou_1"}]}`), o)
	if !strings.Contains(out, "could not be drawn") {
		t.Errorf("got %s", out)
	}
}

func TestCustomColours(t *testing.T) {
	out := render.Card([]byte(`{"schema":"2.0","config":{"style":{"color":{"cus-0":{"light_mode":"rgba(5,157,178,0.52)","dark_mode":"rgba(1,1,1,1)"}}}},"body":{"elements":[
	{"tag":"markdown","content":"<font color='cus-0'>x</font>"},{"tag":"div","text":{"tag":"plain_text","content":"y","text_color":"cus-0"}},
	{"tag":"interactive_container","background_style":"cus-0","elements":[]}]}}`), render.Options{})
	if n := strings.Count(out, "rgba(5,157,178,0.52)"); n != 3 {
		t.Errorf("custom colour used %d times, want 3:\n%s", n, out)
	}
}
