package feishutest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/card"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// sendCard posts a card through a webhook and returns the answer's code and
// message.
func sendCard(t *testing.T, srv *feishutest.Server, cardJSON string) (int, string) {
	t.Helper()
	a := post(t, srv.WebhookURL("hook"), "", `{"msg_type":"interactive","card":`+cardJSON+`}`)
	msg, _ := a.body["msg"].(string)
	return a.code(), msg
}

// TestSandboxRefusesCards: the fake refuses what Feishu refuses, with the
// documented 230099 sub-code and the path of the problem.
func TestSandboxRefusesCards(t *testing.T) {
	srv := feishutest.NewServer(t, feishutest.WithAnyWebhook(""), feishutest.WithImages("img_v3_ok"))
	v2 := func(els string) string { return `{"schema":"2.0","body":{"elements":[` + els + `]}}` }
	for _, tc := range []struct {
		name, card, want string
	}{
		{"top-level elements in 2.0", `{"schema":"2.0","elements":[{"tag":"markdown","content":"x"}]}`, "ErrCode: 200621; ErrPath: ROOT -> elements"},
		{"hex header colour", `{"schema":"2.0","header":{"template":"#FF0000","title":{"tag":"plain_text","content":"t"}}}`, "ErrCode: 200621; ErrPath: ROOT -> header -> template"},
		{"duplicate element_id", v2(`{"tag":"hr","element_id":"a"},{"tag":"markdown","content":"x","element_id":"a"}`), "ErrPath: ROOT -> body -> elements -> [1] -> element_id"},
		{"undeclared column", v2(`{"tag":"table","columns":[{"name":"a"}],"rows":[{"b":1}]}`), "ErrCode: 200915"},
		{"row not an object", v2(`{"tag":"table","columns":[{"name":"a"}],"rows":["x"]}`), "ErrCode: 200914"},
		{"1.0 tag in 2.0", v2(`{"tag":"action","actions":[]}`), "ErrCode: 200861"},
		{"unknown property", v2(`{"tag":"markdown","content":"x","text_color":"red"}`), "ErrCode: 200621; ErrPath: ROOT -> body -> elements -> [0] -> text_color"},
		{"config key", `{"schema":"2.0","config":{"wide_screen_mode":true}}`, "ErrCode: 200621; ErrPath: ROOT -> config -> wide_screen_mode"},
		{"bare title", `{"header":{"title":"t"}}`, "ErrCode: 200621"},
		{"html in markdown", v2(`{"tag":"markdown","content":"<table><tr><td>x</td></tr></table>"}`), "ErrCode: 11246"},
		{"too many tables", v2(strings.Repeat(`{"tag":"markdown","content":"|a|\n|---|\n|1|"},`, 5) + `{"tag":"table","columns":[],"rows":[]}`), "ErrCode: 11310"},
		{"img key unknown", v2(`{"tag":"img","img_key":"img_v3_nope"}`), "ErrCode: 200570; ErrPath: ROOT -> body -> elements -> [0] -> img_key"},
		{"img_combination key", v2(`{"tag":"img_combination","combination_mode":"double","img_list":[{"img_key":"img_v3_ok"},{"img_key":"img_v3_bad"}]}`), "ErrCode: 200570; ErrPath: ROOT -> body -> elements -> [0] -> img_list -> [1] -> img_key"},
		{"icon key", `{"schema":"2.0","header":{"title":{"tag":"plain_text","content":"t"},"icon":{"tag":"custom_icon","img_key":"img_v3_bad"}}}`, "ErrCode: 200570"},
		{"i18n image key", v2(`{"tag":"img","img_key":"img_v3_ok","i18n_img_key":{"en_us":"img_v3_bad"}}`), "ErrCode: 200570"},
		{"i18n_elements checked", `{"i18n_elements":{"zh_cn":[{"tag":"foo"}]}}`, "ErrCode: 200861"},
	} {
		code, msg := sendCard(t, srv, tc.card)
		if code != 230099 || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: code %d %q, want 230099 with %q", tc.name, code, msg, tc.want)
		}
		// Lint and every send see the same problem.
		if card.Validate([]byte(tc.card)) == nil && !strings.Contains(tc.want, "200570") {
			t.Errorf("%s: the sandbox refuses a card that Validate accepts", tc.name)
		}
	}
	for _, ok := range []string{
		`{"schema":"2.0"}`,
		`{"elements":[{"tag":"img","img_key":"img_v3_ok"}]}`,
		v2(`{"tag":"img","img_key":"img_v3_ok","alt":{"tag":"plain_text","content":""}}`),
		`{"schema":"2.0","i18n_header":{"zh_cn":{"title":{"tag":"plain_text","content":"t"}}}}`,
	} {
		if code, msg := sendCard(t, srv, ok); code != 0 {
			t.Errorf("%s: refused: %d %s", ok, code, msg)
		}
	}
}

