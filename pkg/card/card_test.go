package card_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/feishu-push/feishu-push/pkg/card"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n got: %s\nwant: %s", name, path, got, want)
	}
}

func TestSimpleGolden(t *testing.T) {
	s := card.Simple{
		Title: "每日销售看板", Color: "green", Content: "**¥128,430** <at id=all></at>\n第二行",
		Buttons: []card.Button{{Label: "查看详情", URL: "https://bi.example.com/a?b=1&c=2", Type: "primary"}},
		Note:    "data as of 18:00",
	}
	got, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Validate(got); err != nil {
		t.Fatal(err)
	}
	golden(t, "simple", got)
	if _, err := (card.Simple{Title: "x", Color: "pink"}).JSON(); err == nil || !strings.Contains(err.Error(), "blue, wathet") {
		t.Errorf("unknown colour: err = %v", err)
	}
	if _, err := (card.Simple{}).JSON(); err == nil {
		t.Error("empty card accepted")
	}
}

func TestParseButton(t *testing.T) {
	b, err := card.ParseButton("Logs, all=https://ci.example.com/x?a=b=c")
	if err != nil || b.Label != "Logs, all" || b.URL != "https://ci.example.com/x?a=b=c" {
		t.Errorf("got %+v, %v", b, err)
	}
	for _, bad := range []string{"Logs", "=https://x", "Logs=", "Logs=ci.example.com", "Logs=javascript:alert(1)", "Logs=https://"} {
		if _, err := card.ParseButton(bad); err == nil {
			t.Errorf("ParseButton(%q) accepted", bad)
		}
	}
}

const tmpl = `{
  "header": {"title": {"tag": "plain_text", "content": "{{.title}}"}},
  "elements": [
    {{- range $i, $r := .rows}}{{if $i}},{{end}}
    {"tag": "markdown", "content": "**{{$r.name}}**: {{$r.value}}"}
    {{- end}}
  ],
  "count": {{.count}}
}`

func TestRenderEscapesForJSON(t *testing.T) {
	tricky := "a \"quote\", a \\ backslash, {{ braces }}, <b>tags</b> & more\nnew line\ttab 😀 \u2028"
	data, err := card.DecodeData(strings.NewReader(`{"count": 1024, "rows": [{"name": "x", "value": 1.5}, {"name": "y", "value": 2000000}]}`))
	if err != nil {
		t.Fatal(err)
	}
	data["title"] = tricky
	out, err := card.Render("t.tmpl", []byte(tmpl), data)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Header   struct{ Title struct{ Content string } }
		Elements []struct{ Content string }
		Count    json.Number
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	if got.Header.Title.Content != tricky {
		t.Errorf("title = %q, want %q", got.Header.Title.Content, tricky)
	}
	if len(got.Elements) != 2 || got.Elements[1].Content != "**y**: 2000000" || got.Count != "1024" {
		t.Errorf("got %+v", got)
	}
	golden(t, "render", out)
}

func TestRenderErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		data      map[string]any
		want      string
	}{
		{"missing key", tmpl, map[string]any{"title": "x", "count": 1}, `t.tmpl:4: missing key "rows"`},
		{"missing nested key", tmpl, map[string]any{"title": "x", "count": 1, "rows": []any{map[string]any{"name": "a"}}}, `t.tmpl:5: missing key "value"`},
		{"parse error", "{\n\"a\": \"{{.x}\"\n}", nil, "t.tmpl:2:"},
		{"quote across if", "{\n\"a\": \"{{if .x}}\"{{end}}\"}", map[string]any{"x": 1}, "t.tmpl:2: a quote opened inside {{if}}"},
		{"not json", "{\n\"a\": \"{{.x}}\",\n}", map[string]any{"x": 1}, "t.tmpl: rendered card is not valid: line 3"},
		{"not utf8", "{\"a\": \"\xff\"}", nil, "not UTF-8"},
		{"unknown function", `{"a": "{{nope .x}}"}`, nil, `function "nope" not defined`},
	} {
		_, err := card.Render("t.tmpl", []byte(tc.src), tc.data)
		var te *card.TemplateError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "_feishu_push") {
			t.Errorf("%s: error leaks an internal name: %v", tc.name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		card, want string
	}{
		{`{}`, ""},
		{`{"elements":[{"tag":"note","elements":[]}]}`, ""},
		{`{"type":"template","data":{"template_id":"AAq1"}}`, ""},
		{`{"schema":"2.0","body":{"elements":[{"tag":"markdown","content":"x"}]}}`, ""},
		{``, "empty card JSON"},
		{`[1]`, "must be a JSON object"},
		{"{\n  \"a\": 1,\n}", "line 3, column 1"},
		{`{} {}`, "unexpected data after the card object"},
		{`{"type":"template","data":{}}`, "data.template_id"},
		{`{"schema":"3.0"}`, "schema: unknown schema"},
		{`{"schema":"2.0","elements":[]}`, "elements: unknown field"},
		{`{"schema":"2.0"}`, ""}, // body is optional
		{`{"schema":"1.0","elements":[]}`, ""},
		{`{"elements":[{"tag":"img","img_key":"img_v2_x"}]}`, ""}, // alt: a warning only
		{`{"schema":"2.0","body":{"elements":[{"tag":"markdown","content":"x"},{"tag":"note"}]}}`, "body.elements[1].tag: \"note\" is a 1.0-only tag"},
		{`{"schema":"2.0","body":{"elements":[{"tag":"column_set","columns":[{"tag":"column","elements":[{"tag":"action"}]}]}]}}`, "body.elements[0].columns[0].elements[0].tag"},
		{`{"header":{"template":"pink"}}`, "header.template: unknown colour"},
		{`{"elements":{}}`, "elements: must be an array"},
		{`{"elements":[{"tag":"img","alt":{}}]}`, "elements[0].img_key"},
	} {
		err := card.Validate([]byte(tc.card))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Validate(%s) = %v, want ok", tc.card, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Validate(%s) = %v, want %q", tc.card, err, tc.want)
		}
	}
	many := `{"schema":"2.0","body":{"elements":[` + strings.Repeat(`{"tag":"markdown","content":"x"},`, 200) + `{"tag":"hr"}]}}`
	if err := card.Validate([]byte(many)); err == nil || !strings.Contains(err.Error(), "201 components") {
		t.Errorf("201 elements: err = %v", err)
	}
}

func TestExamplesRender(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "templates")
	tmpls, _ := filepath.Glob(filepath.Join(dir, "*.tmpl"))
	if len(tmpls) == 0 {
		t.Fatal("no templates in examples/templates")
	}
	for _, p := range tmpls {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(strings.TrimSuffix(p, ".tmpl") + ".json")
		if err != nil {
			t.Fatalf("%s has no sample data: %v", p, err)
		}
		data, err := card.DecodeData(fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		out, err := card.Render(filepath.Base(p), src, data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if err := card.Validate(out); err != nil {
			t.Errorf("%s renders an invalid card: %v", p, err)
		}
		golden(t, "example-"+strings.TrimSuffix(filepath.Base(p), ".tmpl"), out)
	}
	cards, _ := filepath.Glob(filepath.Join("..", "..", "examples", "cards", "*.json"))
	for _, p := range cards {
		b, _ := os.ReadFile(p)
		if err := card.Validate(b); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"plain", "\"quoted\"", "back\\slash", "{{.x}}", "<b>&amp;</b>", "emoji 😀", "\x00\x1f", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		out, err := card.Render("f.tmpl", []byte(`{"elements":[{"tag":"markdown","content":"x{{.v}}y"}],"n":{{.v}}}`), map[string]any{"v": value})
		if err != nil {
			t.Fatalf("value %q: %v", value, err)
		}
		var got struct {
			Elements []struct{ Content string }
			N        string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("value %q: invalid JSON %s: %v", value, out, err)
		}
		if !utf8.ValidString(value) {
			return // encoding/json replaced the bad bytes with U+FFFD; the JSON is valid
		}
		if got.Elements[0].Content != "x"+value+"y" || got.N != value {
			t.Fatalf("value %q came back as %q / %q", value, got.Elements[0].Content, got.N)
		}
	})
}

func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{}`, `{"schema":"2.0","body":{"elements":[]}}`, `{"elements":[{"tag":"img"}]}`, `[`, `{"type":"template"}`,
		`{"elements":[{"tag":"chart","height":"9px","chart_spec":{"type":"bar","label":{"formatter":"(d) => d"}}}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := card.Validate(b)
		if err == nil && !json.Valid(b) {
			t.Fatalf("invalid JSON accepted: %q", b)
		}
	})
}
