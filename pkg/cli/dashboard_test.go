package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

const dashExamples = "../../examples/dashboard/"

func lastCard(t *testing.T, srv *feishutest.Server) map[string]any {
	t.Helper()
	msgs := srv.Messages()
	if len(msgs) == 0 {
		t.Fatal("no message stored")
	}
	var c map[string]any
	if err := json.Unmarshal(msgs[len(msgs)-1].Content, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// findTag returns the first element with the tag, searching the card.
func findTag(v any, tag string) map[string]any {
	switch t := v.(type) {
	case map[string]any:
		if t["tag"] == tag {
			return t
		}
		for _, c := range t {
			if m := findTag(c, tag); m != nil {
				return m
			}
		}
	case []any:
		for _, c := range t {
			if m := findTag(c, tag); m != nil {
				return m
			}
		}
	}
	return nil
}

// chartSpecRows reads a native chart element's chart_spec back as
// series -> category -> value, with the categories in order, following the
// spec's own field names (one series field, or a "common" spec whose
// series each bind their own data).
func chartSpecRows(t *testing.T, el map[string]any) ([]string, map[string]map[string]float64) {
	t.Helper()
	spec, _ := el["chart_spec"].(map[string]any)
	if spec == nil {
		t.Fatalf("chart element without chart_spec: %v", el)
	}
	type bind struct {
		data        int
		x, y, group string
	}
	field := func(v any) string {
		if l, ok := v.([]any); ok && len(l) > 0 {
			v = l[0]
		}
		s, _ := v.(string)
		return s
	}
	binds := []bind{{0, field(spec["xField"]), field(spec["yField"]), field(spec["seriesField"])}}
	if spec["type"] == "pie" {
		binds = []bind{{0, field(spec["categoryField"]), field(spec["valueField"]), ""}}
	}
	if spec["type"] == "common" {
		binds = nil
		for _, sr := range spec["series"].([]any) {
			m := sr.(map[string]any)
			idx, _ := m["dataIndex"].(float64)
			binds = append(binds, bind{int(idx), field(m["xField"]), field(m["yField"]), field(m["seriesField"])})
		}
	}
	var cats []string
	seen := map[string]bool{}
	series := map[string]map[string]float64{}
	data := spec["data"].([]any)
	for _, b := range binds {
		for _, row := range data[b.data].(map[string]any)["values"].([]any) {
			r := row.(map[string]any)
			c, _ := r[b.x].(string)
			name := ""
			if b.group != "" {
				name, _ = r[b.group].(string)
			}
			if !seen[c] {
				seen[c] = true
				cats = append(cats, c)
			}
			if series[name] == nil {
				series[name] = map[string]float64{}
			}
			series[name][c], _ = r[b.y].(float64)
		}
	}
	return cats, series
}

// checkNativeChart checks that a card holds a native chart element whose
// chart_spec has exactly the categories and series given, and no image.
func checkNativeChart(t *testing.T, c map[string]any, cats []string, series map[string][]float64) {
	t.Helper()
	if dig(c, "schema") != "2.0" {
		t.Fatalf("want a 2.0 card, have %v", c)
	}
	el := findTag(c, "chart")
	if el == nil || findTag(c, "img") != nil {
		t.Fatalf("want a chart element and no img: %v", c)
	}
	gotCats, got := chartSpecRows(t, el)
	if strings.Join(gotCats, "|") != strings.Join(cats, "|") {
		t.Errorf("chart_spec categories %q, want %q", gotCats, cats)
	}
	if len(got) != len(series) {
		t.Errorf("chart_spec series %v, want %v", got, series)
	}
	for name, vals := range series {
		for i, x := range cats {
			if v, ok := got[name][x]; !ok || v != vals[i] {
				t.Errorf("chart_spec %q at %s = %v (present %v), want %v", name, x, v, ok, vals[i])
			}
		}
	}
}

// checkPNG decodes a chart PNG: 1200x600 with something drawn on it.
func checkPNG(t *testing.T, what string, b []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	r := img.Bounds()
	if r.Dx() != 1200 || r.Dy() != 600 {
		t.Errorf("%s: %dx%d, want 1200x600", what, r.Dx(), r.Dy())
	}
	bg := img.At(0, 0)
	inked := 0
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			if img.At(x, y) != bg {
				inked++
			}
		}
	}
	if inked < 1000 {
		t.Errorf("%s: only %d drawn pixels in a sample of %d", what, inked, r.Dx()*r.Dy()/9)
	}
}