// TestSandboxCorpus sends the shared corpus of real cards through the fake,
// when it is present: the valid ones are accepted, the rule-breakers refused.
func TestSandboxCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "cards-corpus")
	if d := os.Getenv("CARDS_CORPUS"); d != "" {
		dir = d
	}
	valid, _ := filepath.Glob(filepath.Join(dir, "valid", "*.json"))
	if len(valid) == 0 {
		t.Skipf("SKIP: no card corpus at %s (set CARDS_CORPUS)", dir)
	}
	var keys []string
	read := func(f string) []byte {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, f := range valid {
		obj, err := card.Parse(read(f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range card.ImageKeys(obj) {
			keys = append(keys, r.Key) // the published keys; Feishu knows them
		}
	}
	srv := feishutest.NewServer(t, feishutest.WithAnyWebhook(""), feishutest.WithImages(keys...))
	for _, f := range valid {
		b := read(f)
		var compact json.RawMessage = card.Compact(b)
		if code, msg := sendCard(t, srv, string(compact)); code != 0 {
			t.Errorf("%s: refused: %d %s", filepath.Base(f), code, msg)
		}
	}
	breakers, _ := filepath.Glob(filepath.Join(dir, "doc-rule-breakers", "*.json"))
	for _, f := range breakers {
		if code, _ := sendCard(t, srv, string(card.Compact(read(f)))); code != 230099 {
			t.Errorf("%s: accepted, yet it breaks a documented rule", filepath.Base(f))
		}
	}
}

// TestSandboxCharts: the fake refuses chart elements that break the
// component's documented rules, with the code lint predicts (200550 in
// Feishu's form for a bad chart_spec), and accepts the documented ones and
// the dashboard's native chart card.
func TestSandboxCharts(t *testing.T) {
	srv := feishutest.NewServer(t, feishutest.WithAnyWebhook(""))
	v2 := func(els string) string { return `{"schema":"2.0","body":{"elements":[` + els + `]}}` }
	line := `{"tag":"chart","chart_spec":{"type":"line","data":{"values":[{"x":"a","y":1}]},"xField":"x","yField":"y"}}`
	withProps := func(props string) string {
		return `{"tag":"chart",` + props + `,"chart_spec":{"type":"bar","data":{"values":[]}}}`
	}
	for _, tc := range []struct{ name, card, want string }{
		{"function in chart_spec", v2(`{"tag":"markdown","content":"x"},{"tag":"chart","chart_spec":{"type":"bar","label":{"formatter":"function(d){return d.y}"}}}`),
			"ErrCode: 200550; ErrPath: ROOT -> body -> elements -> [1](tag: chart); ErrMsg: chart spec is invalid; ErrorValue: chart_spec.label.formatter:"},
		{"arrow function", v2(`{"tag":"chart","chart_spec":{"type":"bar","tooltip":{"mark":{"title":{"value":"d => d.x"}}}}}`), "ErrCode: 200550"},
		{"function key", v2(`{"tag":"chart","chart_spec":{"type":"pie","label":{"formatMethod":"x"}}}`), "ErrorValue: chart_spec.label.formatMethod:"},
		{"no type", v2(`{"tag":"chart","chart_spec":{"data":{"values":[]}}}`), "ErrCode: 200550; ErrPath: ROOT -> body -> elements -> [0](tag: chart); ErrMsg: chart spec is invalid; ErrorValue: chart_spec.type: a chart_spec needs a type"},
		{"no chart_spec", v2(`{"tag":"chart","aspect_ratio":"16:9"}`), "ErrCode: 200621; ErrPath: ROOT -> body -> elements -> [0] -> chart_spec"},
		{"chart_spec a string", v2(`{"tag":"chart","chart_spec":"{}"}`), "ErrCode: 200621; ErrPath: ROOT -> body -> elements -> [0] -> chart_spec"},
		{"chart_spec a string 1.0", `{"elements":[{"tag":"chart","chart_spec":"{}"}]}`, "ErrCode: 200550; ErrPath: ROOT -> elements -> [0](tag: chart)"},
		{"aspect_ratio", v2(withProps(`"aspect_ratio":"21:9"`)), "ErrCode: 200621; ErrPath: ROOT -> body -> elements -> [0] -> aspect_ratio"},
		{"color_theme", v2(withProps(`"color_theme":"dark"`)), "ErrCode: 200621; ErrPath: ROOT -> body -> elements -> [0] -> color_theme"},
		{"height", v2(withProps(`"height":"tall"`)), "ErrCode: 200621; ErrPath: ROOT -> body -> elements -> [0] -> height"},
		{"unknown property", v2(withProps(`"color":"red"`)), "ErrCode: 200621; ErrPath: ROOT -> body -> elements -> [0] -> color"},
		{"six charts", v2(strings.Repeat(line+",", 5) + line), "ErrCode: 11310; ErrPath: ROOT -> body -> elements -> [5]"},
		{"six charts 1.0", `{"elements":[` + strings.Repeat(line+",", 5) + line + `]}`, "ErrCode: 11310; ErrPath: ROOT -> elements -> [5]"},
	} {
		code, msg := sendCard(t, srv, tc.card)
		if code != 230099 || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: code %d %q, want 230099 with %q", tc.name, code, msg, tc.want)
		}
		if card.Validate([]byte(tc.card)) == nil {
			t.Errorf("%s: the sandbox refuses a card that Validate accepts", tc.name)
		}
	}
	native, err := os.ReadFile(filepath.Join("..", "dashboard", "testdata", "sales.native.v2.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{
		v2(strings.Repeat(line+",", 4) + line),
		v2(withProps(`"element_id":"c1","margin":"0px 0px 8px 0px","aspect_ratio":"4:3","color_theme":"rainbow","height":"240px","preview":false`)),
		`{"elements":[` + withProps(`"aspect_ratio":"2:1","color_theme":"converse","height":"auto","preview":true`) + `]}`,
		v2(`{"tag":"chart","chart_spec":{}}`), // the docs' placeholder: a warning only
		string(card.Compact(native)),
	} {
		if code, msg := sendCard(t, srv, ok); code != 0 {
			t.Errorf("%.120s: refused: %d %s", ok, code, msg)
		}
	}
}
