package chart_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/chart"
)

func TestPNG(t *testing.T) {
	for _, c := range []*chart.Chart{
		{Type: "line", Title: "近7日销售额", X: []string{"11-15", "11-16", "11-17", "11-18", "11-19", "11-20", "11-21"},
			Series: []chart.Series{{Name: "销售额", Values: []float64{110200, 118400, 121000, 109800, 125300, 122000, 128430.5}},
				{Name: "目标", Values: []float64{120000, 120000, 120000, 120000, 120000, 120000, 120000}}}},
		{Type: "bar", X: []string{"朝阳店", "海淀店", "西城店"}, Series: []chart.Series{{Name: "销售额", Values: []float64{32000, 28650.5, 21300}}}},
	} {
		b, err := chart.PNG(c)
		if err != nil {
			t.Fatal(err)
		}
		img, format, err := image.Decode(bytes.NewReader(b))
		if err != nil || format != "png" {
			t.Fatalf("%s: decode: %v %s", c.Type, err, format)
		}
		if got := img.Bounds(); got != image.Rect(0, 0, chart.Width, chart.Height) {
			t.Errorf("%s: size %v", c.Type, got)
		}
		if os.Getenv("CHART_OUT") != "" {
			os.WriteFile(os.Getenv("CHART_OUT")+"-"+c.Type+".png", b, 0o644)
		}
		_ = png.Decode
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
	}
}

func BenchmarkPNG(b *testing.B) {
	c := &chart.Chart{Type: "line", X: []string{"1", "2", "3", "4", "5", "6", "7"}, Series: []chart.Series{{Name: "销售额", Values: []float64{1, 3, 2, 5, 4, 6, 5}}}}
	for b.Loop() {
		if _, err := chart.PNG(c); err != nil {
			b.Fatal(err)
		}
	}
}