var (
	salesDays   = []string{"11-15", "11-16", "11-17", "11-18", "11-19", "11-20", "11-21"}
	salesSeries = map[string][]float64{
		"销售额": {110200, 118400, 121000, 109800, 125300, 122000, 128430.5},
		"目标":  {120000, 120000, 120000, 120000, 120000, 120000, 120000},
	}
)

// storesChart is stores.csv's --chart-x 门店 --chart-y 销售额 read with the
// CSV package: the categories and the one series.
func storesChart(t *testing.T) ([]string, map[string][]float64) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(mustRead(t, dashExamples+"stores.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var cats []string
	var vals []float64
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		cats, vals = append(cats, r[0]), append(vals, v)
	}
	return cats, map[string][]float64{"销售额": vals}
}

func TestDashboardFromJSON(t *testing.T) {
	e := newEnv(t)
	chartOut := filepath.Join(e.Dir, "chart.png")
	r := e.Run("", "push-dashboard", "--to", "oc_sales", "--title", "每日销售看板", "--url", "https://bi.example.com/sales",
		"--data", dashExamples+"sales.json", "--as-of", "2026-11-21 18:00", "--tz", "Asia/Shanghai", "--chart-out", chartOut)
	r.Expect(t, 0)
	// A 2.0 card carries Feishu's own chart: nothing is uploaded.
	if imgs := e.Srv.Images(); len(imgs) != 0 {
		t.Fatalf("uploaded %d images for a native chart", len(imgs))
	}
	c := lastCard(t, e.Srv)
	checkNativeChart(t, c, salesDays, salesSeries)
	if el := findTag(c, "chart"); el["color_theme"] == nil || el["aspect_ratio"] == nil {
		t.Errorf("chart element lacks color_theme or aspect_ratio: %v", el)
	}
	if dig(c, "header", "template") != "green" {
		t.Errorf("header colour %v", dig(c, "header", "template"))
	}
	tbl := findTag(c, "table")
	if tbl == nil || len(tbl["rows"].([]any)) != 6 || dig(tbl, "rows", 1, "c1") != 28650.5 || dig(tbl, "columns", 0, "display_name") != "门店" {
		t.Errorf("table %v", tbl)
	}
	raw := string(e.Srv.Messages()[0].Content)
	for _, want := range []string{"¥128,430.50", "↑ 5.3%", "1,842 单", "数据时间 2026-11-21 18:00 (Asia/Shanghai)"} {
		if !strings.Contains(raw, want) {
			t.Errorf("card lacks %q", want)
		}
	}
	// --chart-out saves the PNG even though the card does not need it.
	b, err := os.ReadFile(chartOut)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "--chart-out", b)
}

