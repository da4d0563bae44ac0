package card_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/card"
	"github.com/feishu-push/feishu-push/pkg/vchart"
)

// chart is a chart element with a small line chart_spec; extra holds more
// properties, spec more keys of the chart_spec.
func chart(extra, spec string) string {
	if extra != "" {
		extra += ","
	}
	if spec != "" {
		spec = "," + spec
	}
	return `{"tag":"chart",` + extra + `"chart_spec":{"type":"line","data":{"values":[{"x":"a","y":1},{"x":"b","y":2}]},"xField":"x","yField":"y"` + spec + `}}`
}

func charts(n int, wrap func(string) string) string {
	return strings.TrimSuffix(strings.Repeat(wrap(chart("", ""))+",", n), ",")
}

func inColumn(el string) string {
	return `{"tag":"column_set","columns":[{"tag":"column","elements":[` + el + `]}]}`
}

// TestChartRefused: each rule of the chart component, with a card that
// breaks it; lint finds it first, with its path and the Feishu code it
// predicts, and a send (Validate) refuses it.
func TestChartRefused(t *testing.T) {
	v1 := func(els string) string { return `{"elements":[` + els + `]}` }
	same := func(s string) string { return s }
	for _, tc := range []struct {
		name, card string
		want       string
		code       int
	}{
		{"aspect_ratio", v2(chart(`"aspect_ratio":"3:2"`, "")), `body.elements[0].aspect_ratio: "3:2" is not one of 1:1, 2:1, 4:3, 16:9`, 200621},
		{"color_theme", v2(chart(`"color_theme":"dark"`, "")), `body.elements[0].color_theme: "dark" is not one of brand, rainbow, complementary, converse, primary`, 200621},
		{"height format", v2(chart(`"height":"300"`, "")), `body.elements[0].height: "300": want "auto" or a height in pixels from 1px to 999px`, 200621},
		{"height percent", v2(chart(`"height":"50%"`, "")), `body.elements[0].height: "50%"`, 200621},
		{"height number", v2(chart(`"height":300`, "")), `body.elements[0].height: must be a string, not a number`, 200621},
		{"preview", v2(chart(`"preview":"yes"`, "")), `body.elements[0].preview: must be true or false`, 200621},
		{"unknown property", v2(chart(`"theme":"dark"`, "")), `body.elements[0].theme: "theme" is not a documented property`, 200621},
		{"chart_spec required", v2(`{"tag":"chart","aspect_ratio":"16:9"}`), `body.elements[0].chart_spec: required property missing`, 200621},
		{"chart_spec required 1.0", v1(`{"tag":"chart"}`), `elements[0].chart_spec: required property missing`, 200621},
		{"chart_spec a string", v2(`{"tag":"chart","chart_spec":"{\"type\":\"line\"}"}`), `body.elements[0].chart_spec: must be an object, not a string`, 200621},
		{"chart_spec a string 1.0", v1(`{"tag":"chart","chart_spec":"{\"type\":\"line\"}"}`), `elements[0].chart_spec: must be a VChart spec as a JSON object, not a string (Feishu error 200550)`, 200550},
		{"type missing", v2(`{"tag":"chart","chart_spec":{"data":{"values":[]}}}`), `body.elements[0].chart_spec.type: a chart_spec needs a type, e.g. line, bar, area, pie (Feishu error 200550)`, 200550},
		{"type not a string", v2(`{"tag":"chart","chart_spec":{"type":["line"]}}`), `body.elements[0].chart_spec.type: must be a chart type such as line, bar, area, pie, not an array`, 200550},
		{"type empty", v2(`{"tag":"chart","chart_spec":{"type":""}}`), `body.elements[0].chart_spec.type: must be a chart type`, 200550},
		{"function string", v2(chart("", `"label":{"visible":true,"formatter":"function (datum) { return datum.y + '%'; }"}`)),
			`body.elements[0].chart_spec.label.formatter: "function (datum) { return datum.y + '%';…" looks like a JavaScript function`, 200550},
		{"arrow function", v2(chart("", `"tooltip":{"mark":{"content":[{"value":"(datum) => datum.y"}]}}`)),
			`body.elements[0].chart_spec.tooltip.mark.content[0].value: "(datum) => datum.y" looks like a JavaScript function`, 200550},
		{"bare arrow function", v2(chart("", `"bar":{"style":{"fill":"d=>d.y>1?'red':'blue'"}}`)), `body.elements[0].chart_spec.bar.style.fill:`, 200550},
		{"function key", v2(chart("", `"axes":[{"orient":"left","label":{"formatMethod":"return v"}}]`)),
			`body.elements[0].chart_spec.axes[0].label.formatMethod: "formatMethod" takes a JavaScript function in VChart`, 200550},
		{"function in 1.0", v1(chart("", `"title":{"text":"x","formatMethod":"f"}`)), `elements[0].chart_spec.title.formatMethod:`, 200550},
		{"six charts", v2(charts(6, same)), `body.elements[5]: 6 chart components, over Feishu's limit of 5 per card (Feishu error 11310) [chart]`, 11310},
		{"six charts nested", v2(charts(3, same) + "," + charts(3, inColumn)), `body.elements[5].columns[0].elements[0]: 6 chart components`, 11310},
		{"six charts 1.0", v1(charts(6, same)), `elements[5]: 6 chart components`, 11310},
		{"six charts in one locale", `{"i18n_elements":{"zh_cn":[` + charts(5, same) + `],"en_us":[` + charts(6, same) + `]}}`,
			`i18n_elements.en_us[5]: 6 chart components`, 11310},
	} {
		fs := card.Lint([]byte(tc.card), card.App)
		var first *card.Finding
		for i := range fs {
			if !fs[i].Warning {
				first = &fs[i]
				break
			}
		}
		if first == nil || !strings.Contains(first.String(), tc.want) {
			t.Errorf("%s: findings %v, want first %q", tc.name, fs, tc.want)
			continue
		}
		if first.Code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, first.Code, tc.code)
		}
		if err := card.Validate([]byte(tc.card)); err == nil {
			t.Errorf("%s: Validate accepts what Lint refuses", tc.name)
		} else if e, ok := err.(*card.Error); !ok || e.Code != tc.code {
			t.Errorf("%s: Validate: %v, want code %d", tc.name, err, tc.code)
		}
	}
}

