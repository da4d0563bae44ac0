package chart_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/chart"
	"github.com/feishu-push/feishu-push/pkg/vchart"
)

var stores = strings.Split("朝阳大悦城店,海淀五道口店,西城金融街店,东城王府井店,丰台万达店,石景山万达店,通州万达店,昌平回龙观店,大兴亦庄店,顺义后沙峪店,房山长阳店,门头沟店,朝阳望京店,朝阳三里屯店,海淀中关村店,海淀西二旗店,东城东直门店,西城西单店,丰台科技园店,通州北苑店", ",")

func charts() map[string]*chart.Chart {
	vals := make([]float64, len(stores))
	for i := range vals {
		vals[i] = float64(32000 - 1200*i)
	}
	return map[string]*chart.Chart{
		"line": {Type: "line", Title: "近7日销售额", X: []string{"11-15", "11-16", "11-17", "11-18", "11-19", "11-20", "11-21"},
			Series: []chart.Series{{Name: "销售额", Values: []float64{110200, 118400, 121000, 109800, 125300, 122000, 128430.5}},
				{Name: "目标", Values: []float64{120000, 120000, 120000, 120000, 120000, 120000, 120000}}}},
		"bar":    {Type: "bar", Title: "门店销售额", X: []string{"朝阳店", "海淀店", "西城店"}, Series: []chart.Series{{Name: "销售额", Values: []float64{32000, 28650.5, 21300}}}},
		"stores": {Type: "bar", Title: "销售额（按门店）", X: stores, Series: []chart.Series{{Name: "销售额", Values: vals}}},
		"pie":    {Type: "pie", Title: "区域", X: []string{"朝阳", "海淀", "西城"}, Series: []chart.Series{{Name: "销售额", Values: []float64{5, 3, 2}}}},
		"area":   {Type: "area", Title: "用户", X: []string{"1月", "2月", "3月"}, Series: []chart.Series{{Name: "用户", Values: []float64{1200, 2300, 1800}}}},
	}
}

type pixels struct{ img image.Image }

// count counts the pixels in r that match.
func (p pixels) count(r image.Rectangle, match func(r, g, b uint32) bool) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := p.img.At(x, y).RGBA()
			if match(cr>>8, cg>>8, cb>>8) {
				n++
			}
		}
	}
	return n
}

// coloured is a series colour, not the white background or grey text/grid.
func coloured(r, g, b uint32) bool {
	hi, lo := max(r, g, b), min(r, g, b)
	return hi-lo > 60
}

// ink is text: dark grey to black.
func ink(r, g, b uint32) bool { return r < 140 && g < 140 && b < 150 && max(r, g, b)-min(r, g, b) < 40 }

func TestPNG(t *testing.T) {
	for name, c := range charts() {
		b, err := chart.PNG(c)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if got := img.Bounds(); got != image.Rect(0, 0, chart.Width, chart.Height) {
			t.Errorf("%s: size %v", name, got)
		}
		p := pixels{img}
		w, h := chart.Width, chart.Height
		// The marks: coloured pixels in the plot area.
		plot := image.Rect(w/10, h/5, w*9/10, h*3/4)
		if n := p.count(plot, coloured); n < 2000 {
			t.Errorf("%s: %d coloured pixels in the plot area: blank chart", name, n)
		}
		// The title, in the top band.
		if n := p.count(image.Rect(0, 0, w/2, 70), ink); n < 200 {
			t.Errorf("%s: %d text pixels where the title goes", name, n)
		}
		if name != "pie" {
			// Tick labels down the left side.
			if n := p.count(image.Rect(0, 80, 100, h-40), ink); n < 300 {
				t.Errorf("%s: %d text pixels for the value axis", name, n)
			}
		}
		if os.Getenv("CHART_OUT") != "" {
			os.WriteFile(os.Getenv("CHART_OUT")+"-"+name+".png", b, 0o644)
		}
	}
}

// Every one of 20 store names is drawn: each category's slot of the label
// band under the plot holds text.
func TestPNGEveryLabel(t *testing.T) {
	c := charts()["stores"]
	b, err := chart.PNG(c)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := png.Decode(bytes.NewReader(b))
	sc, err := vchart.Draw(c, chart.Width/chart.Scale, chart.Height/chart.Scale)
	if err != nil {
		t.Fatal(err)
	}
	p := pixels{img}
	for _, s := range sc.Shapes {
		if s.Kind != vchart.KindText || s.Title == "" || s.Title == c.Title {
			continue
		}
		// Text anchored at its end, rotated up to the left: look just left of
		// and below the anchor.
		x, y := int(s.X*chart.Scale), int(s.Y*chart.Scale)
		r := image.Rect(x-60, y-10, x+10, y+60)
		if n := p.count(r, ink); n < 40 {
			t.Errorf("label %s: %d text pixels near (%d, %d)", s.Title, n, x, y)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []chart.Chart{
		{Type: "donut", X: []string{"a"}, Series: []chart.Series{{Values: []float64{1}}}},
		{Type: "pie", X: []string{"a"}, Series: []chart.Series{{Values: []float64{1}}, {Values: []float64{2}}}},
		{Type: "line", Series: []chart.Series{{Values: []float64{1}}}},
		{Type: "line", X: []string{"a"}},
		{Type: "line", X: []string{"a", "b"}, Series: []chart.Series{{Name: "s", Values: []float64{1}}}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
		if _, err := chart.PNG(&c); err == nil {
			t.Errorf("%+v drawn", c)
		}
	}
}

func TestFontTTF(t *testing.T) {
	b, err := chart.FontTTF()
	if err != nil || len(b) < 1<<20 || string(b[:4]) == "ttcf" {
		t.Fatalf("font: %d bytes, %v", len(b), err)
	}
}

func BenchmarkPNG(b *testing.B) {
	c := charts()["stores"]
	for b.Loop() {
		if _, err := chart.PNG(c); err != nil {
			b.Fatal(err)
		}
	}
}
