package vchart_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/vchart"
)

var stores = strings.Split("朝阳大悦城店,海淀五道口店,西城金融街店,东城王府井店,丰台万达店,石景山万达店,通州万达店,昌平回龙观店,大兴亦庄店,顺义后沙峪店,房山长阳店,门头沟店,朝阳望京店,朝阳三里屯店,海淀中关村店,海淀西二旗店,东城东直门店,西城西单店,丰台科技园店,通州北苑店", ",")

func storeChart() *vchart.Chart {
	vals := make([]float64, len(stores))
	for i := range vals {
		vals[i] = float64(32000 - 1200*i)
	}
	return &vchart.Chart{Type: "bar", Title: "销售额（按门店）", X: stores, Series: []vchart.Series{{Name: "销售额", Values: vals}}}
}

func salesChart() *vchart.Chart {
	return &vchart.Chart{Type: "line", Title: "近 7 日销售额", X: []string{"11-15", "11-16", "11-17", "11-18", "11-19", "11-20", "11-21"},
		Series: []vchart.Series{{Name: "销售额", Values: []float64{110200, 118400, 121000, 109800, 125300, 122000, 128430.5}},
			{Name: "目标", Values: []float64{120000, 120000, 120000, 120000, 120000, 120000, 120000}}}}
}

// node is a parsed SVG element.
type node struct {
	Name     string
	Attr     map[string]string
	Text     string
	Title    string // the <title> of its <g>, if any
	Children []*node
}

// parse reads svg as XML, failing the test if it is not well formed, and
// returns every element in document order.
func parse(t *testing.T, svg string) []*node {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	var all, stack []*node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tk.Name.Local, Attr: map[string]string{}}
			for _, a := range tk.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
				if p.Name == "g" {
					n.Title = p.Title
				}
			}
			stack = append(stack, n)
			all = append(all, n)
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				n.Text += string(tk)
				if n.Name == "title" && len(stack) > 1 {
					stack[len(stack)-2].Title = n.Text
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if len(all) == 0 || all[0].Name != "svg" {
		t.Fatalf("not an svg: %.200s", svg)
	}
	return all
}

func texts(nodes []*node) map[string]*node {
	out := map[string]*node{}
	for _, n := range nodes {
		if n.Name == "text" {
			out[n.Text] = n
		}
	}
	return out
}

func count(nodes []*node, name string, titled bool) int {
	c := 0
	for _, n := range nodes {
		if n.Name == name && (!titled || n.Title != "") {
			c++
		}
	}
	return c
}

func svgOf(t *testing.T, c *vchart.Chart, width int) []*node {
	t.Helper()
	spec, err := vchart.Spec(c)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := vchart.SVG(spec, width)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, svg)
}

func TestSVGBarEveryLabel(t *testing.T) {
	for _, width := range []int{360, 560, 900} {
		nodes := svgOf(t, storeChart(), width)
		tx := texts(nodes)
		if tx["销售额（按门店）"] == nil {
			t.Errorf("%d: title missing", width)
		}
		// Every store is labelled (full name on hover); 20 bars, each with
		// a hover title giving its value.
		labelled := map[string]bool{}
		for _, n := range nodes {
			if n.Name == "text" && n.Title != "" {
				labelled[n.Title] = true
			}
		}
		for _, s := range stores {
			if !labelled[s] {
				t.Errorf("%d px: store %s not labelled", width, s)
			}
		}
		if got := count(nodes, "rect", true); got != len(stores) {
			t.Errorf("%d px: %d bars, want %d", width, got, len(stores))
		}
		// Round ticks in 万 (this is money), from 0.
		wan := 0
		for s := range tx {
			if strings.HasSuffix(s, "万") {
				wan++
			}
		}
		if tx["0"] == nil || wan < 3 || (tx["3万"] == nil && tx["3.0万"] == nil) {
			t.Errorf("%d px: ticks %v", width, tx)
		}
	}
}

func TestSVGLine(t *testing.T) {
	nodes := svgOf(t, salesChart(), 560)
	tx := texts(nodes)
	for _, want := range []string{"近 7 日销售额", "销售额", "目标", "11-15", "11-21", "12.0万", "11.5万"} {
		if tx[want] == nil {
			t.Errorf("no text %q", want)
		}
	}
	if got := count(nodes, "polyline", false); got != 2 {
		t.Errorf("%d lines, want 2", got)
	}
	if got := count(nodes, "circle", true); got != 14 {
		t.Errorf("%d points with values, want 14", got)
	}
	found := false
	for _, n := range nodes {
		if n.Title == "11-21 · 销售额: 128,430.50" {
			found = true
		}
	}
	if !found {
		t.Error("no hover value for the last point")
	}
}

