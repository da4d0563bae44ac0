package dashboard

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/feishu-push/feishu-push/pkg/card"
	"github.com/feishu-push/feishu-push/pkg/chart"
	"github.com/feishu-push/feishu-push/pkg/vchart"
)

// View is what a dashboard template sees: the data formatted for people.
// Templates (the built-in ones, or --template) use its fields by name, e.g.
// {{.Title}}, {{range .KPIRows}}, {{.Table.Rows}}.
type View struct {
	Title string
	// Color is the header colour: Options.Color when given, else green
	// when the first KPI's change is good news (up, or down when lower is
	// better), red when it is bad news, and blue when it is flat, has no
	// previous value or delta, or there are no KPIs.
	Color      string
	URL        string
	ButtonText string
	// Content is an optional summary in Feishu markdown.
	Content string
	// KPIRows are the KPIs in rows of even length, at most KPIsPerRow each.
	KPIRows [][]KPIView
	Table   *TableView
	Chart   *ChartView
	// Note is the data time line, e.g. "数据时间 2026-11-21 18:00 (Asia/Shanghai)".
	Note string
}

// KPIsPerRow is the most KPIs in one row of the card. A row is a
// column_set with flex_mode "none": its columns shrink side by side on a
// narrow screen rather than stack, so the row stays a row.
const KPIsPerRow = 4

// KPIView is one KPI, formatted.
type KPIView struct {
	Label string
	Value string // "¥128,430.50", "1,842 单"
	// Change is the size of the change, "5.3%"; Arrow gives its direction.
	// Empty without a previous value or a delta.
	Change string
	Arrow  string // ↑ ↓ or →
	// Color is green when the change is good news, red when bad, grey when flat.
	Color string
}

// TableView is the table as the 2.0 table component wants it.
type TableView struct {
	Columns []ColumnView
	// Rows are objects keyed by column Name; numbers stay numbers.
	Rows     []map[string]any
	PageSize int
	// Shown and Total count rows; Omitted = Total - Shown.
	Shown, Total, Omitted int
}

// ColumnView is one table column.
type ColumnView struct {
	Name        string // c0, c1, ...: safe keys for rows
	DisplayName string
	DataType    string // "number" or "text"
	// Precision is the decimals shown; -1 leaves each number as it is.
	Precision int
}

// ChartView is the chart: a native chart element (Element set) or an
// uploaded image (ImageKey set).
type ChartView struct {
	// Element is the card's native `chart` element with its VChart
	// chart_spec; its fields are the element's properties, for templates:
	// {{.Chart.Element.Spec}}, .AspectRatio, .ColorTheme, .Height, .Preview.
	Element *vchart.Element
	// ImageKey is the uploaded PNG; Alt describes it.
	ImageKey string
	Alt      string
}

// ChartMode chooses how the card shows the chart.
type ChartMode string

// Chart modes.
const (
	// ChartAuto is ChartNative on a 2.0 card and ChartImage on a 1.0 card.
	ChartAuto ChartMode = ""
	// ChartNative is Feishu's own chart element: interactive, themed, no
	// upload (so a webhook sends it too). Needs a 2.0 card.
	ChartNative ChartMode = "native"
	// ChartImage is a PNG drawn here, uploaded, and placed as an img.
	ChartImage ChartMode = "image"
	// ChartNone leaves the chart out.
	ChartNone ChartMode = "none"
)

// PlaceholderImageKey stands for the chart image until it is uploaded.
const PlaceholderImageKey = "img_chart_placeholder"

// ResolveChartMode returns the mode a card of cardVersion (1 or 2; 0 is 2)
// uses for mode, or an error for a native chart on a 1.0 card.
func ResolveChartMode(mode ChartMode, cardVersion int) (ChartMode, error) {
	switch mode {
	case ChartAuto:
		if cardVersion == 1 {
			return ChartImage, nil
		}
		return ChartNative, nil
	case ChartNative:
		if cardVersion == 1 {
			return "", fmt.Errorf("the native chart element goes in a 2.0 card: use --card-version 2, or the image chart with a 1.0 card")
		}
		return ChartNative, nil
	case ChartImage, ChartNone:
		return mode, nil
	}
	return "", fmt.Errorf("chart mode %q: want native, image or none", mode)
}

