// Package chart draws the dashboard's bar and line charts to PNG, in
// process and in pure Go, with an embedded font that covers Chinese.
package chart

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/golang/freetype/truetype"
	gochart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Chart types.
const (
	Line = "line"
	Bar  = "bar"
)

// Size of the PNG, in pixels: 2:1, inside Feishu's recommended 1500×3000
// and its 16:9 height-to-width limit for card images.
const (
	Width  = 1200
	Height = 600
)

// Series is one named line, or one set of bars.
type Series struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// Chart is what to draw: a category axis X and one or more series.
type Chart struct {
	Type   string   `json:"type"`
	Title  string   `json:"title,omitempty"`
	X      []string `json:"x"`
	Series []Series `json:"series"`
}

// Validate checks that the chart can be drawn.
func (c *Chart) Validate() error {
	if c.Type != Line && c.Type != Bar {
		return fmt.Errorf("chart type %q: want line or bar", c.Type)
	}
	if len(c.X) == 0 {
		return fmt.Errorf("chart has no x values")
	}
	if len(c.Series) == 0 {
		return fmt.Errorf("chart has no series")
	}
	for i, s := range c.Series {
		if len(s.Values) != len(c.X) {
			return fmt.Errorf("chart series %d (%s) has %d values for %d x values", i+1, s.Name, len(s.Values), len(c.X))
		}
	}
	return nil
}

//go:embed fonts/wqy-microhei.ttc
var fontData []byte

var (
	fontOnce sync.Once
	font     *truetype.Font
	fontErr  error
)

// FontTTF returns the embedded font as a plain TrueType file, e.g. to
// serve to a browser.
func FontTTF() ([]byte, error) { return firstFace(fontData) }

// Font returns the embedded font, parsed on first use only: commands that
// draw no chart never pay for it.
func Font() (*truetype.Font, error) {
	fontOnce.Do(func() {
		var ttf []byte
		if ttf, fontErr = firstFace(fontData); fontErr == nil {
			font, fontErr = truetype.Parse(ttf)
		}
	})
	return font, fontErr
}

