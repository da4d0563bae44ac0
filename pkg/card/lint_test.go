package card_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/card"
)

// v2 wraps 2.0 body elements into a card.
func v2(elements string) string { return `{"schema":"2.0","body":{"elements":[` + elements + `]}}` }

func TestLintFindings(t *testing.T) {
	for _, tc := range []struct {
		name, card string
		want       string // the first finding, as printed
		code       int
	}{
		{"v2 note", v2(`{"tag":"markdown","content":"x"},{"tag":"markdown","content":"y"},{"tag":"hr"},{"tag":"note","elements":[]}`),
			`body.elements[3].tag: "note" is a 1.0-only tag; schema 2.0 cards reject it (Feishu error 200861) [v2-tag]`, 200861},
		{"v2 unknown field", `{"schema":"2.0","i18n_elements":{},"body":{"elements":[]}}`, "i18n_elements: unknown field in a schema 2.0 card", 200621},
		{"v2 update_multi", `{"schema":"2.0","config":{"update_multi":false},"body":{"elements":[]}}`, "config.update_multi: must be true", 200621},
		{"v2 config key", `{"schema":"2.0","config":{"wide_screen_mode":true},"body":{"elements":[]}}`, `config.wide_screen_mode: "wide_screen_mode" is not a documented property`, 200621},
		{"v2 header key", `{"schema":"2.0","header":{"title":{"tag":"plain_text","content":"t"},"colour":"red"}}`, `header.colour: "colour" is not a documented property`, 200621},
		{"v2 body key", `{"schema":"2.0","body":{"elements":[],"gap":1}}`, `body.gap:`, 200621},
		{"colour", `{"header":{"template":"navy","title":{"tag":"plain_text","content":"t"}}}`, `header.template: unknown colour "navy"`, 200621},
		{"hex colour", `{"schema":"2.0","header":{"template":"#FF0000","title":{"tag":"plain_text","content":"t"}}}`, `header.template: unknown colour "#FF0000"`, 200621},
		{"button type", `{"elements":[{"tag":"action","actions":[{"tag":"button","type":"big","url":"https://x.example"}]}]}`, `elements[0].actions[0].type: "big" is not one of default, primary`, 200621},
		{"button url", `{"elements":[{"tag":"action","actions":[{"tag":"button","type":"primary","url":"ci.example.com/1"}]}]}`, `elements[0].actions[0].url: "ci.example.com/1" is not an absolute URL`, 200621},
		{"v2 behaviour url", v2(`{"tag":"button","behaviors":[{"type":"open_url","default_url":""}]}`), "body.elements[0].behaviors[0].default_url: an open_url behavior needs a default_url", 200621},
		{"img key", `{"elements":[{"tag":"img","alt":{"tag":"plain_text","content":""}}]}`, "elements[0].img_key: required property missing", 200621},
		{"element_id format", v2(`{"tag":"markdown","content":"x","element_id":"1st"}`), `body.elements[0].element_id: "1st": letters, digits and _`, 200621},
		{"element_id twice", v2(`{"tag":"hr","element_id":"a"},{"tag":"hr","element_id":"a"}`), `body.elements[1].element_id: "a" is already used at body.elements[0]`, 200621},
		{"element_id nested twice", v2(`{"tag":"column_set","element_id":"a","columns":[{"tag":"column","element_id":"a"}]}`), `body.elements[0].columns[0].element_id: "a" is already used`, 200621},
		{"page_size", v2(`{"tag":"table","page_size":20,"columns":[{"name":"a"}],"rows":[]}`), "body.elements[0].page_size: 20: want a whole number from 1 to 10", 200621},
		{"undeclared row key", v2(`{"tag":"table","columns":[{"name":"a"}],"rows":[{"a":1,"b":2}]}`), `body.elements[0].rows[0].b: "b" is not a declared column name (Feishu error 200915) [table]`, 200915},
		{"row not object", v2(`{"tag":"table","columns":[{"name":"a"}],"rows":[1]}`), `body.elements[0].rows[0]: a row is an object`, 200914},
		{"data_type", v2(`{"tag":"table","columns":[{"name":"a","data_type":"money"}],"rows":[]}`), `body.elements[0].columns[0].data_type: "money"`, 200621},
		{"nested table", v2(`{"tag":"column_set","columns":[{"tag":"column","elements":[{"tag":"table","columns":[],"rows":[]}]}]}`), "body.elements[0].columns[0].elements[0]: a table must sit directly", 200621},
		{"six tables", v2(strings.Repeat(`{"tag":"table","columns":[],"rows":[]},`, 5) + `{"tag":"table","columns":[],"rows":[]}`), "6 tables (markdown tables included), over Feishu's limit of 5", 11310},
		{"markdown tables count", v2(strings.Repeat(`{"tag":"table","columns":[],"rows":[]},`, 4) + `{"tag":"markdown","content":"|a|b|\n|---|---|\n|1|2|\n\n|c|\n|---|\n|3|"}`), "6 tables (markdown tables included)", 11310},
		{"five markdown tables in one element", v2(`{"tag":"markdown","content":"` + strings.Repeat(`|a|b|\n|---|---|\n|1|2|\n\n`, 5) + `"}`), "body.elements[0].content: 5 markdown tables in one element", 11310},
		{"size", `{"elements":[{"tag":"markdown","content":"` + strings.Repeat("x", 31*1024) + `"}]}`, "the request would be 31.2 KB, over Feishu's limit of 30 KB for a card message (Feishu error 230025) [size]", 230025},
		{"json", "{\n\"a\":}", "line 2, column 5: invalid JSON", 200621},
		{"unknown property deep", v2(`{"tag":"column_set","columns":[{"tag":"column","elements":[{"tag":"markdown","content":"x","text_color":"red"}]}]}`),
			`body.elements[0].columns[0].elements[0].text_color: "text_color" is not a documented property`, 200621},
		{"chart colour", v2(`{"tag":"chart","chart_spec":{},"color":"red"}`), `body.elements[0].color:`, 200621},
		{"non-object element", v2(`"hello"`), "body.elements[0]: an element must be an object with a tag, not a string", 200621},
		{"non-object column", v2(`{"tag":"column_set","columns":[1]}`), "body.elements[0].columns[0]: an element must be an object", 200621},
		{"non-object action", `{"elements":[{"tag":"action","actions":[null]}]}`, "elements[0].actions[0]: an element must be an object with a tag, not null", 200621},
		{"unknown tag", v2(`{"tag":"carousel"}`), `body.elements[0].tag: unknown tag "carousel"`, 200861},
		{"unknown tag v1", `{"elements":[{"tag":"txt"}]}`, `elements[0].tag: unknown tag "txt"`, 200861},
		{"no tag", `{"elements":[{"content":"x"}]}`, `elements[0].tag: an element needs a tag`, 200621},
		{"bare title", `{"header":{"title":"Deploy"}}`, `header.title: a text object is wanted, not the bare string "Deploy"`, 200621},
		{"bare alt", v2(`{"tag":"img","img_key":"img_v3_x","alt":"logo"}`), `body.elements[0].alt: a text object is wanted`, 200621},
		{"bare button text", `{"elements":[{"tag":"action","actions":[{"tag":"button","text":"Go"}]}]}`, `elements[0].actions[0].text: a text object is wanted`, 200621},
		{"bare field text", `{"elements":[{"tag":"div","fields":[{"is_short":true,"text":"x"}]}]}`, `elements[0].fields[0].text: a text object is wanted`, 200621},
		{"text object tag", `{"elements":[{"tag":"div","text":{"tag":"markdown","content":"x"}}]}`, `elements[0].text.tag: "markdown": a text object's tag is plain_text or lark_md`, 200621},
		{"webhook body", `{"msg_type":"interactive","card":{"elements":[]}}`, `msg_type: this is a webhook request body, not a card`, 200621},
		{"webhook card wrapper", `{"card":{"elements":[]}}`, `card: this is a webhook request body`, 200621},
		{"html in markdown", v2(`{"tag":"markdown","content":"<div>x</div>"}`), `body.elements[0].content: <div> is HTML that card markdown does not support`, 11246},
		{"html in lark_md", `{"elements":[{"tag":"div","text":{"tag":"lark_md","content":"a <span>b</span>"}}]}`, `elements[0].text.content: <span> is HTML`, 11246},
		{"i18n_elements checked", `{"i18n_elements":{"en_us":[{"tag":"div","text":"bare"}]}}`, `i18n_elements.en_us[0].text: a text object is wanted`, 200621},
		{"i18n_header checked", `{"i18n_header":{"zh_cn":{"template":"pink","title":{"tag":"plain_text","content":"x"}}}}`, `i18n_header.zh_cn.template: unknown colour "pink"`, 200621},
		{"text_tag_list checked", `{"header":{"title":{"tag":"plain_text","content":"x"},"text_tag_list":[{"tag":"text_tag","text":"bare"}]}}`, `header.text_tag_list[0].text: a text object is wanted`, 200621},
		{"text_tag_list colour", v2(``)[:len(v2(``))-1] + `,"header":{"title":{"tag":"plain_text","content":"x"},"text_tag_list":[{"tag":"text_tag","text":{"tag":"plain_text","content":"x"},"color":"pink","size":1}]}}`, `header.text_tag_list[0].size:`, 200621},
		{"flex_mode", v2(`{"tag":"column_set","flex_mode":"grid","columns":[]}`), `body.elements[0].flex_mode: "grid" is not one of none, stretch, flow, bisect, trisect`, 200621},
		{"markdown needs content", v2(`{"tag":"markdown"}`), `body.elements[0].content: required property missing`, 200621},
		{"type", v2(`{"tag":"table","page_size":"5","columns":[],"rows":[]}`), `body.elements[0].page_size: must be a number, not a string`, 200621},
		{"unknown column key", v2(`{"tag":"table","columns":[{"name":"a","colour":"red"}],"rows":[]}`), `body.elements[0].columns[0].colour: "colour" is not a documented property`, 200621},
		{"unknown confirm key", v2(`{"tag":"button","text":{"tag":"plain_text","content":"x"},"confirm":{"title":{"tag":"plain_text","content":"t"},"ok":"y"}}`), `body.elements[0].confirm.ok:`, 200621},
		{"bare confirm title", v2(`{"tag":"button","text":{"tag":"plain_text","content":"x"},"confirm":{"title":"t"}}`), `body.elements[0].confirm.title: a text object is wanted`, 200621},
		{"header_style enum", v2(`{"tag":"table","columns":[],"rows":[],"header_style":{"text_align":"middle"}}`), `body.elements[0].header_style.text_align: "middle" is not one of left, center, right`, 200621},
		{"img_list key", v2(`{"tag":"img_combination","combination_mode":"double","img_list":[{"transparent":true}]}`), `body.elements[0].img_list[0].img_key: required property missing`, 200621},
		{"i18n_elements in v2", `{"schema":"2.0","i18n_elements":{"zh_cn":[]}}`, `i18n_elements: unknown field`, 200621},
	} {
		fs := card.Lint([]byte(tc.card), card.App)
		var blocking []card.Finding
		for _, f := range fs {
			if !f.Warning {
				blocking = append(blocking, f)
			}
		}
		if len(blocking) == 0 || !strings.Contains(blocking[0].String(), tc.want) {
			t.Errorf("%s: findings %v, want first %q", tc.name, fs, tc.want)
			continue
		}
		if blocking[0].Code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, blocking[0].Code, tc.code)
		}
		if tc.name != "size" && card.Validate([]byte(tc.card)) == nil {
			t.Errorf("%s: Validate accepts what Lint refuses", tc.name)
		}
	}
	// The webhook limit is lower.
	c := `{"elements":[{"tag":"markdown","content":"` + strings.Repeat("x", 21*1024) + `"}]}`
	if fs := card.Lint([]byte(c), card.App); len(fs) != 0 {
		t.Errorf("21 KB by app: %v", fs)
	}
	if fs := card.Lint([]byte(c), card.Webhook); len(fs) != 1 || !strings.Contains(fs[0].Msg, "20 KB for a webhook body") {
		t.Errorf("21 KB by webhook: %v", fs)
	}
	// A v1 card with a body gets a warning only, which does not stop a send.
	if fs := card.Lint([]byte(`{"body":{"elements":[]}}`), card.App); len(fs) != 1 || !fs[0].Warning || card.Validate([]byte(`{"body":{}}`)) != nil {
		t.Errorf("v1 body: %v", fs)
	}
}