// TestChartAccepted: chart elements Feishu documents pass with no error,
// and the uncertain cases only warn.
func TestChartAccepted(t *testing.T) {
	same := func(s string) string { return s }
	for _, tc := range []struct{ name, card, warning string }{
		{"every documented property", v2(chart(`"element_id":"sales_chart","margin":"0px 0px 8px 0px","aspect_ratio":"4:3","color_theme":"rainbow","height":"300px","preview":false`, "")), ""},
		{"every ratio and theme", v2(chart(`"aspect_ratio":"1:1","color_theme":"brand"`, "") + "," + chart(`"aspect_ratio":"2:1","color_theme":"complementary"`, "") + "," +
			chart(`"aspect_ratio":"16:9","color_theme":"converse","height":"auto"`, "") + "," + chart(`"color_theme":"primary","height":"999px"`, "") + "," + chart(`"height":"1px"`, "")), ""},
		{"five charts", v2(charts(3, same) + "," + charts(2, inColumn)), ""},
		{"five charts per locale", `{"i18n_elements":{"zh_cn":[` + charts(5, same) + `],"en_us":[` + charts(5, same) + `]}}`, ""},
		{"chart in 1.0", `{"header":{"title":{"tag":"plain_text","content":"t"}},"elements":[` + chart(`"aspect_ratio":"16:9","color_theme":"brand","height":"auto","preview":true`, "") + `]}`, ""},
		{"1.0 ignores 2.0 properties", `{"elements":[` + chart(`"element_id":"c1","margin":"4px"`, "") + `]}`, ""},
		{"common chart", v2(`{"tag":"chart","chart_spec":{"type":"common","data":[{"values":[]}],"series":[{"type":"bar","xField":"x","yField":"y"},{"type":"line","xField":"x","yField":"y"}]}}`), ""},
		{"documented types", v2(`{"tag":"chart","chart_spec":{"type":"wordCloud"}},{"tag":"chart","chart_spec":{"type":"linearProgress"}},{"tag":"chart","chart_spec":{"type":"circularProgress"}},{"tag":"chart","chart_spec":{"type":"funnel"}},{"tag":"chart","chart_spec":{"type":"radar"}}`), ""},
		{"string template formatter", v2(chart("", `"label":{"visible":true,"formatter":"{y}%"}`)), ""},
		{"the word function", v2(chart("", `"title":{"text":"Cost function (est.)"}`)), ""},
		{"empty spec", v2(`{"tag":"chart","chart_spec":{}}`), "empty chart_spec"},
		{"unknown type", v2(`{"tag":"chart","chart_spec":{"type":"spiral"}}`), `"spiral" is not a chart type VChart documents`},
		{"height over the range", v2(chart(`"height":"1200px"`, "")), "the docs allow 1px to 999px"},
		{"height zero", v2(chart(`"height":"0px"`, "")), "the docs allow 1px to 999px"},
		{"arrow in a label", v2(chart("", `"title":{"text":"收入 => 利润"}`)), "may be JavaScript"},
		{"dashboard native chart", readFile(t, "../dashboard/testdata/sales.native.v2.golden"), ""},
	} {
		fs := card.Lint([]byte(tc.card), card.App)
		warned := false
		for _, f := range fs {
			if !f.Warning {
				t.Errorf("%s: %v", tc.name, f)
			} else if tc.warning == "" {
				t.Errorf("%s: unexpected warning %v", tc.name, f)
			} else if strings.Contains(f.String(), tc.warning) {
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

// TestChartElementsPass: every chart element pkg/vchart builds passes the
// schema in both card versions, alone and five to a card.
func TestChartElementsPass(t *testing.T) {
	var els []string
	for _, c := range []vchart.Chart{
		{Type: vchart.Line, Title: "近 7 日销售额", X: []string{"11-15", "11-16", "11-17"}, Series: []vchart.Series{{Name: "销售额", Values: []float64{1, 2, 3}}, {Name: "目标", Values: []float64{2, 2, 2}}}},
		{Type: vchart.Bar, X: []string{"a", "b"}, Series: []vchart.Series{{Name: "n", Values: []float64{10, 2}}, {Name: "m", Values: []float64{0.1, 0.3}}}},
		{Type: vchart.Area, X: []string{"a", "b"}, Series: []vchart.Series{{Name: "n", Values: []float64{1, 2}}}},
		{Type: vchart.Pie, X: []string{"a", "b", "c"}, Series: []vchart.Series{{Name: "share", Values: []float64{1, 2, 3}}}},
		{Type: vchart.Bar, X: strings.Split("a b c d e f g h i j k l m n o p q r s t", " "), Series: []vchart.Series{{Name: "销售额", Values: make([]float64, 20)}}, Unit: "¥"},
	} {
		el, err := vchart.NewElement(&c)
		if err != nil {
			t.Fatalf("%s: %v", c.Type, err)
		}
		els = append(els, string(el.JSON()))
	}
	all := strings.Join(els, ",")
	for _, c := range append(els, all) {
		for _, doc := range []string{v2(c), `{"elements":[` + c + `]}`} {
			if !json.Valid([]byte(doc)) {
				t.Fatalf("invalid JSON: %s", doc)
			}
			for _, f := range card.Lint([]byte(doc), card.App) {
				t.Errorf("%v in %.200s", f, doc)
			}
		}
	}
}