// Options control how data becomes a View.
type Options struct {
	Title, URL, ButtonText, Content string
	// Color overrides the header colour chosen from the main KPI.
	Color string
	// MaxRows caps the table (0: no cap).
	MaxRows int
	// Decimals for KPI values and number columns; -1 chooses: none for
	// whole numbers, else 2.
	Decimals int
	AsOf     time.Time
	// ChartMode chooses the native chart element, an image or no chart;
	// CardVersion (1 or 2, 0 is 2) resolves ChartAuto.
	ChartMode   ChartMode
	CardVersion int
	// ChartOut, when set, is a file DrawChart writes the chart PNG to,
	// whatever the mode.
	ChartOut string
	// ImageAlt describes the chart; empty is the chart's title or its
	// series names. An image chart's key is PlaceholderImageKey until the
	// caller uploads the PNG and sets View.Chart.ImageKey.
	ImageAlt string
}

// NewView formats d for a card.
func NewView(d *Data, o Options) *View {
	v := &View{Title: o.Title, URL: o.URL, ButtonText: o.ButtonText, Content: o.Content, Color: o.Color}
	var kpis []KPIView
	for i, k := range d.KPIs {
		kv := KPIView{Label: k.Label, Value: withUnit(formatNumber(k.Value, o.Decimals), k.Unit), Arrow: "→", Color: "grey"}
		if ch, ok := k.Change(); ok {
			kv.Change = fmt.Sprintf("%.1f%%", math.Abs(ch)*100)
			switch {
			case math.Abs(ch) < 0.0005:
			case ch > 0:
				kv.Arrow = "↑"
			default:
				kv.Arrow = "↓"
			}
			if kv.Arrow != "→" {
				kv.Color = "red"
				if k.Better(ch) {
					kv.Color = "green"
				}
			}
		}
		if i == 0 && v.Color == "" && kv.Color != "grey" {
			v.Color = kv.Color
		}
		kpis = append(kpis, kv)
	}
	// Rows as even as can be, at most KPIsPerRow each: 4 is one row, 5 is
	// 3 and 2, 7 is 4 and 3.
	if n := len(kpis); n > 0 {
		rows := (n + KPIsPerRow - 1) / KPIsPerRow
		per := (n + rows - 1) / rows
		for len(kpis) > 0 {
			k := min(per, len(kpis))
			v.KPIRows = append(v.KPIRows, kpis[:k:k])
			kpis = kpis[k:]
		}
	}
	if v.Color == "" {
		v.Color = "blue"
	}
	if d.Table != nil && len(d.Table.Rows) > 0 {
		v.Table = tableView(d.Table, o.Decimals)
		if o.MaxRows > 0 {
			v.TrimRows(o.MaxRows)
		}
	}
	if d.Chart != nil {
		v.Chart = chartView(d.Chart, o)
	}
	if !o.AsOf.IsZero() {
		zone := o.AsOf.Location().String()
		if zone == "Local" {
			zone = o.AsOf.Format("MST")
		}
		v.Note = fmt.Sprintf("数据时间 %s (%s)", o.AsOf.Format("2006-01-02 15:04"), zone)
	}
	return v
}

// chartView is the chart as o's mode wants it; nil for none or a chart
// that cannot be drawn (Validate reports that first).
func chartView(c *vchart.Chart, o Options) *ChartView {
	mode, err := ResolveChartMode(o.ChartMode, o.CardVersion)
	if err != nil || mode == ChartNone {
		return nil
	}
	alt := o.ImageAlt
	if alt == "" {
		alt = ChartAlt(c)
	}
	if mode == ChartImage {
		return &ChartView{ImageKey: PlaceholderImageKey, Alt: alt}
	}
	el, err := vchart.NewElement(c)
	if err != nil {
		return nil
	}
	return &ChartView{Element: el, Alt: alt}
}

// ChartAlt describes a chart in words: its title, else its series names.
func ChartAlt(c *vchart.Chart) string {
	if c.Title != "" {
		return c.Title
	}
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	return strings.Join(names, "、")
}

// DrawChart draws the chart PNG that the options need: for an image chart,
// and for o.ChartOut (which it writes). It returns nil when neither asks
// for one, so a native chart costs no drawing.
func DrawChart(d *Data, o Options) ([]byte, error) {
	mode, err := ResolveChartMode(o.ChartMode, o.CardVersion)
	if err != nil {
		return nil, err
	}
	if d.Chart == nil {
		if o.ChartOut != "" {
			return nil, fmt.Errorf("--chart-out: the data has no chart")
		}
		return nil, nil
	}
	if mode != ChartImage && o.ChartOut == "" {
		return nil, nil
	}
	png, err := chart.PNG(d.Chart)
	if err != nil {
		return nil, err
	}
	if o.ChartOut != "" {
		if err := os.WriteFile(o.ChartOut, png, 0o644); err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("--chart-out %s: %v", o.ChartOut, err)
		}
	}
	if mode != ChartImage {
		return nil, nil
	}
	return png, nil
}

