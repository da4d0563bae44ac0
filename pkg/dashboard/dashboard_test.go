package dashboard_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/dashboard"
)

var update = flag.Bool("update", false, "rewrite golden files")

const examples = "../../examples/dashboard/"

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		os.WriteFile(path, pretty.Bytes(), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from %s (go test -update to accept):\n%s", name, path, pretty.Bytes())
	}
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
		MaxRows: 10, Decimals: -1, AsOf: asOf, ImageKey: "img_v3_golden", ImageAlt: "近 7 日销售额"}
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
	for _, ver := range []struct {
		name string
		tmpl []byte
	}{{"sales.v2", dashboard.TemplateV2}, {"sales.v1", dashboard.TemplateV1}} {
		out, err := dashboard.Render(ver.name, ver.tmpl, v)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, ver.name, out)
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
	if v.Color != "blue" || len(v.KPIRows) != 2 || v.Table.Shown != 10 || v.Table.Omitted != 10 {
		t.Errorf("view: colour %s, %d KPI rows, table %d/%d", v.Color, len(v.KPIRows), v.Table.Shown, v.Table.Total)
	}
	out, err := dashboard.Render("stores", dashboard.TemplateV2, v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("显示前 10 行，共 20 行")) {
		t.Error("no note about the rows left out")
	}
	golden(t, "stores.v2", out)
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
	tab, _ := dashboard.ParseCSV("d.csv", []byte("门店,销售额\n朝阳,100\n海淀,n/a\n"))
	for spec, want := range map[string]string{
		"总额=销售额:sum":  `d.csv:3:2: --kpi "总额=销售额:sum": "n/a" in column "销售额" is not a number`,
		"总额=营业额:sum":  `no column "营业额" (columns: 门店, 销售额)`,
		"总额=销售额:mean": `unknown aggregate "mean"`,
		"总额":          "want Label=COLUMN:sum|avg|max|min|last",
	} {
		var de *dashboard.Error
		_, err := dashboard.DeriveKPI(tab, spec, "d.csv")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--kpi %s: err = %v, want %q", spec, err, want)
		}
		_ = errors.As(err, &de)
	}
	if _, err := dashboard.DeriveChart(tab, "bar", "门店", []string{"销售额"}, "d.csv"); err == nil || !strings.Contains(err.Error(), "d.csv:3:2") {
		t.Errorf("chart of a bad column: %v", err)
	}
	jsonCases := []struct{ name, data, want string }{
		{"syntax", "{\n  \"kpis\": [\n}", "d.json:3:1: invalid JSON"},
		{"kpis not a list", "{\n  \"kpis\": {\"label\": \"x\"}\n}", "d.json:2:11: kpis: want []dashboard.KPI"},
		{"value not a number", `{"kpis": [{"label": "x", "value": "12"}]}`, "d.json:1:38: kpis.value: want float64, have a JSON string"},
		{"unknown field", `{"kpi": []}`, `unknown field "kpi"`},
		{"ragged table", `{"table": {"columns": ["a", "b"], "rows": [["x"]]}}`, "table.rows[0]: 1 cells for 2 columns"},
		{"chart lengths", `{"chart": {"type": "line", "x": ["a", "b"], "series": [{"name": "s", "values": [1]}]}}`, "has 1 values for 2 x values"},
		{"chart type", `{"chart": {"type": "pie", "x": ["a"], "series": [{"name": "s", "values": [1]}]}}`, `chart type "pie"`},
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
