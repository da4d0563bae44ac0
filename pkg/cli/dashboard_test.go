package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestDashboardFromJSON(t *testing.T) {
	e := newEnv(t)
	chartOut := filepath.Join(e.Dir, "chart.png")
	r := e.Run("", "push-dashboard", "--to", "oc_sales", "--title", "每日销售看板", "--url", "https://bi.example.com/sales",
		"--data", dashExamples+"sales.json", "--as-of", "2026-11-21 18:00", "--tz", "Asia/Shanghai", "--chart-out", chartOut)
	r.Expect(t, 0)
	imgs := e.Srv.Images()
	if len(imgs) != 1 || imgs[0].Width != 1200 || imgs[0].Height != 600 {
		t.Fatalf("uploaded %+v", imgs)
	}
	// The upload and the send share one token.
	if n := e.Srv.CountRequests(feishutest.EndpointToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	c := lastCard(t, e.Srv)
	img := findTag(c, "img")
	if img == nil || img["img_key"] != imgs[0].Key || dig(img, "alt", "content") != "近 7 日销售额" {
		t.Errorf("card image %v, uploaded key %s", img, imgs[0].Key)
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
	b, err := os.ReadFile(chartOut)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != 1200 || !bytes.Equal(b, imgs[0].Data) {
		t.Errorf("--chart-out: %v %+v", err, cfg)
	}
}

func TestDashboardFromCSVStdin(t *testing.T) {
	e := newEnv(t)
	r := e.Run(mustRead(t, dashExamples+"stores.csv"), "push-dashboard", "--to", "oc_sales", "--title", "门店销售",
		"--url", "https://bi.example.com/stores", "--data", "-", "--kpi", "销售额=销售额:sum", "--kpi", "订单数=订单数:sum",
		"--chart", "bar", "--chart-x", "门店", "--chart-y", "销售额", "--max-rows", "5", "--card-version", "1")
	r.Expect(t, 0)
	c := lastCard(t, e.Srv)
	if _, v2 := c["schema"]; v2 || findTag(c, "img") == nil || len(e.Srv.Images()) != 1 {
		t.Errorf("want a 1.0 card with the chart: %v", c)
	}
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
	r := e.Run("", "push-dashboard", "--title", "看板", "--url", "https://bi.example.com", "--data", dashExamples+"sales.json")
	r.Expect(t, 0)
	if !strings.Contains(r.ErrOut, "warning: chart left out: a webhook cannot upload images") || len(e.Srv.Images()) != 0 {
		t.Errorf("stderr %q, uploads %d", r.ErrOut, len(e.Srv.Images()))
	}
	if findTag(lastCard(t, e.Srv), "img") != nil {
		t.Error("a chart without an uploaded image")
	}
	// With app credentials as well, the app uploads and the webhook posts.
	e.Vars["FEISHU_APP_SECRET"] = testAppSecret
	r = e.Run("", "push-dashboard", "--title", "看板", "--url", "https://bi.example.com", "--data", dashExamples+"sales.json")
	r.Expect(t, 0)
	msgs := e.Srv.Messages()
	img := findTag(lastCard(t, e.Srv), "img")
	if r.ErrOut != "" || len(e.Srv.Images()) != 1 || msgs[len(msgs)-1].Mode != "webhook" || img["img_key"] != e.Srv.Images()[0].Key {
		t.Errorf("stderr %q, image %v", r.ErrOut, img)
	}
}

func TestDashboardDryRun(t *testing.T) {
	e := newEnv(t)
	r := e.Run("", "--dry-run", "push-dashboard", "--to", "oc_a", "--title", "t", "--url", "https://x.example", "--data", dashExamples+"sales.json")
	r.Expect(t, 0)
	reqs := lines(r.Out)
	if len(reqs) != 2 || !strings.Contains(reqs[0], "/open-apis/im/v1/images") || !strings.Contains(reqs[0], `"image_type":"message"`) ||
		!strings.Contains(reqs[1], placeholderImageKey) {
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
	if dig(c, "elements", 0, "content") != "销售额: ¥128,430.50 ↑5.3%" || len(e.Srv.Images()) != 1 {
		t.Errorf("card %v", c)
	}
	bad := e.File("bad.tmpl", "{\n\"a\": \"{{.Nope}}\"}")
	r := e.Run("", "push-dashboard", "--to", "oc_a", "--title", "t", "--url", "https://x.example", "--template", bad)
	r.Expect(t, ExitUsage)
	if !strings.Contains(r.ErrOut, "bad.tmpl:2:") || !strings.Contains(r.ErrOut, "Nope") {
		t.Errorf("stderr %q", r.ErrOut)
	}
}