func TestDashboardChartImage(t *testing.T) {
	e := newEnv(t)
	chartOut := filepath.Join(e.Dir, "chart.png")
	r := e.Run("", "push-dashboard", "--to", "oc_sales", "--title", "每日销售看板", "--url", "https://bi.example.com/sales",
		"--data", dashExamples+"sales.json", "--chart-image", "--chart-out", chartOut)
	r.Expect(t, 0)
	imgs := e.Srv.Images()
	if len(imgs) != 1 {
		t.Fatalf("uploaded %d images, want the chart", len(imgs))
	}
	checkPNG(t, "uploaded chart", imgs[0].Data)
	// The upload and the send share one token.
	if n := e.Srv.CountRequests(feishutest.EndpointToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	c := lastCard(t, e.Srv)
	img := findTag(c, "img")
	if dig(c, "schema") != "2.0" || findTag(c, "chart") != nil || img == nil || img["img_key"] != imgs[0].Key || dig(img, "alt", "content") != "近 7 日销售额" {
		t.Errorf("card image %v, uploaded key %s", img, imgs[0].Key)
	}
	if b, err := os.ReadFile(chartOut); err != nil || !bytes.Equal(b, imgs[0].Data) {
		t.Errorf("--chart-out differs from the upload: %v", err)
	}
}

func TestDashboardFromCSV(t *testing.T) {
	cats, series := storesChart(t)
	chartArgs := []string{"--kpi", "销售额=销售额:sum", "--kpi", "订单数=订单数:sum", "--chart", "bar", "--chart-x", "门店", "--chart-y", "销售额"}
	// 2.0 by app and by webhook: the native chart, no upload.
	for _, mode := range []string{"app", "webhook"} {
		e := newEnv(t)
		args := append([]string{"push-dashboard", "--title", "门店销售", "--url", "https://bi.example.com/stores",
			"--data", dashExamples + "stores.csv"}, chartArgs...)
		if mode == "webhook" {
			e.Webhook()
			delete(e.Vars, "FEISHU_APP_SECRET")
		} else {
			args = append(args, "--to", "oc_sales")
		}
		r := e.Run("", args...)
		r.Expect(t, 0)
		if r.ErrOut != "" || len(e.Srv.Images()) != 0 || e.Srv.Messages()[0].Mode != mode {
			t.Errorf("%s: stderr %q, %d uploads, mode %s", mode, r.ErrOut, len(e.Srv.Images()), e.Srv.Messages()[0].Mode)
		}
		checkNativeChart(t, lastCard(t, e.Srv), cats, series)
	}
	// 1.0 from stdin: the PNG, uploaded.
	e := newEnv(t)
	r := e.Run(mustRead(t, dashExamples+"stores.csv"), append([]string{"push-dashboard", "--to", "oc_sales", "--title", "门店销售",
		"--url", "https://bi.example.com/stores", "--data", "-", "--max-rows", "5", "--card-version", "1"}, chartArgs...)...)
	r.Expect(t, 0)
	c := lastCard(t, e.Srv)
	imgs := e.Srv.Images()
	if _, v2 := c["schema"]; v2 || len(imgs) != 1 || findTag(c, "img") == nil || findTag(c, "img")["img_key"] != imgs[0].Key {
		t.Fatalf("want a 1.0 card with the uploaded chart: %v", c)
	}
	checkPNG(t, "1.0 chart", imgs[0].Data)
	raw, _ := json.Marshal(c)
	for _, want := range []string{"330,161.30", "4,474", "显示前 5 行，共 20 行"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("card lacks %q", want)
		}
	}
}

func TestDashboardWebhook(t *testing.T) {
	e := newEnv(t).Webhook()
	delete(e.Vars, "FEISHU_APP_SECRET")
	// The native chart needs no upload: a webhook sends it.
	r := e.Run("", "push-dashboard", "--title", "看板", "--url", "https://bi.example.com", "--data", dashExamples+"sales.json")
	r.Expect(t, 0)
	if r.ErrOut != "" || len(e.Srv.Images()) != 0 {
		t.Errorf("stderr %q, uploads %d", r.ErrOut, len(e.Srv.Images()))
	}
	checkNativeChart(t, lastCard(t, e.Srv), salesDays, salesSeries)
	// An image chart cannot be uploaded by a webhook alone.
	r = e.Run("", "push-dashboard", "--title", "看板", "--url", "https://bi.example.com", "--data", dashExamples+"sales.json", "--chart-image")
	r.Expect(t, 0)
	if !strings.Contains(r.ErrOut, "warning: chart left out: a webhook cannot upload images") || len(e.Srv.Images()) != 0 {
		t.Errorf("stderr %q, uploads %d", r.ErrOut, len(e.Srv.Images()))
	}
	if c := lastCard(t, e.Srv); findTag(c, "img") != nil || findTag(c, "chart") != nil {
		t.Error("a chart without an uploaded image")
	}
	// With app credentials as well, the app uploads and the webhook posts.
	e.Vars["FEISHU_APP_SECRET"] = testAppSecret
	r = e.Run("", "push-dashboard", "--title", "看板", "--url", "https://bi.example.com", "--data", dashExamples+"sales.json", "--card-version", "1")
	r.Expect(t, 0)
	msgs := e.Srv.Messages()
	img := findTag(lastCard(t, e.Srv), "img")
	if r.ErrOut != "" || len(e.Srv.Images()) != 1 || msgs[len(msgs)-1].Mode != "webhook" || img["img_key"] != e.Srv.Images()[0].Key {
		t.Errorf("stderr %q, image %v", r.ErrOut, img)
	}
}

