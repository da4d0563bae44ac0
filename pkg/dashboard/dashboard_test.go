package dashboard_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/internal/golden"
	"github.com/feishu-push/feishu-push/pkg/card"
	"github.com/feishu-push/feishu-push/pkg/chart"
	"github.com/feishu-push/feishu-push/pkg/dashboard"
)

const examples = "../../examples/dashboard/"

// goldenJSON compares a card with testdata/<name>.golden, pretty-printed.
func goldenJSON(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.JSON(t, filepath.Join("testdata", name+".golden"), got)
}

var asOf = time.Date(2026, 11, 21, 18, 0, 0, 0, time.FixedZone("CST", 8*3600))

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(examples + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func opts() dashboard.Options {
	return dashboard.Options{Title: "每日销售看板", URL: "https://bi.example.com/sales", ButtonText: "查看详情",
		MaxRows: 10, Decimals: -1, AsOf: asOf}
}

// imageOpts are opts for a 1.0 card, whose chart is an uploaded image.
func imageOpts() dashboard.Options {
	o := opts()
	o.CardVersion = 1
	return o
}

// lint fails on any finding of Feishu's rules for the card, sent by an app
// and by a webhook.
func lint(t *testing.T, name string, out []byte) {
	t.Helper()
	for _, target := range []card.Target{card.App, card.Webhook} {
		for _, f := range card.Lint(out, target) {
			t.Errorf("%s (target %d): %s: %s: %s", name, target, f.Path, f.Rule, f.Msg)
		}
	}
}

// element returns the card's elements with the given tag.
func elements(t *testing.T, out []byte, tag string) []map[string]json.RawMessage {
	t.Helper()
	var c struct {
		Elements []map[string]json.RawMessage `json:"elements"`
		Body     struct {
			Elements []map[string]json.RawMessage `json:"elements"`
		} `json:"body"`
	}
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	var found []map[string]json.RawMessage
	for _, e := range append(c.Elements, c.Body.Elements...) {
		if string(e["tag"]) == strconv.Quote(tag) {
			found = append(found, e)
		}
	}
	return found
}

// specData reads the rows of a chart_spec back, by series and category,
// following the spec's own field names.
func specData(t *testing.T, spec json.RawMessage) (cats []string, series map[string]map[string]float64) {
	t.Helper()
	var s struct {
		Type   string
		XField any `json:"xField"`
		YField string
		Series []struct {
			DataIndex   int    `json:"dataIndex"`
			XField      any    `json:"xField"`
			YField      string `json:"yField"`
			SeriesField string `json:"seriesField"`
		}
		SeriesField string `json:"seriesField"`
		Data        []struct {
			Values []map[string]any `json:"values"`
		}
	}
	if err := json.Unmarshal(spec, &s); err != nil {
		t.Fatal(err)
	}
	type bind struct {
		data     int
		x        any
		y, group string
	}
	binds := []bind{{0, s.XField, s.YField, s.SeriesField}}
	if s.Type == "common" {
		binds = nil
		for _, sr := range s.Series {
			binds = append(binds, bind{sr.DataIndex, sr.XField, sr.YField, sr.SeriesField})
		}
	}
	series = map[string]map[string]float64{}
	seen := map[string]bool{}
	for _, b := range binds {
		xf, _ := b.x.(string)
		if list, ok := b.x.([]any); ok {
			xf = list[0].(string)
		}
		for _, row := range s.Data[b.data].Values {
			c, name := row[xf].(string), row[b.group].(string)
			if !seen[c] {
				seen[c] = true
				cats = append(cats, c)
			}
			if series[name] == nil {
				series[name] = map[string]float64{}
			}
			series[name][c] = row[b.y].(float64)
		}
	}
	return cats, series
}

// checkSpec checks that a chart_spec holds exactly the chart's data.
func checkSpec(t *testing.T, spec json.RawMessage, c *chart.Chart) {
	t.Helper()
	cats, series := specData(t, spec)
	if strings.Join(cats, "|") != strings.Join(c.X, "|") {
		t.Errorf("chart_spec categories %q, want %q", cats, c.X)
	}
	if len(series) != len(c.Series) {
		t.Errorf("chart_spec has %d series, want %d", len(series), len(c.Series))
	}
	for _, s := range c.Series {
		for i, x := range c.X {
			if got, ok := series[s.Name][x]; !ok || got != s.Values[i] {
				t.Errorf("chart_spec %s at %s = %v (present %v), want %v", s.Name, x, got, ok, s.Values[i])
			}
		}
	}
	if bytes.Contains(spec, []byte("function")) || bytes.Contains(spec, []byte("=>")) {
		t.Errorf("chart_spec carries code: %s", spec)
	}
}

func TestJSONExample(t *testing.T) {
	d, err := dashboard.ParseJSON("sales.json", read(t, "sales.json"))
	if err != nil {
		t.Fatal(err)
	}
	v := dashboard.NewView(d, opts())
	if v.Color != "green" {
		t.Errorf("header colour %s: sales rose and higher is better", v.Color)
	}
	k := v.KPIRows[0]
	if k[0].Value != "¥128,430.50" || k[0].Change != "5.3%" || k[0].Arrow != "↑" || k[0].Color != "green" {
		t.Errorf("sales KPI %+v", k[0])
	}
	if k[1].Value != "1,842 单" || k[1].Change != "2.1%" {
		t.Errorf("orders KPI %+v", k[1])
	}
	// The refund rate fell and lower is better: good news, in green.
	if k[2].Value != "1.80%" || k[2].Change != "12.0%" || k[2].Arrow != "↓" || k[2].Color != "green" {
		t.Errorf("refund KPI %+v", k[2])
	}
	if v.Table.Total != 6 || v.Table.Columns[1].DataType != "number" || v.Table.Columns[0].DataType != "text" {
		t.Errorf("table %+v", v.Table)
	}
	// Whole numbers stay whole: the sales column mixes 32000 and 28650.5,
	// so each shows as it is; the orders column has no decimals.
	if c := v.Table.Columns; c[1].Precision != -1 || c[2].Precision != 0 {
		t.Errorf("table precision %d, %d: want -1 (as given) and 0", c[1].Precision, c[2].Precision)
	}
	out, err := dashboard.Render("sales.native.v2", dashboard.TemplateV2, v)
	if err != nil {
		t.Fatal(err)
	}
	goldenJSON(t, "sales.native.v2", out)
	lint(t, "sales.native.v2", out)
	charts := elements(t, out, "chart")
	if len(charts) != 1 || len(elements(t, out, "img")) != 0 {
		t.Fatalf("2.0 card: %d chart elements, want the native one and no image", len(charts))
	}
	for _, prop := range []string{"aspect_ratio", "color_theme", "height", "preview"} {
		if charts[0][prop] == nil {
			t.Errorf("chart element without %s", prop)
		}
	}
	checkSpec(t, charts[0]["chart_spec"], d.Chart)
	if !bytes.Contains(charts[0]["chart_spec"], []byte(`"text":"近 7 日销售额"`)) {
		t.Errorf("chart title lost: %s", charts[0]["chart_spec"])
	}

	// A 1.0 card, and a 2.0 card asked for an image, show the uploaded PNG.
	for _, ver := range []struct {
		name    string
		version int
		tmpl    []byte
	}{{"sales.v1", 1, dashboard.TemplateV1}, {"sales.v2", 2, dashboard.TemplateV2}} {
		o := imageOpts()
		o.CardVersion, o.ChartMode = ver.version, dashboard.ChartImage
		v := dashboard.NewView(d, o)
		v.Chart.ImageKey = "img_v3_golden" // as the upload sets it
		out, err = dashboard.Render(ver.name, ver.tmpl, v)
		if err != nil {
			t.Fatal(err)
		}
		goldenJSON(t, ver.name, out)
		lint(t, ver.name, out)
		imgs := elements(t, out, "img")
		if len(imgs) != 1 || string(imgs[0]["img_key"]) != `"img_v3_golden"` || len(elements(t, out, "chart")) != 0 {
			t.Fatalf("%s: want the chart as the uploaded image, have %d img", ver.name, len(imgs))
		}
		if alt := string(imgs[0]["alt"]); !strings.Contains(alt, "近 7 日销售额") {
			t.Errorf("%s: alt %s", ver.name, alt)
		}
	}
}

func TestCSVExample(t *testing.T) {
	tab, err := dashboard.ParseCSV("stores.csv", read(t, "stores.csv"))
	if err != nil {
		t.Fatal(err)
	}
	d := &dashboard.Data{Table: tab}
	for _, spec := range []string{"销售额=销售额:sum", "订单数=订单数:sum", "客单价=客单价:avg", "最高单店=销售额:max"} {
		k, err := dashboard.DeriveKPI(tab, spec, "stores.csv")
		if err != nil {
			t.Fatal(err)
		}
		d.KPIs = append(d.KPIs, k)
	}
	if d.KPIs[0].Value != 330161.3 || d.KPIs[1].Value != 4474 || d.KPIs[3].Value != 32000 {
		t.Errorf("KPIs %+v", d.KPIs)
	}
	if d.Chart, err = dashboard.DeriveChart(tab, "bar", "门店", []string{"销售额"}, "stores.csv"); err != nil {
		t.Fatal(err)
	}
	if len(d.Chart.X) != 20 || d.Chart.Series[0].Values[1] != 28650.5 {
		t.Errorf("chart %+v", d.Chart)
	}
	v := dashboard.NewView(d, opts())
	// Prices are written with two decimals and keep them; sales mix whole
	// and fractional numbers and show each as it is.
	if c := v.Table.Columns; c[2].Precision != -1 || c[3].Precision != 0 || c[4].Precision != 2 {
		t.Errorf("precision of sales, orders, prices: %d %d %d", c[2].Precision, c[3].Precision, c[4].Precision)
	}
	if v.Color != "blue" || len(v.KPIRows) != 1 || len(v.KPIRows[0]) != 4 || v.Table.Shown != 10 || v.Table.Omitted != 10 {
		t.Errorf("view: colour %s, %d KPI rows, table %d/%d", v.Color, len(v.KPIRows), v.Table.Shown, v.Table.Total)
	}
	out, err := dashboard.Render("stores", dashboard.TemplateV2, v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("显示前 10 行，共 20 行")) {
		t.Error("no note about the rows left out")
	}
	goldenJSON(t, "stores.v2", out)
	lint(t, "stores.v2", out)
	charts := elements(t, out, "chart")
	if len(charts) != 1 {
		t.Fatalf("%d chart elements", len(charts))
	}
	checkSpec(t, charts[0]["chart_spec"], d.Chart)

	// Two columns: bars side by side, and the orders (ten times smaller)
	// on a right axis.
	if d.Chart, err = dashboard.DeriveChart(tab, "bar", "门店", []string{"销售额", "订单数"}, "stores.csv"); err != nil {
		t.Fatal(err)
	}
	out, err = dashboard.Render("stores", dashboard.TemplateV2, dashboard.NewView(d, opts()))
	if err != nil {
		t.Fatal(err)
	}
	lint(t, "stores two series", out)
	spec := elements(t, out, "chart")[0]["chart_spec"]
	checkSpec(t, spec, d.Chart)
	if !bytes.Contains(spec, []byte(`"orient":"right"`)) || !bytes.Contains(spec, []byte(`"legends":{"orient":"top","visible":true}`)) {
		t.Errorf("two series of different size: want a right axis and a legend: %s", spec)
	}
	for _, ver := range []int{1, 2} {
		o := opts()
		o.CardVersion, o.ChartMode = ver, dashboard.ChartImage
		tmpl := map[int][]byte{1: dashboard.TemplateV1, 2: dashboard.TemplateV2}[ver]
		out, err := dashboard.Render("stores image", tmpl, dashboard.NewView(d, o))
		if err != nil {
			t.Fatal(err)
		}
		lint(t, fmt.Sprintf("stores image v%d", ver), out)
		if imgs := elements(t, out, "img"); len(imgs) != 1 || string(imgs[0]["img_key"]) != strconv.Quote(dashboard.PlaceholderImageKey) {
			t.Errorf("v%d image chart: %d img elements", ver, len(imgs))
		}
	}
}

func TestChartByRegion(t *testing.T) {
	tab, err := dashboard.ParseCSV("stores.csv", read(t, "stores.csv"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := dashboard.DeriveChart(tab, "pie", "区域", []string{"销售额"}, "stores.csv")
	if err != nil {
		t.Fatal(err)
	}
	total, sum := 0.0, 0.0
	for _, r := range tab.Rows {
		f, _ := r[2].(json.Number).Float64()
		total += f
	}
	for _, v := range c.Series[0].Values {
		sum += v
	}
	if len(c.X) != 12 || c.X[0] != "朝阳" || math.Abs(sum-total) > 1e-6 {
		t.Errorf("regions %q, sum %v of %v", c.X, sum, total)
	}
	out, err := dashboard.Render("pie", dashboard.TemplateV2, dashboard.NewView(&dashboard.Data{Chart: c}, opts()))
	if err != nil {
		t.Fatal(err)
	}
	lint(t, "pie", out)
	spec := elements(t, out, "chart")[0]["chart_spec"]
	if !bytes.Contains(spec, []byte(`"type":"pie"`)) || !bytes.Contains(spec, []byte(`"categoryField":"category"`)) {
		t.Errorf("pie spec %s", spec)
	}
}

func TestChartModes(t *testing.T) {
	for _, tc := range []struct {
		mode    dashboard.ChartMode
		version int
		want    dashboard.ChartMode
		err     string
	}{
		{"", 2, dashboard.ChartNative, ""}, {"", 0, dashboard.ChartNative, ""}, {"", 1, dashboard.ChartImage, ""},
		{"image", 2, dashboard.ChartImage, ""}, {"none", 1, dashboard.ChartNone, ""},
		{"native", 1, "", "goes in a 2.0 card"}, {"svg", 2, "", `chart mode "svg"`},
	} {
		got, err := dashboard.ResolveChartMode(tc.mode, tc.version)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q v%d: %q, %v; want %q, %q", tc.mode, tc.version, got, err, tc.want, tc.err)
		}
	}
	d, err := dashboard.ParseJSON("sales.json", read(t, "sales.json"))
	if err != nil {
		t.Fatal(err)
	}
	// A native chart draws nothing; an image chart draws the PNG.
	if png, err := dashboard.DrawChart(d, opts()); png != nil || err != nil {
		t.Errorf("native chart drew %d bytes, %v", len(png), err)
	}
	png, err := dashboard.DrawChart(d, imageOpts())
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("image chart: %d bytes, %v", len(png), err)
	}
	if v := dashboard.NewView(d, dashboard.Options{ChartMode: dashboard.ChartNone}); v.Chart != nil {
		t.Error("chart mode none kept the chart")
	}
	// --chart-out writes the PNG whatever the mode.
	o := opts()
	o.ChartOut = filepath.Join(t.TempDir(), "chart.png")
	if png, err := dashboard.DrawChart(d, o); png != nil || err != nil {
		t.Fatalf("native chart with a file: %d bytes, %v", len(png), err)
	}
	if b, err := os.ReadFile(o.ChartOut); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("chart file: %d bytes, %v", len(b), err)
	}
	o.ChartOut = filepath.Join(t.TempDir(), "no", "such", "dir.png")
	if _, err := dashboard.DrawChart(d, o); err == nil || !strings.Contains(err.Error(), "--chart-out "+o.ChartOut+": no such file") {
		t.Errorf("unwritable --chart-out: %v", err)
	}
	o.ChartOut = "x.png"
	if _, err := dashboard.DrawChart(&dashboard.Data{}, o); err == nil || !strings.Contains(err.Error(), "the data has no chart") {
		t.Errorf("--chart-out without a chart: %v", err)
	}
}