func TestSVGGroupedAndRightAxis(t *testing.T) {
	c := &vchart.Chart{Type: "bar", X: []string{"朝阳", "海淀", "西城"}, Series: []vchart.Series{
		{Name: "今天", Values: []float64{32000, 28650.5, 21300}}, {Name: "昨天", Values: []float64{30000, 29000, 20000}}}}
	nodes := svgOf(t, c, 560)
	if got := count(nodes, "rect", true); got != 6 {
		t.Errorf("grouped bars: %d, want 6", got)
	}
	// Bars of one category sit side by side, not on top of each other.
	var xs []string
	for _, n := range nodes {
		if n.Name == "rect" && strings.HasPrefix(n.Title, "朝阳") {
			xs = append(xs, n.Attr["x"])
		}
	}
	if len(xs) != 2 || xs[0] == xs[1] {
		t.Errorf("朝阳 bars at x %v", xs)
	}
	if tx := texts(nodes); tx["今天"] == nil || tx["昨天"] == nil {
		t.Error("no legend")
	}

	c.Series[1] = vchart.Series{Name: "订单数", Values: []float64{410, 377, 268}}
	nodes = svgOf(t, c, 560)
	tx := texts(nodes)
	if tx["订单数（右轴）"] == nil || tx["400"] == nil {
		t.Errorf("no right axis for the small series")
	}
	if count(nodes, "polyline", false) != 1 || count(nodes, "rect", true) != 3 {
		t.Error("want the small series as a line over the bars")
	}
}

func TestSVGPieAndEscaping(t *testing.T) {
	c := &vchart.Chart{Type: "pie", Title: `<script>alert("x")</script>`, X: []string{"朝阳 & 海淀", "西城"}, Series: []vchart.Series{{Name: "销售额", Values: []float64{75, 25}}}}
	spec, err := vchart.Spec(c)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := vchart.SVG(spec, 480)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, "& ") {
		t.Errorf("unescaped text in %s", svg)
	}
	nodes := parse(t, svg)
	if count(nodes, "polygon", true) != 2 {
		t.Error("want two slices")
	}
	tx := texts(nodes)
	if tx[`<script>alert("x")</script>`] == nil || tx["朝阳 & 海淀  75.0%"] == nil || tx["75%"] == nil {
		t.Errorf("pie texts: %v", tx)
	}
}