// TestLintAccepts: cards Feishu accepts raise no error (warnings allowed),
// one per rule that once gave a false alarm or that sits near a rejection.
func TestLintAccepts(t *testing.T) {
	for _, tc := range []struct{ name, card, warning string }{
		{"v2 without body", `{"schema":"2.0","header":{"title":{"tag":"plain_text","content":"t"}}}`, ""},
		{"schema 1.0", `{"schema":"1.0","elements":[{"tag":"hr"}]}`, ""},
		{"v1 img without alt", `{"elements":[{"tag":"img","img_key":"img_v2_x"}]}`, "alt"},
		{"v2 i18n_header", `{"schema":"2.0","i18n_header":{"zh_cn":{"title":{"tag":"plain_text","content":"中"}}},"body":{"elements":[]}}`, "i18n_header"},
		{"v1 unknown property ignored", `{"elements":[{"tag":"markdown","content":"x","whatever":1}],"config":{"wide_screen_mode":true}}`, ""},
		{"v1 i18n only", `{"i18n_elements":{"zh_cn":[{"tag":"markdown","content":"中"}],"en_us":[{"tag":"markdown","content":"en"}]},"i18n_header":{"zh_cn":{"title":{"tag":"plain_text","content":"中"}}}}`, ""},
		{"markdown allowed tags", v2(`{"tag":"markdown","content":"<at id=all></at> <font color='red'>x</font> <text_tag color='blue'>t</text_tag> <br> <person id='ou_1'></person> <local_datetime millisecond='1'></local_datetime> <number_tag>1</number_tag> <link url='https://x'>l</link> a<b c>d ` + "`<div>`" + `"}`), ""},
		{"markdown literal less-than", v2(`{"tag":"markdown","content":"p99 < 5ms and x<y"}`), ""},
		{"four markdown tables", v2(`{"tag":"markdown","content":"` + strings.Repeat(`|a|b|\n|---|---|\n|1|2|\n\n`, 4) + `"}`), ""},
		{"all v2 components", readFile(t, "testdata/all-v2.json"), ""},
		{"all v1 components", readFile(t, "testdata/all-v1.json"), "alt"},
		{"collapsible title as markdown", v2(`{"tag":"collapsible_panel","expanded":true,"header":{"title":{"tag":"markdown","content":"**t**"}},"elements":[{"tag":"markdown","content":"x"}]}`), ""},
		{"custom colours", `{"schema":"2.0","config":{"style":{"color":{"cus-0":{"light_mode":"rgba(5,157,178,0.52)","dark_mode":"rgba(78,23,108,0.49)"}}}},"body":{"elements":[{"tag":"column_set","background_style":"cus-0","columns":[]}]}}`, ""},
		{"unknown behavior key warns", v2(`{"tag":"button","text":{"tag":"plain_text","content":"x"},"behaviors":[{"type":"callback","value":{},"extra":1}]}`), "extra"},
		{"template", `{"type":"template","data":{"template_id":"AAq1","template_variable":{"x":1}}}`, ""},
	} {
		fs := card.Lint([]byte(tc.card), card.App)
		warned := false
		for _, f := range fs {
			if !f.Warning {
				t.Errorf("%s: %v", tc.name, f)
			} else if tc.warning != "" && strings.Contains(f.String(), tc.warning) {
				warned = true
			}
		}
		if tc.warning != "" && !warned {
			t.Errorf("%s: no warning about %s: %v", tc.name, tc.warning, fs)
		}
		if err := card.Validate([]byte(tc.card)); err != nil {
			t.Errorf("%s: Validate: %v", tc.name, err)
		}
	}
}

