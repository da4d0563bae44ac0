package vchart

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// plot is what the drawing needs, read from a Chart or from a chart_spec.
type plot struct {
	title      string
	pie        bool
	donut      float64 // inner radius as a fraction of the outer
	cats       []string
	series     []pseries
	horizontal bool // bars grow to the right, categories down the left
	stack      bool
	zero       bool // the value axis includes 0
	money      bool
	legend     bool
}

type pseries struct {
	name   string
	mark   string // bar, line or area
	right  bool
	values []float64 // NaN where the category has no value
}

func fromChart(c *Chart) (*plot, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	axes, _ := c.Axes()
	names := seriesNames(c)
	p := &plot{title: c.Title, pie: c.Type == Pie, cats: c.X, money: c.Money(), legend: len(c.Series) > 1 || c.Type == Pie, zero: c.Type != Line}
	for i, s := range c.Series {
		mark := c.Type
		if mark == Bar && axes[i] == Right {
			mark = Line
		}
		p.series = append(p.series, pseries{name: names[i], mark: mark, right: axes[i] == Right, values: s.Values})
	}
	return p, nil
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// fromSpec reads the common VChart shapes: line, bar (vertical, horizontal,
// grouped, stacked), area, pie (and donut), and a common chart of those.
func fromSpec(raw json.RawMessage) (*plot, error) {
	var spec map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&spec); err != nil || spec == nil {
		return nil, unsupported("chart_spec is not a JSON object")
	}
	p := &plot{title: title(spec["title"]), zero: true}
	for _, a := range asList(spec["axes"]) {
		am, _ := a.(map[string]any)
		if z, ok := am["zero"].(bool); ok && !z && am["orient"] == "left" {
			p.zero = false
		}
	}
	data, err := datasets(spec["data"])
	if err != nil {
		return nil, err
	}
	typ, _ := spec["type"].(string)
	b := &builder{p: p, catIndex: map[string]int{}, seriesIndex: map[string]int{}}
	switch typ {
	case Line, Bar, Area:
		if err := b.add(spec, typ, data, false); err != nil {
			return nil, err
		}
	case Pie:
		p.pie = true
		if err := b.addPie(spec, data); err != nil {
			return nil, err
		}
	case "common":
		list, _ := spec["series"].([]any)
		rightSeries := rightAxisSeries(spec["axes"])
		for i, s := range list {
			sm, _ := s.(map[string]any)
			st, _ := sm["type"].(string)
			if st != Line && st != Bar && st != Area {
				return nil, unsupported("common chart series of type %q", st)
			}
			id, _ := sm["id"].(string)
			if err := b.add(sm, st, data, rightSeries[strconv.Itoa(i)] || (id != "" && rightSeries["id:"+id])); err != nil {
				return nil, err
			}
		}
	default:
		return nil, unsupported("chart type %q", typ)
	}
	if len(p.cats) == 0 || len(p.series) == 0 {
		return nil, unsupported("chart_spec has no data to draw")
	}
	c := &Chart{Series: make([]Series, len(p.series))}
	for i, s := range p.series {
		c.Series[i].Name = s.name
	}
	p.money = c.Money()
	if lg, ok := spec["legends"].(map[string]any); ok {
		v, set := lg["visible"].(bool)
		p.legend = !set || v
	} else {
		p.legend = len(p.series) > 1 || p.pie
	}
	return p, nil
}

func title(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		if vis, ok := t["visible"].(bool); ok && !vis {
			return ""
		}
		s, _ := t["text"].(string)
		if arr, ok := t["text"].([]any); ok {
			var parts []string
			for _, a := range arr {
				parts = append(parts, fmt.Sprint(a))
			}
			s = strings.Join(parts, " ")
		}
		return s
	}
	return ""
}

type dataset struct {
	id     string
	values []map[string]any
}

func datasets(v any) ([]dataset, error) {
	var list []any
	switch t := v.(type) {
	case map[string]any:
		list = []any{t}
	case []any:
		list = t
	default:
		return nil, unsupported("chart_spec has no inline data")
	}
	var out []dataset
	for _, d := range list {
		dm, _ := d.(map[string]any)
		vals, ok := dm["values"].([]any)
		if !ok {
			return nil, unsupported("chart_spec data without values")
		}
		ds := dataset{}
		ds.id, _ = dm["id"].(string)
		for _, r := range vals {
			if rm, ok := r.(map[string]any); ok {
				ds.values = append(ds.values, rm)
			}
		}
		out = append(out, ds)
	}
	return out, nil
}