// Other people's cards: the chart examples of Feishu's documentation and
// a real dashboard.
func TestSVGCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/cards-corpus/valid/*.json")
	if len(files) == 0 {
		t.Skip("no card corpus here")
	}
	drawn := 0
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		var c struct {
			Body struct{ Elements []map[string]json.RawMessage }
		}
		json.Unmarshal(raw, &c)
		for _, e := range c.Body.Elements {
			if string(e["tag"]) != `"chart"` {
				continue
			}
			var typ struct{ Type string }
			json.Unmarshal(e["chart_spec"], &typ)
			svg, err := vchart.SVG(e["chart_spec"], 560)
			switch typ.Type {
			case "line", "bar", "area", "pie":
				if err != nil {
					t.Errorf("%s: %v", filepath.Base(f), err)
					continue
				}
				parse(t, svg)
				drawn++
			default:
				if !errors.Is(err, vchart.ErrUnsupported) {
					t.Errorf("%s (%s): err %v, want ErrUnsupported", filepath.Base(f), typ.Type, err)
				}
			}
		}
	}
	if drawn < 3 {
		t.Errorf("drew %d corpus charts", drawn)
	}
}

func TestSVGCommonShapes(t *testing.T) {
	for name, spec := range map[string]string{
		"horizontal bar": `{"type":"bar","direction":"horizontal","data":{"values":[{"n":"A","v":3},{"n":"B","v":5}]},"xField":"v","yField":"n"}`,
		"stacked area":   `{"type":"area","data":[{"id":"d","values":[{"x":"1","y":1,"s":"a"},{"x":"2","y":2,"s":"a"},{"x":"1","y":3,"s":"b"},{"x":"2","y":1,"s":"b"}]}],"xField":"x","yField":"y","seriesField":"s"}`,
		"donut":          `{"type":"pie","data":[{"values":[{"k":"x","v":"40"},{"k":"y","v":60}]}],"categoryField":"k","valueField":"v","innerRadius":0.5,"outerRadius":0.8}`,
		"title string":   `{"type":"line","title":"t","data":{"values":[{"x":"a","y":1}]},"xField":"x","yField":"y"}`,
	} {
		svg, err := vchart.SVG(json.RawMessage(spec), 400)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		parse(t, svg)
	}
	for name, spec := range map[string]string{
		"radar":   `{"type":"radar","data":{"values":[]}}`,
		"no data": `{"type":"line","xField":"x","yField":"y"}`,
		"url":     `{"type":"line","data":{"url":"https://example.com/x.json"},"xField":"x","yField":"y"}`,
		"garbage": `[1,2]`,
	} {
		if _, err := vchart.SVG(json.RawMessage(spec), 400); !errors.Is(err, vchart.ErrUnsupported) {
			t.Errorf("%s: err %v, want ErrUnsupported", name, err)
		}
	}
}

func TestSpecProperties(t *testing.T) {
	el, err := vchart.NewElement(storeChart())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(el.JSON(), &m); err != nil {
		t.Fatal(err)
	}
	if m["tag"] != "chart" || m["aspect_ratio"] != "4:3" || m["color_theme"] != "brand" || m["height"] != "auto" || m["preview"] != true || m["chart_spec"] == nil {
		t.Errorf("element %v", m)
	}
	spec := string(el.Spec)
	for _, bad := range []string{"function", "=>", "#336DF4", "color\":"} {
		if strings.Contains(spec, bad) {
			t.Errorf("chart_spec has %q: %s", bad, spec)
		}
	}
	if !strings.Contains(spec, `"autoHide":false`) || !strings.Contains(spec, `"autoRotate":true`) {
		t.Errorf("category labels may be hidden: %s", spec)
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   string
	}{
		{0, 32000, 5, "0 1万 2万 3万 4万"},
		{0, 10100, 4, "0 2,500 5,000 7,500 10,000 12,500"},
		{109800, 128430.5, 5, "10.5万 11.0万 11.5万 12.0万 12.5万 13.0万"},
		{0, 410, 4, "0 100 200 300 400 500"},
		{0, 2.6e8, 4, "0 1亿 2亿 3亿"},
		{0, 32000, 7, "0 0.5万 1.0万 1.5万 2.0万 2.5万 3.0万 3.5万"},
		{-5, 5, 4, "-5 0 5"}, {-5, 5, 6, "-6 -4 -2 0 2 4 6"},
		{0, 0, 4, "0 0.2 0.4 0.6 0.8 1.0"},
	} {
		ticks := vchart.Ticks(tc.lo, tc.hi, tc.n)
		got := vchart.AxisLabels(ticks, tc.hi > 1e4 && tc.hi != 10100)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("Ticks(%v, %v, %d) = %q, want %q", tc.lo, tc.hi, tc.n, strings.Join(got, " "), tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for name, c := range map[string]vchart.Chart{
		"type":      {Type: "scatter", X: []string{"a"}, Series: []vchart.Series{{Values: []float64{1}}}},
		"pie of 2":  {Type: "pie", X: []string{"a"}, Series: []vchart.Series{{Values: []float64{1}}, {Values: []float64{1}}}},
		"pie neg":   {Type: "pie", X: []string{"a"}, Series: []vchart.Series{{Values: []float64{-1}}}},
		"axis":      {Type: "line", X: []string{"a"}, Series: []vchart.Series{{Values: []float64{1}, Axis: "top"}}},
		"left span": {Type: "line", X: []string{"a"}, Series: []vchart.Series{{Name: "a", Values: []float64{1000}, Axis: "left"}, {Name: "b", Values: []float64{1}, Axis: "left"}}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzSVG: any chart_spec either draws as well-formed SVG or is refused
// with ErrUnsupported; nothing panics.
func FuzzSVG(f *testing.F) {
	for _, c := range []*vchart.Chart{storeChart(), salesChart()} {
		spec, _ := vchart.Spec(c)
		f.Add(string(spec))
	}
	f.Add(`{"type":"common","series":[{"type":"bar","dataIndex":5}],"data":[{"values":[]}]}`)
	f.Add(`{"type":"bar","direction":"horizontal","xField":["v"],"yField":"n","data":{"values":[{"n":"<&>","v":"1e308"},{"n":"b","v":-1e308}]}}`)
	f.Add(`{"type":"pie","categoryField":"k","valueField":"v","data":[{"values":[{"k":null,"v":0}]}]}`)
	f.Fuzz(func(t *testing.T, spec string) {
		svg, err := vchart.SVG(json.RawMessage(spec), 320)
		if err != nil {
			if !errors.Is(err, vchart.ErrUnsupported) {
				t.Fatalf("error %v is not ErrUnsupported", err)
			}
			return
		}
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("bad SVG for %s: %v", spec, err)
			}
		}
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Fatalf("NaN or Inf in the SVG for %s", spec)
		}
	})
}