func tableView(t *Table, decimals int) *TableView {
	tv := &TableView{Total: len(t.Rows), Shown: len(t.Rows)}
	for i, name := range t.Columns {
		cv := ColumnView{Name: fmt.Sprintf("c%d", i), DisplayName: name, DataType: "number"}
		whole, plain, decs := true, false, 0
		for _, r := range t.Rows {
			switch c := r[i].(type) {
			case json.Number:
				if f, _ := c.Float64(); f != math.Trunc(f) {
					whole = false
				}
				if _, frac, ok := strings.Cut(strings.ToLower(string(c)), "."); ok && !strings.Contains(frac, "e") {
					decs = max(decs, len(frac))
				} else {
					plain = true // written without decimals, like 32000
				}
			case nil:
			default:
				if strings.TrimSpace(fmt.Sprint(c)) != "" {
					cv.DataType = "text"
				}
			}
		}
		// Whole numbers stay whole: a column of whole numbers shows no
		// decimals; one whose numbers are all written with decimals (prices:
		// 76.00, 78.05) shows them alike; one that mixes 32000 and 28650.5
		// shows each number as it is (precision left out), so 32000 reads
		// 32,000, not 32,000.00.
		switch {
		case decimals >= 0:
			cv.Precision = decimals
		case whole:
		case !plain:
			cv.Precision = min(decs, 4)
		default:
			cv.Precision = -1
		}
		tv.Columns = append(tv.Columns, cv)
	}
	for _, r := range t.Rows {
		row := map[string]any{}
		for i, c := range r {
			switch {
			case c == nil:
				row[tv.Columns[i].Name] = ""
			case tv.Columns[i].DataType == "text":
				row[tv.Columns[i].Name] = fmt.Sprint(c)
			default:
				row[tv.Columns[i].Name] = c
			}
		}
		tv.Rows = append(tv.Rows, row)
	}
	tv.PageSize = min(10, max(1, len(tv.Rows)))
	return tv
}

// TrimRows keeps the first n rows of the table.
func (v *View) TrimRows(n int) {
	t := v.Table
	if t == nil || n >= len(t.Rows) {
		return
	}
	t.Rows = t.Rows[:max(n, 0)]
	t.Shown = len(t.Rows)
	t.Omitted = t.Total - t.Shown
	t.PageSize = min(10, max(1, len(t.Rows)))
	if len(t.Rows) == 0 {
		v.Table = nil
	}
}

// formatNumber writes v with thousands separators, with decimals digits
// after the point; a negative decimals means 2, or none for a whole number.
func formatNumber(v float64, decimals int) string {
	if decimals < 0 {
		decimals = 2
		if v == math.Trunc(v) {
			decimals = 0
		}
	}
	return vchart.Group(v, decimals)
}

// withUnit puts a currency symbol before the number and other units after.
func withUnit(n, unit string) string {
	switch {
	case unit == "":
		return n
	case strings.ContainsAny(unit, "¥$€£₩"):
		if strings.HasPrefix(n, "-") {
			return "-" + unit + n[1:]
		}
		return unit + n
	case unit == "%":
		return n + "%"
	}
	return n + " " + unit
}

// Built-in card templates: JSON 2.0 by default, 1.0 for old clients. They
// are copies of examples/dashboard/dashboard.v2.tmpl and .v1.tmpl, the
// reference for --template; a test keeps them identical.
var (
	//go:embed dashboard.v2.tmpl
	TemplateV2 []byte
	//go:embed dashboard.v1.tmpl
	TemplateV1 []byte
)

// Render renders v with a card template (name is used in errors) and
// checks the result.
func Render(name string, tmpl []byte, v *View) ([]byte, error) {
	out, err := card.Render(name, tmpl, v)
	if err != nil {
		return nil, err
	}
	if err := card.Validate(out); err != nil {
		return nil, fmt.Errorf("%s: rendered card: %v", name, err)
	}
	return card.Compact(out), nil
}