// rightAxisSeries returns the series (by index, or "id:"+id) bound to a
// right (or, for horizontal charts, top) axis.
func rightAxisSeries(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, a := range list {
		am, _ := a.(map[string]any)
		if o, _ := am["orient"].(string); o != "right" {
			continue
		}
		for _, k := range asList(am["seriesIndex"]) {
			out[fmt.Sprint(k)] = true
		}
		for _, k := range asList(am["seriesId"]) {
			out["id:"+fmt.Sprint(k)] = true
		}
	}
	return out
}

func asList(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case nil:
		return nil
	}
	return []any{v}
}

func fields(v any) []string {
	var out []string
	for _, f := range asList(v) {
		if s, ok := f.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// maxValue bounds the values drawn, so sums and ranges stay finite.
const maxValue = 1e15

func number(v any) (float64, bool) {
	f, ok := parseNumber(v)
	return f, ok && !math.IsNaN(f) && math.Abs(f) <= maxValue
}

func parseNumber(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(t, ",", "")), 64)
		return f, err == nil
	case float64:
		return t, true
	}
	return 0, false
}

func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	return fmt.Sprint(v)
}

type builder struct {
	p           *plot
	catIndex    map[string]int
	seriesIndex map[string]int
}

func (b *builder) cat(name string) int {
	if i, ok := b.catIndex[name]; ok {
		return i
	}
	b.catIndex[name] = len(b.p.cats)
	b.p.cats = append(b.p.cats, name)
	for i := range b.p.series {
		b.p.series[i].values = append(b.p.series[i].values, math.NaN())
	}
	return b.catIndex[name]
}

func (b *builder) series(name, mark string, right bool) int {
	key := name + "\x00" + mark
	if i, ok := b.seriesIndex[key]; ok {
		return i
	}
	vals := make([]float64, len(b.p.cats))
	for i := range vals {
		vals[i] = math.NaN()
	}
	b.seriesIndex[key] = len(b.p.series)
	b.p.series = append(b.p.series, pseries{name: name, mark: mark, right: right, values: vals})
	return b.seriesIndex[key]
}

func pick(spec map[string]any, data []dataset) ([]map[string]any, error) {
	if len(data) == 0 {
		return nil, unsupported("chart_spec has no data")
	}
	if id, ok := spec["dataId"].(string); ok {
		for _, d := range data {
			if d.id == id {
				return d.values, nil
			}
		}
		return nil, unsupported("no data with id %q", id)
	}
	if n, ok := number(spec["dataIndex"]); ok {
		if int(n) < 0 || int(n) >= len(data) {
			return nil, unsupported("dataIndex %v out of range", n)
		}
		return data[int(n)].values, nil
	}
	if d, ok := spec["data"]; ok {
		if ds, err := datasets(d); err == nil && len(ds) > 0 {
			return ds[0].values, nil
		}
	}
	return data[0].values, nil
}

func (b *builder) add(spec map[string]any, mark string, data []dataset, right bool) error {
	rows, err := pick(spec, data)
	if err != nil {
		return err
	}
	xf, yf := fields(spec["xField"]), fields(spec["yField"])
	if dir, _ := spec["direction"].(string); dir == "horizontal" {
		xf, yf = yf, xf
		b.p.horizontal = true
	}
	if len(xf) == 0 || len(yf) == 0 {
		return unsupported("%s series without xField and yField", mark)
	}
	catField, valField := xf[0], yf[0]
	sf, _ := spec["seriesField"].(string)
	grouped := len(xf) > 1
	if sf == "" && grouped {
		sf = xf[1]
	}
	if st, ok := spec["stack"].(bool); ok {
		b.p.stack = b.p.stack || st
	} else if sf != "" && !grouped && (mark == Bar || mark == Area) {
		b.p.stack = true // VChart stacks bars and areas of several series by default
	}
	for _, r := range rows {
		v, ok := number(r[valField])
		if !ok {
			continue
		}
		name := valField
		if sf != "" {
			name = text(r[sf])
		}
		ci := b.cat(text(r[catField]))
		si := b.series(name, mark, right)
		b.p.series[si].values[ci] = v
	}
	return nil
}

func (b *builder) addPie(spec map[string]any, data []dataset) error {
	rows, err := pick(spec, data)
	if err != nil {
		return err
	}
	cf, _ := spec["categoryField"].(string)
	vf, _ := spec["valueField"].(string)
	if cf == "" || vf == "" {
		return unsupported("pie without categoryField and valueField")
	}
	if r, ok := number(spec["innerRadius"]); ok && r > 0 && r < 1 {
		outer := 0.6
		if o, ok := number(spec["outerRadius"]); ok && o > 0 {
			outer = o
		}
		b.p.donut = math.Min(r/outer, 0.9)
	}
	for _, r := range rows {
		v, ok := number(r[vf])
		if !ok || v < 0 {
			continue
		}
		ci := b.cat(text(r[cf]))
		si := b.series(vf, Pie, false)
		b.p.series[si].values[ci] = v
	}
	return nil
}