func TestBuiltInTemplatesAreTheExamples(t *testing.T) {
	for name, builtIn := range map[string][]byte{"dashboard.v2.tmpl": dashboard.TemplateV2, "dashboard.v1.tmpl": dashboard.TemplateV1} {
		if !bytes.Equal(read(t, name), builtIn) {
			t.Errorf("examples/dashboard/%s differs from pkg/dashboard/%s; copy one over the other", name, name)
		}
	}
}

func TestBadData(t *testing.T) {
	csvCases := []struct{ name, data, want string }{
		{"empty", "", "d.csv: empty file"},
		{"header only", "a,b\n", "d.csv:1: a header and no data rows"},
		{"ragged", "a,b\n1,2\n3\n", "d.csv:3:1: this row has a different number of fields"},
		{"bad quote", "a,b\n\"x,2\n", "d.csv:2"},
		{"unnamed column", "a,,c\n1,2,3\n", "d.csv:1: column 2 has no name"},
	}
	for _, tc := range csvCases {
		if _, err := dashboard.ParseCSV("d.csv", []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	tab, err := dashboard.ParseCSV("d.csv", []byte("门店,销售额\n朝阳,100\n海淀,n/a\n"))
	if err != nil {
		t.Fatal(err)
	}
	// A mistake in the data is a *dashboard.Error that names the file (and
	// the cell when there is one); a malformed --kpi is not about the file.
	for _, tc := range []struct {
		spec, want string
		inData     bool
		line, col  int
	}{
		{"总额=销售额:sum", `d.csv:3:2: --kpi "总额=销售额:sum": "n/a" in column "销售额" is not a number`, true, 3, 2},
		{"总额=营业额:sum", `no column "营业额" (columns: 门店, 销售额)`, true, 0, 0},
		{"总额=销售额:mean", `unknown aggregate "mean"`, false, 0, 0},
		{"总额", "want Label=COLUMN:sum|avg|max|min|last", false, 0, 0},
	} {
		_, err := dashboard.DeriveKPI(tab, tc.spec, "d.csv")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--kpi %s: err = %v, want %q", tc.spec, err, tc.want)
			continue
		}
		var de *dashboard.Error
		if got := errors.As(err, &de); got != tc.inData {
			t.Errorf("--kpi %s: a *dashboard.Error: %v, want %v (%v)", tc.spec, got, tc.inData, err)
		} else if got && (de.File != "d.csv" || de.Line != tc.line || de.Col != tc.col) {
			t.Errorf("--kpi %s: error at %s:%d:%d, want d.csv:%d:%d", tc.spec, de.File, de.Line, de.Col, tc.line, tc.col)
		}
	}
	if _, err := dashboard.DeriveChart(tab, "bar", "门店", []string{"销售额"}, "d.csv"); err == nil || !strings.Contains(err.Error(), "d.csv:3:2") {
		t.Errorf("chart of a bad column: %v", err)
	}
	tab, err = dashboard.ParseCSV("d.csv", []byte("门店,销售额,订单数\n朝阳,100,1\n海淀,200,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dashboard.DeriveChart(tab, "pie", "门店", []string{"销售额", "订单数"}, "d.csv"); err == nil || !strings.Contains(err.Error(), "--chart-y 销售额,订单数: a pie chart takes one series") {
		t.Errorf("pie of two columns: %v", err)
	}
	if _, err := dashboard.DeriveChart(tab, "scatter", "门店", []string{"销售额"}, "d.csv"); err == nil || !strings.Contains(err.Error(), "want line, bar, area, pie") {
		t.Errorf("unknown chart type: %v", err)
	}
	jsonCases := []struct{ name, data, want string }{
		{"syntax", "{\n  \"kpis\": [\n}", "d.json:3:1: invalid JSON"},
		{"kpis not a list", "{\n  \"kpis\": {\"label\": \"x\"}\n}", "d.json:2:11: kpis: want []dashboard.KPI"},
		{"value not a number", `{"kpis": [{"label": "x", "value": "12"}]}`, "d.json:1:38: kpis.value: want float64, have a JSON string"},
		{"unknown field", `{"kpi": []}`, `unknown field "kpi"`},
		{"ragged table", `{"table": {"columns": ["a", "b"], "rows": [["x"]]}}`, "table.rows[0]: 1 cells for 2 columns"},
		{"chart lengths", `{"chart": {"type": "line", "x": ["a", "b"], "series": [{"name": "s", "values": [1]}]}}`, "has 1 values for 2 x values"},
		{"chart type", `{"chart": {"type": "donut", "x": ["a"], "series": [{"name": "s", "values": [1]}]}}`, `chart type "donut"`},
		{"pie of two", `{"chart": {"type": "pie", "x": ["a"], "series": [{"name": "s", "values": [1]}, {"name": "t", "values": [2]}]}}`, "a pie chart takes one series"},
		{"three scales", `{"chart": {"type": "bar", "x": ["a"], "series": [{"name": "s", "values": [100000]}, {"name": "t", "values": [5000]}, {"name": "u", "values": [3]}]}}`,
			`chart series "t" and "u" differ by more than ten times and share the right axis: draw them in separate charts`},
		{"no label", `{"kpis": [{"value": 1}]}`, "kpis[0]: no label"},
		{"empty", " ", "d.json: empty file"},
	}
	for _, tc := range jsonCases {
		if _, err := dashboard.ParseJSON("d.json", []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	d := &dashboard.Data{KPIs: []dashboard.KPI{
		{Label: "a", Value: 1234567.891, Unit: "$"}, {Label: "b", Value: -1234.5, Unit: "¥"}, {Label: "c", Value: 999, Unit: "%"},
		{Label: "d", Value: 0.5}, {Label: "e", Value: 1000}, {Label: "f", Value: -0.001},
	}}
	v := dashboard.NewView(d, dashboard.Options{Decimals: -1})
	var got []string
	for _, row := range v.KPIRows {
		for _, k := range row {
			got = append(got, k.Value)
		}
	}
	want := []string{"$1,234,567.89", "-¥1,234.50", "999%", "0.50", "1,000", "0.00"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
	v = dashboard.NewView(d, dashboard.Options{Decimals: 1})
	if v.KPIRows[0][0].Value != "$1,234,567.9" {
		t.Errorf("--decimals 1: %s", v.KPIRows[0][0].Value)
	}
}

// BenchmarkDashboardCard is the example JSON to a rendered, checked card.
func BenchmarkDashboardCard(b *testing.B) {
	raw, err := os.ReadFile(examples + "sales.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d, err := dashboard.ParseJSON("sales.json", raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dashboard.Render("v2", dashboard.TemplateV2, dashboard.NewView(d, opts())); err != nil {
			b.Fatal(err)
		}
	}
}

// TestExampleChartImages draws the example data's charts as the 1.0 card
// would send them. DOCS_DIR=../../docs writes them as docs/chart-*.png.
func TestExampleChartImages(t *testing.T) {
	sales, err := dashboard.ParseJSON("sales.json", read(t, "sales.json"))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := dashboard.ParseCSV("stores.csv", read(t, "stores.csv"))
	if err != nil {
		t.Fatal(err)
	}
	stores := &dashboard.Data{Table: tab}
	if stores.Chart, err = dashboard.DeriveChart(tab, "bar", "门店", []string{"销售额"}, "stores.csv"); err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]*dashboard.Data{"sales": sales, "stores": stores} {
		png, err := dashboard.DrawChart(d, imageOpts())
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Fatalf("%s: %d bytes, %v", name, len(png), err)
		}
		if dir := os.Getenv("DOCS_DIR"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, "chart-"+name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
