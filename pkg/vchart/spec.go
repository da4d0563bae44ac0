package vchart

import (
	"encoding/json"
	"fmt"
)

// Field names of the data rows in the chart_spec we build.
const (
	fieldCategory = "category"
	fieldValue    = "value"
	fieldSeries   = "series"
)

// Element holds the card chart component's own properties (Feishu's
// documented `chart` element: aspect_ratio, color_theme, height, preview)
// around a chart_spec.
type Element struct {
	// AspectRatio is "1:1", "2:1", "4:3" or "16:9"; used when Height is auto.
	AspectRatio string `json:"aspect_ratio,omitempty"`
	// ColorTheme is a client palette (brand, rainbow, complementary,
	// converse, primary) that follows the client's light or dark theme,
	// unlike fixed colours in the spec.
	ColorTheme string `json:"color_theme,omitempty"`
	// Height is "auto" (from AspectRatio) or "1px".."999px".
	Height string `json:"height,omitempty"`
	// Preview lets the reader open the chart full screen.
	Preview bool `json:"preview"`
	// Spec is the chart_spec.
	Spec json.RawMessage `json:"chart_spec"`
}

// NewElement builds the chart element for c: its chart_spec and properties
// that suit its shape (a wider ratio for many categories, 4:3 for a pie).
func NewElement(c *Chart) (*Element, error) {
	spec, err := Spec(c)
	if err != nil {
		return nil, err
	}
	ratio := "16:9"
	switch {
	case c.Type == Pie:
		ratio = "4:3"
	case len(c.X) > 12:
		ratio = "4:3" // room for rotated category labels
	}
	return &Element{AspectRatio: ratio, ColorTheme: "brand", Height: "auto", Preview: true, Spec: spec}, nil
}

// JSON returns the whole element, {"tag":"chart",...}.
func (e *Element) JSON() json.RawMessage {
	b, _ := json.Marshal(struct {
		Tag string `json:"tag"`
		*Element
	}{"chart", e})
	return b
}

// Spec builds the VChart chart_spec for c: plain data and options, no
// functions (Feishu runs no JavaScript from cards), no fixed colours (the
// element's color_theme follows the client's theme).
func Spec(c *Chart) (json.RawMessage, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	axes, _ := c.Axes()
	names := seriesNames(c)
	spec := map[string]any{}
	if c.Title != "" {
		spec["title"] = map[string]any{"visible": true, "text": c.Title}
	}
	spec["tooltip"] = map[string]any{"visible": true}
	if c.Type == Pie {
		var rows []map[string]any
		for i, x := range c.X {
			rows = append(rows, map[string]any{fieldCategory: x, fieldValue: c.Series[0].Values[i]})
		}
		spec["type"] = Pie
		spec["data"] = []any{map[string]any{"id": "data", "values": rows}}
		spec["categoryField"] = fieldCategory
		spec["valueField"] = fieldValue
		spec["outerRadius"] = 0.75
		spec["label"] = map[string]any{"visible": true}
		spec["legends"] = map[string]any{"visible": true, "orient": "right"}
		return marshal(spec)
	}
	rows := map[string][]map[string]any{}
	for i, s := range c.Series {
		for j, x := range c.X {
			rows[axes[i]] = append(rows[axes[i]], map[string]any{fieldCategory: x, fieldValue: s.Values[j], fieldSeries: names[i]})
		}
	}
	spec["legends"] = map[string]any{"visible": len(c.Series) > 1, "orient": "top"}
	bottom := map[string]any{"orient": "bottom", "type": "band",
		// Show every category: rotate when they do not fit, never hide.
		"label": map[string]any{"visible": true, "autoRotate": true, "autoRotateAngle": []int{0, 45, 90}, "autoHide": false, "autoLimit": true}}
	// A line shows change and starts near its data; bars and areas start at 0.
	left := map[string]any{"orient": "left", "type": "linear", "zero": c.Type != Line, "nice": true}
	series := func(typ, axis string, n int) map[string]any {
		s := map[string]any{"type": typ, "xField": fieldCategory, "yField": fieldValue, "seriesField": fieldSeries}
		if typ == Bar && n > 1 {
			s["xField"] = []string{fieldCategory, fieldSeries} // side by side
		}
		if typ == Bar || typ == Area {
			s["stack"] = false
		}
		if typ == Line || typ == Area {
			s["point"] = map[string]any{"visible": true}
		}
		return s
	}
	if len(rows[Right]) == 0 {
		for k, v := range series(c.Type, Left, len(c.Series)) {
			spec[k] = v
		}
		spec["data"] = []any{map[string]any{"id": "data", "values": rows[Left]}}
		spec["axes"] = []any{bottom, left}
		return marshal(spec)
	}
	// Two axes: VChart's common chart, a series per axis. A bar chart keeps
	// its bars on the left and draws the right-axis series as a line.
	nl, nr := 0, 0
	for _, a := range axes {
		if a == Left {
			nl++
		} else {
			nr++
		}
	}
	rightType := c.Type
	if rightType == Bar {
		rightType = Line
	}
	ls, rs := series(c.Type, Left, nl), series(rightType, Right, nr)
	ls["dataIndex"], rs["dataIndex"] = 0, 1
	left["seriesIndex"] = []int{0}
	right := map[string]any{"orient": "right", "type": "linear", "zero": c.Type != Line, "nice": true, "seriesIndex": []int{1}, "grid": map[string]any{"visible": false}}
	bottom["seriesIndex"] = []int{0, 1}
	spec["type"] = "common"
	spec["data"] = []any{map[string]any{"id": "left", "values": rows[Left]}, map[string]any{"id": "right", "values": rows[Right]}}
	spec["series"] = []any{ls, rs}
	spec["axes"] = []any{bottom, left, right}
	return marshal(spec)
}

// seriesNames gives every series a distinct, non-empty name.
func seriesNames(c *Chart) []string {
	seen := map[string]bool{}
	out := make([]string, len(c.Series))
	for i, s := range c.Series {
		n := s.Name
		if n == "" {
			n = fmt.Sprintf("系列%d", i+1)
		}
		for base, k := n, 2; seen[n]; k++ {
			n = fmt.Sprintf("%s (%d)", base, k)
		}
		seen[n] = true
		out[i] = n
	}
	return out
}

func marshal(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	return b, err
}