func TestImageKeys(t *testing.T) {
	obj, err := card.Parse([]byte(`{"schema":"2.0","header":{"icon":{"tag":"custom_icon","img_key":"img_h"}},"body":{"elements":[
	{"tag":"img","img_key":"img_a","i18n_img_key":{"en_us":"img_b"}},
	{"tag":"img_combination","combination_mode":"double","img_list":[{"img_key":"img_c"},{"img_key":"img_d"}]},
	{"tag":"select_img","options":[{"img_key":"img_e","value":"1"}]},
	{"tag":"markdown","content":"![hover](img_f)"},
	{"tag":"table","columns":[{"name":"a"}],"rows":[{"a":"img_key"}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range card.ImageKeys(obj) {
		got = append(got, r.Key+"@"+r.Path)
	}
	want := "img_b@body.elements[0].i18n_img_key.en_us img_a@body.elements[0].img_key img_c@body.elements[1].img_list[0].img_key img_d@body.elements[1].img_list[1].img_key img_e@body.elements[2].options[0].img_key img_f@body.elements[3].content img_h@header.icon.img_key"
	if strings.Join(got, " ") != want {
		t.Errorf("ImageKeys:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestLooksLikeCard(t *testing.T) {
	for s, want := range map[string]bool{
		`{"i18n_elements":{"zh_cn":[]}}`:                 true,
		`{"schema":"2.0"}`:                               true,
		`{"msg_type":"interactive","card":{}}`:           true,
		`{"type":"template","data":{"template_id":"x"}}`: true,
		`{"kpis":[],"table":{"columns":[]}}`:             false,
		`{"title":"Sales","chart":{}}`:                   false,
		`not json`:                                       false,
	} {
		if got := card.LooksLikeCard([]byte(s)); got != want {
			t.Errorf("LooksLikeCard(%s) = %v", s, got)
		}
	}
}

// TestCorpus runs the shared corpus of real cards, when it is present:
// every valid card passes with no error, every rule-breaker is flagged.
// The fake Feishu checks the same corpus in pkg/feishutest.
func TestCorpus(t *testing.T) {
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
		for _, x := range card.Lint(b, card.App) {
			if !x.Warning {
				t.Errorf("%s: %v", filepath.Base(f), x)
			}
		}
	}
	breakers, _ := filepath.Glob(filepath.Join(dir, "doc-rule-breakers", "*.json"))
	for _, f := range breakers {
		b, _ := os.ReadFile(f)
		if card.Validate(b) == nil {
			t.Errorf("%s: breaks a documented rule, yet passes", filepath.Base(f))
		}
	}
	t.Logf("corpus: %d valid cards, %d rule-breakers", len(valid), len(breakers))
}

func readFile(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
