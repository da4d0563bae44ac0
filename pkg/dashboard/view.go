package dashboard

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/feishu-push/feishu-push/pkg/card"
)

// View is what a dashboard template sees: the data formatted for people.
// Templates (the built-in ones, or --template) use its fields by name, e.g.
// {{.Title}}, {{range .KPIRows}}, {{.Table.Rows}}.
type View struct {
	Title      string
	Color      string // header colour
	URL        string
	ButtonText string
	// Content is an optional summary in Feishu markdown.
	Content string
	// KPIRows are the KPIs, at most KPIsPerRow a row.
	KPIRows [][]KPIView
	Table   *TableView
	Chart   *ChartView
	// Note is the data time line, e.g. "数据时间 2026-11-21 18:00 (Asia/Shanghai)".
	Note string
}

// KPIsPerRow is how many KPIs share a row of the card.
const KPIsPerRow = 3

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
	Precision   int
}

// ChartView is the uploaded chart image.
type ChartView struct {
	ImageKey string
	Alt      string
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
	// ImageKey and ImageAlt describe an uploaded chart; empty for none.
	ImageKey, ImageAlt string
}

// NewView formats d for a card.
func NewView(d *Data, o Options) *View {
	v := &View{Title: o.Title, URL: o.URL, ButtonText: o.ButtonText, Content: o.Content, Color: o.Color}
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
		if i%KPIsPerRow == 0 {
			v.KPIRows = append(v.KPIRows, nil)
		}
		v.KPIRows[len(v.KPIRows)-1] = append(v.KPIRows[len(v.KPIRows)-1], kv)
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
	if o.ImageKey != "" {
		v.Chart = &ChartView{ImageKey: o.ImageKey, Alt: o.ImageAlt}
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

func tableView(t *Table, decimals int) *TableView {
	tv := &TableView{Total: len(t.Rows), Shown: len(t.Rows)}
	for i, name := range t.Columns {
		cv := ColumnView{Name: fmt.Sprintf("c%d", i), DisplayName: name, DataType: "number"}
		whole := true
		for _, r := range t.Rows {
			switch c := r[i].(type) {
			case json.Number:
				if f, _ := c.Float64(); f != math.Trunc(f) {
					whole = false
				}
			case nil:
			default:
				if strings.TrimSpace(fmt.Sprint(c)) != "" {
					cv.DataType = "text"
				}
			}
		}
		switch {
		case decimals >= 0:
			cv.Precision = decimals
		case !whole:
			cv.Precision = 2
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

// formatNumber writes v with thousands separators.
func formatNumber(v float64, decimals int) string {
	if decimals < 0 {
		decimals = 2
		if v == math.Trunc(v) {
			decimals = 0
		}
	}
	s := fmt.Sprintf("%.*f", decimals, math.Abs(v))
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
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