// firstFace returns the first font of a TrueType collection as a plain
// TrueType file: its table directory, with each table copied after it and
// aligned to 4 bytes as browsers' font sanitizers require.
func firstFace(ttc []byte) ([]byte, error) {
	if len(ttc) < 16 || string(ttc[:4]) != "ttcf" {
		return ttc, nil // already a plain font
	}
	be := binary.BigEndian
	off := int(be.Uint32(ttc[12:16]))
	if off+12 > len(ttc) {
		return nil, fmt.Errorf("font collection truncated")
	}
	numTables := int(be.Uint16(ttc[off+4 : off+6]))
	dirLen := 12 + 16*numTables
	if off+dirLen > len(ttc) {
		return nil, fmt.Errorf("font collection truncated")
	}
	out := make([]byte, dirLen, len(ttc))
	copy(out, ttc[off:off+dirLen])
	for i := 0; i < numTables; i++ {
		rec := out[12+16*i:]
		tOff, tLen := int(be.Uint32(rec[8:12])), int(be.Uint32(rec[12:16]))
		if tOff+tLen > len(ttc) {
			return nil, fmt.Errorf("font collection truncated")
		}
		be.PutUint32(rec[8:12], uint32(len(out)))
		out = append(out, ttc[tOff:tOff+tLen]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}

// Palette: Feishu's blue-500, green-500, orange-500, violet-500,
// turquoise-500, red-500.
var palette = []drawing.Color{
	drawing.ColorFromHex("336DF4"), drawing.ColorFromHex("258832"), drawing.ColorFromHex("C25705"),
	drawing.ColorFromHex("BF3DBF"), drawing.ColorFromHex("0F8575"), drawing.ColorFromHex("E22E28"),
}

var (
	gridColor = drawing.ColorFromHex("DEE0E3")
	textColor = drawing.ColorFromHex("646A73")
)

// PNG draws c as a Width×Height PNG.
func PNG(c *Chart) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	f, err := Font()
	if err != nil {
		return nil, fmt.Errorf("chart font: %v", err)
	}
	var buf bytes.Buffer
	if c.Type == Bar && len(c.Series) == 1 {
		err = barChart(c, f).Render(gochart.PNG, &buf)
	} else {
		err = lineChart(c, f).Render(gochart.PNG, &buf)
	}
	if err != nil {
		return nil, fmt.Errorf("drawing the chart: %v", err)
	}
	return buf.Bytes(), nil
}

func axisStyle() gochart.Style {
	return gochart.Style{FontSize: 12, FontColor: textColor, StrokeColor: gridColor}
}

// lineChart draws each series as a line over the categories (also used for
// bars of several series, which go-chart's bar chart cannot group).
func lineChart(c *Chart, f *truetype.Font) *gochart.Chart {
	xs := make([]float64, len(c.X))
	ticks := make([]gochart.Tick, len(c.X))
	for i, x := range c.X {
		xs[i] = float64(i)
		ticks[i] = gochart.Tick{Value: float64(i), Label: x}
	}
	title := c.Title
	if len(c.Series) > 1 {
		title = "" // the legend takes the top line
	}
	ch := &gochart.Chart{
		Title:      title,
		TitleStyle: gochart.Style{FontSize: 16, FontColor: drawing.ColorFromHex("1F2329")},
		Width:      Width,
		Height:     Height,
		Font:       f,
		Background: gochart.Style{Padding: gochart.Box{Top: 48, Left: 24, Right: 32, Bottom: 16}},
		XAxis:      gochart.XAxis{Ticks: ticks, Style: axisStyle()},
		YAxis: gochart.YAxis{Style: axisStyle(), GridMajorStyle: gochart.Style{StrokeColor: gridColor, StrokeWidth: 1},
			ValueFormatter: func(v any) string { return compact(v.(float64)) }},
	}
	for i, s := range c.Series {
		col := palette[i%len(palette)]
		ch.Series = append(ch.Series, gochart.ContinuousSeries{
			Name:    s.Name,
			XValues: xs,
			YValues: s.Values,
			Style:   gochart.Style{StrokeColor: col, StrokeWidth: 3, DotColor: col, DotWidth: 4},
		})
	}
	if len(c.Series) > 1 {
		ch.Elements = []gochart.Renderable{gochart.LegendThin(ch, gochart.Style{FontSize: 14, FontColor: textColor, StrokeColor: gridColor})}
	}
	return ch
}

func barChart(c *Chart, f *truetype.Font) *gochart.BarChart {
	s := c.Series[0]
	bars := make([]gochart.Value, len(c.X))
	for i, x := range c.X {
		bars[i] = gochart.Value{Label: x, Value: s.Values[i], Style: gochart.Style{FillColor: palette[0], StrokeColor: palette[0]}}
	}
	title := c.Title
	if title == "" {
		title = s.Name
	}
	barWidth := min(max((Width-160)/(len(bars)*2), 4), 120)
	return &gochart.BarChart{
		Title:      title,
		TitleStyle: gochart.Style{FontSize: 16, FontColor: drawing.ColorFromHex("1F2329")},
		Width:      Width,
		Height:     Height,
		Font:       f,
		BarWidth:   barWidth,
		BarSpacing: barWidth,
		Background: gochart.Style{Padding: gochart.Box{Top: 48, Left: 24, Right: 32, Bottom: 16}},
		XAxis:      axisStyle(),
		YAxis: gochart.YAxis{Style: axisStyle(), GridMajorStyle: gochart.Style{StrokeColor: gridColor, StrokeWidth: 1},
			ValueFormatter: func(v any) string { return compact(v.(float64)) },
			Range:          &gochart.ContinuousRange{Min: math.Min(0, minOf(s.Values)), Max: math.Max(0, maxOf(s.Values)) * 1.1}},
		Bars: bars,
	}
}

func minOf(vs []float64) float64 {
	m := math.Inf(1)
	for _, v := range vs {
		m = math.Min(m, v)
	}
	return m
}

func maxOf(vs []float64) float64 {
	m := math.Inf(-1)
	for _, v := range vs {
		m = math.Max(m, v)
	}
	return m
}

// compact formats an axis value: 1200 -> 1.2k, 3400000 -> 3.4M.
func compact(v float64) string {
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a >= 1e9:
		return fmt.Sprintf("%.3gB", v/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.4g", v)
}