func TestDashboardDryRun(t *testing.T) {
	e := newEnv(t)
	r := e.Run("", "--dry-run", "push-dashboard", "--to", "oc_a", "--title", "t", "--url", "https://x.example", "--data", dashExamples+"sales.json", "--chart-image")
	r.Expect(t, 0)
	reqs := lines(r.Out)
	if len(reqs) != 2 || !strings.Contains(reqs[0], "/open-apis/im/v1/images") || !strings.Contains(reqs[0], `"image_type":"message"`) ||
		!strings.Contains(reqs[1], delivery.PlaceholderImageKey) {
		t.Errorf("dry run:\n%s", r.Out)
	}
	// The native chart: one request, the card with its chart_spec.
	r = e.Run("", "--dry-run", "push-dashboard", "--to", "oc_a", "--title", "t", "--url", "https://x.example", "--data", dashExamples+"sales.json")
	r.Expect(t, 0)
	if reqs := lines(r.Out); len(reqs) != 1 || !strings.Contains(reqs[0], `chart_spec`) {
		t.Errorf("dry run:\n%s", r.Out)
	}
	if len(e.Srv.Requests()) != 0 {
		t.Error("dry run touched the server")
	}
}

// TestDashboardFitsSizeLimits: a big table is trimmed, with a note, to fit
// 30 KB by app and 20 KB by webhook, never failing at the server.
func TestDashboardFitsSizeLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("门店,区域,销售额,订单数\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "第%04d号门店（示例数据）,华北区域,%d.5,%d\n", i, 10000+i*7, 100+i)
	}
	for _, mode := range []string{"app", "webhook"} {
		e := newEnv(t)
		args := []string{"push-dashboard", "--title", "门店", "--url", "https://x.example", "--data", "-", "--data-format", "csv", "--max-rows", "100000"}
		limit := feishu.MaxCardBody
		if mode == "webhook" {
			e.Webhook()
			limit = feishu.MaxWebhookBody
		} else {
			args = append(args, "--to", "oc_a")
		}
		r := e.Run(b.String(), args...)
		r.Expect(t, 0)
		m := e.Srv.Messages()[0]
		if len(m.Body) > limit {
			t.Errorf("%s: body %d bytes over %d", mode, len(m.Body), limit)
		}
		if !strings.Contains(string(m.Content), "共 2000 行") || len(findTag(lastCard(t, e.Srv), "table")["rows"].([]any)) < 10 {
			t.Errorf("%s: no trimmed table in %.300s", mode, m.Content)
		}
	}
}

