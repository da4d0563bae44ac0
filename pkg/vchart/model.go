package vchart

import (
	"fmt"
	"math"
	"strings"
)

// Chart types.
const (
	Line = "line"
	Bar  = "bar"
	Area = "area"
	Pie  = "pie"
)

// Types lists the chart types, for help and error messages.
var Types = []string{Line, Bar, Area, Pie}

// Axis names for Series.Axis.
const (
	Left  = "left"
	Right = "right"
)

// MaxPerCard is how many chart elements Feishu accepts in one card.
const MaxPerCard = 5

// Series is one named line, set of bars, area or, for a pie, the slices.
type Series struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
	// Axis is "left" (the default) or "right". Empty lets Prepare put a
	// series an order of magnitude smaller than the largest on the right.
	Axis string `json:"axis,omitempty"`
}

// Chart is the one chart model behind the card's native chart element, the
// PNG and the inline SVG: a category axis X and one or more series.
type Chart struct {
	Type   string   `json:"type"`
	Title  string   `json:"title,omitempty"`
	X      []string `json:"x"`
	Series []Series `json:"series"`
	// Unit of the values: "¥" or "元" (Chinese money) writes ticks in 万 and
	// 亿; others are shown after the numbers in tooltips and the legend.
	// Empty: money when a series name says so (销售额, 金额, 收入, ...).
	Unit string `json:"unit,omitempty"`
}

// Validate checks that the chart can be drawn, naming the field at fault.
func (c *Chart) Validate() error {
	switch c.Type {
	case Line, Bar, Area, Pie:
	default:
		return fmt.Errorf("chart type %q: want %s", c.Type, strings.Join(Types, ", "))
	}
	if len(c.X) == 0 {
		return fmt.Errorf("chart has no x values")
	}
	if len(c.Series) == 0 {
		return fmt.Errorf("chart has no series")
	}
	if c.Type == Pie && len(c.Series) > 1 {
		return fmt.Errorf("a pie chart takes one series, not %d: draw one pie per series", len(c.Series))
	}
	for i, s := range c.Series {
		if len(s.Values) != len(c.X) {
			return fmt.Errorf("chart series %d (%s) has %d values for %d x values", i+1, s.Name, len(s.Values), len(c.X))
		}
		for j, v := range s.Values {
			if math.IsNaN(v) || math.Abs(v) > maxValue {
				return fmt.Errorf("chart series %d (%s) value %d is not a number the chart can show (at most 1e15)", i+1, s.Name, j+1)
			}
			if c.Type == Pie && v < 0 {
				return fmt.Errorf("pie chart value %d (%s) is negative", j+1, c.X[j])
			}
		}
		if s.Axis != "" && s.Axis != Left && s.Axis != Right {
			return fmt.Errorf("chart series %d (%s) axis %q: want left or right", i+1, s.Name, s.Axis)
		}
	}
	_, err := c.Axes()
	return err
}

// Axes returns the axis of each series: the one given, else left, except
// that a series whose largest value is more than ten times smaller than the
// largest series' goes on a right axis so it is not flat at zero. It fails
// when even two axes cannot show every series (say which to split).
func (c *Chart) Axes() ([]string, error) {
	axes := make([]string, len(c.Series))
	if c.Type == Pie {
		for i := range axes {
			axes[i] = Left
		}
		return axes, nil
	}
	big := 0.0
	for _, s := range c.Series {
		big = math.Max(big, magnitude(s.Values))
	}
	for i, s := range c.Series {
		switch {
		case s.Axis != "":
			axes[i] = s.Axis
		case big > 0 && magnitude(s.Values)*10 < big:
			axes[i] = Right
		default:
			axes[i] = Left
		}
	}
	for _, side := range []string{Left, Right} {
		lo, hi := -1, -1
		for i, s := range c.Series {
			if axes[i] != side {
				continue
			}
			m := magnitude(s.Values)
			if lo < 0 || m < magnitude(c.Series[lo].Values) {
				lo = i
			}
			if hi < 0 || m > magnitude(c.Series[hi].Values) {
				hi = i
			}
		}
		if lo >= 0 && magnitude(c.Series[lo].Values)*10 < magnitude(c.Series[hi].Values) {
			return nil, fmt.Errorf("chart series %q and %q differ by more than ten times and share the %s axis: draw them in separate charts",
				c.Series[hi].Name, c.Series[lo].Name, side)
		}
	}
	return axes, nil
}

func magnitude(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// Money reports whether the values are Chinese money, whose ticks read in
// 万 and 亿.
func (c *Chart) Money() bool {
	switch strings.TrimSpace(c.Unit) {
	case "¥", "￥", "元", "CNY", "RMB":
		return true
	case "":
	default:
		return false
	}
	for _, s := range c.Series {
		for _, w := range []string{"额", "元", "收入", "营收", "成本", "利润", "¥", "￥"} {
			if strings.Contains(s.Name, w) {
				return true
			}
		}
	}
	return false
}