func TestDashboardBadInput(t *testing.T) {
	e := newEnv(t)
	ragged := e.File("ragged.csv", "门店,销售额\n朝阳,100\n海淀\n")
	textCol := e.File("text.csv", "门店,销售额\n朝阳,100\n海淀,n/a\n")
	empty := e.File("empty.csv", "")
	shape := e.File("shape.json", "{\n  \"kpis\": {\"label\": \"x\"}\n}")
	base := []string{"push-dashboard", "--to", "oc_a", "--title", "t", "--url", "https://x.example"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", ragged}, ragged + ":3:1: this row has a different number of fields"},
		{[]string{"--data", textCol, "--kpi", "总额=销售额:sum"}, textCol + `:3:2: --kpi "总额=销售额:sum": "n/a" in column "销售额" is not a number`},
		{[]string{"--data", textCol, "--kpi", "总额=营业额:sum"}, `no column "营业额" (columns: 门店, 销售额)`},
		{[]string{"--data", textCol, "--chart", "scatter", "--chart-x", "门店", "--chart-y", "销售额"}, `--chart "scatter": want line, bar, area, pie`},
		{[]string{"--data", textCol, "--chart", "bar", "--chart-x", "门店"}, "--chart needs --chart-x COLUMN and --chart-y"},
		{[]string{"--data", empty}, empty + ": empty file"},
		{[]string{"--data", shape}, shape + ":2:11: kpis: want []dashboard.KPI"},
		{[]string{"--kpi", "a=b:sum"}, "--kpi, --chart and --data-format go with --data"},
		{[]string{"--data", textCol, "--data-format", "xml"}, `--data-format "xml"`},
		{[]string{"--data", textCol, "--tz", "Mars/Olympus"}, `--tz "Mars/Olympus": unknown time zone`},
		{[]string{"--data", textCol, "--as-of", "yesterday"}, `--as-of "yesterday"`},
		{[]string{"--data", textCol, "--card-version", "3"}, "--card-version 3: want 1 or 2"},
		{[]string{"--data", textCol, "--chart-out", filepath.Join(e.Dir, "c.png")}, "--chart-out: the data has no chart"},
		{[]string{"--data", textCol, "--color", "pink"}, `--color "pink"`},
		{[]string{"--data", dashExamples + "sales.json", "--chart-out", filepath.Join(e.Dir, "no", "dir", "c.png")}, "--chart-out " + filepath.Join(e.Dir, "no", "dir", "c.png") + ": no such file or directory"},
		{[]string{"--data", filepath.Join(e.Dir, "missing.csv")}, "no such file or directory"},
	} {
		r := e.Run("", append(base, tc.args...)...)
		if r.Code != ExitUsage || len(lines(r.ErrOut)) != 1 || !strings.Contains(r.ErrOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.Code, r.ErrOut, tc.want)
		}
	}
	if n := len(e.Srv.Requests()); n != 0 {
		t.Errorf("bad data reached the server: %d requests", n)
	}
}

func TestDashboardCustomTemplate(t *testing.T) {
	e := newEnv(t)
	tmpl := e.File("my.tmpl", `{"header":{"template":"{{.Color}}","title":{"tag":"plain_text","content":"{{.Title}}"}},
"elements":[{{range $i, $row := .KPIRows}}{{range $j, $k := $row}}{{if or $i $j}},{{end}}{"tag":"markdown","content":"{{$k.Label}}: {{$k.Value}} {{$k.Arrow}}{{$k.Change}}"}{{end}}{{end}}]}`)
	e.Run("", "push-dashboard", "--to", "oc_a", "--title", "t", "--url", "https://x.example", "--data", dashExamples+"sales.json", "--template", tmpl).Expect(t, 0)
	c := lastCard(t, e.Srv)
	if dig(c, "elements", 0, "content") != "销售额: ¥128,430.50 ↑5.3%" || len(e.Srv.Images()) != 0 {
		t.Errorf("card %v", c)
	}
	bad := e.File("bad.tmpl", "{\n\"a\": \"{{.Nope}}\"}")
	r := e.Run("", "push-dashboard", "--to", "oc_a", "--title", "t", "--url", "https://x.example", "--template", bad)
	r.Expect(t, ExitUsage)
	if !strings.Contains(r.ErrOut, "bad.tmpl:2:") || !strings.Contains(r.ErrOut, "Nope") {
		t.Errorf("stderr %q", r.ErrOut)
	}
}
