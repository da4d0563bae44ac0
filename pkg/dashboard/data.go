// Package dashboard turns a query's output (CSV, or JSON with KPIs, a table
// and a chart) into the dashboard card: headline numbers with their change,
// the table behind them, a chart, the data time and a button to the full
// dashboard.
package dashboard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/feishu-push/feishu-push/pkg/chart"
	"github.com/feishu-push/feishu-push/pkg/vchart"
)

// Data is the dashboard's data model. Every part is optional.
type Data struct {
	KPIs  []KPI        `json:"kpis"`
	Table *Table       `json:"table"`
	Chart *chart.Chart `json:"chart"`
}

// KPI is one headline number. Previous or Delta (a fraction: 0.053 is
// +5.3%) gives its change.
type KPI struct {
	Label          string   `json:"label"`
	Value          float64  `json:"value"`
	Unit           string   `json:"unit"`
	Previous       *float64 `json:"previous"`
	Delta          *float64 `json:"delta"`
	HigherIsBetter *bool    `json:"higher_is_better"`
}

// Change returns the relative change as a fraction, and whether there is one.
func (k KPI) Change() (float64, bool) {
	switch {
	case k.Delta != nil:
		return *k.Delta, true
	case k.Previous != nil && *k.Previous != 0:
		return (k.Value - *k.Previous) / abs(*k.Previous), true
	}
	return 0, false
}

// Better reports whether a change of sign d is good news.
func (k KPI) Better(d float64) bool {
	higher := k.HigherIsBetter == nil || *k.HigherIsBetter
	return (d > 0) == higher
}

// Table is a header and rows of cells: strings, or json.Number for numbers.
type Table struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
	// lines are the source lines of the rows, for error messages (CSV only).
	lines []int
}

// Error is bad data, located in its file.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Format guesses "csv" or "json" from a file name, then from the content.
func Format(name string, content []byte) string {
	switch {
	case strings.HasSuffix(strings.ToLower(name), ".json"):
		return "json"
	case strings.HasSuffix(strings.ToLower(name), ".csv"):
		return "csv"
	}
	if t := bytes.TrimLeft(content, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		return "json"
	}
	return "csv"
}

// Parse reads data in format "csv" or "json" ("" guesses from the name,
// then the content). CSV fills the table only.
func Parse(name, format string, b []byte) (*Data, error) {
	if format == "" {
		format = Format(name, b)
	}
	if format == "json" {
		return ParseJSON(name, b)
	}
	t, err := ParseCSV(name, b)
	if err != nil {
		return nil, err
	}
	return &Data{Table: t}, nil
}

// ParseJSON reads the JSON form of Data. Syntax and type errors name the
// line and column; shape errors name the field.
func ParseJSON(name string, b []byte) (*Data, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &Error{File: name, Msg: "empty file"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var d Data
	if err := dec.Decode(&d); err != nil {
		return nil, jsonError(name, b, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(b, int(dec.InputOffset()))
		return nil, &Error{File: name, Line: line, Col: col, Msg: "unexpected data after the JSON object"}
	}
	for i, k := range d.KPIs {
		if strings.TrimSpace(k.Label) == "" {
			return nil, &Error{File: name, Msg: fmt.Sprintf("kpis[%d]: no label", i)}
		}
	}
	if t := d.Table; t != nil {
		if len(t.Columns) == 0 {
			return nil, &Error{File: name, Msg: "table: no columns"}
		}
		for i, r := range t.Rows {
			if len(r) != len(t.Columns) {
				return nil, &Error{File: name, Msg: fmt.Sprintf("table.rows[%d]: %d cells for %d columns", i, len(r), len(t.Columns))}
			}
			for j, c := range r {
				switch c.(type) {
				case string, json.Number, nil:
				default:
					return nil, &Error{File: name, Msg: fmt.Sprintf("table.rows[%d][%d]: want a string or a number", i, j)}
				}
			}
		}
	}
	if d.Chart != nil {
		if err := d.Chart.Validate(); err != nil {
			return nil, &Error{File: name, Msg: err.Error()}
		}
	}
	return &d, nil
}

func jsonError(name string, b []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(b, int(se.Offset)-1)
		return &Error{File: name, Line: line, Col: col, Msg: "invalid JSON: " + se.Error()}
	case errors.As(err, &te):
		line, col := position(b, int(te.Offset)-1)
		return &Error{File: name, Line: line, Col: col, Msg: fmt.Sprintf("%s: want %s, have a JSON %s", te.Field, te.Type, te.Value)}
	}
	return &Error{File: name, Msg: strings.TrimPrefix(err.Error(), "json: ")}
}

func position(b []byte, off int) (int, int) {
	off = max(0, min(off, len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	return line, off - bytes.LastIndexByte(b[:off], '\n')
}

// ParseCSV reads a header row and data rows. Cells that read as numbers
// become json.Number. Ragged rows are errors naming the line.
func ParseCSV(name string, b []byte) (*Table, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &Error{File: name, Msg: "empty file"}
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = 0
	header, err := r.Read()
	if err != nil {
		return nil, csvError(name, err)
	}
	t := &Table{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, &Error{File: name, Line: 1, Msg: fmt.Sprintf("column %d has no name", i+1)}
		}
		t.Columns = append(t.Columns, h)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := r.FieldPos(0)
		row := make([]any, len(rec))
		for i, c := range rec {
			row[i] = cell(c)
		}
		t.Rows = append(t.Rows, row)
		t.lines = append(t.lines, line)
	}
	if len(t.Rows) == 0 {
		return nil, &Error{File: name, Line: 1, Msg: "a header and no data rows"}
	}
	return t, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = "this row has a different number of fields than the header"
		}
		return &Error{File: name, Line: pe.Line, Col: pe.Column, Msg: msg}
	}
	return &Error{File: name, Msg: err.Error()}
}

// cell turns a CSV field into a json.Number when it is a JSON number.
func cell(s string) any {
	t := strings.TrimSpace(s)
	if t != "" && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) && json.Valid([]byte(t)) {
		return json.Number(t)
	}
	return s
}

// column returns the index of a column by name.
func (t *Table) column(name, file, flag string) (int, error) {
	for i, c := range t.Columns {
		if c == name {
			return i, nil
		}
	}
	return 0, &Error{File: file, Msg: fmt.Sprintf("%s: no column %q (columns: %s)", flag, name, strings.Join(t.Columns, ", "))}
}

// numbers returns a column's values, failing on the first that is not a
// number with its line and column.
func (t *Table) numbers(col int, file, flag string) ([]float64, error) {
	out := make([]float64, len(t.Rows))
	for i, r := range t.Rows {
		n, ok := r[col].(json.Number)
		f, err := n.Float64()
		if !ok || err != nil {
			e := &Error{File: file, Msg: fmt.Sprintf("%s: %q in column %q is not a number", flag, fmt.Sprint(r[col]), t.Columns[col])}
			if i < len(t.lines) {
				e.Line, e.Col = t.lines[i], col+1
			} else {
				e.Msg = fmt.Sprintf("table.rows[%d]: %s", i, e.Msg)
			}
			return nil, e
		}
		out[i] = f
	}
	return out, nil
}

// DeriveKPI computes a KPI from a column: spec is "Label=COLUMN:agg" with
// agg one of sum, avg, max, min, last.
func DeriveKPI(t *Table, spec, file string) (KPI, error) {
	flag := fmt.Sprintf("--kpi %q", spec)
	label, rest, ok := strings.Cut(spec, "=")
	col, agg, ok2 := strings.Cut(rest, ":")
	label, col = strings.TrimSpace(label), strings.TrimSpace(col)
	if !ok || !ok2 || label == "" || col == "" {
		return KPI{}, fmt.Errorf("%s: want Label=COLUMN:sum|avg|max|min|last", flag)
	}
	if t == nil {
		return KPI{}, fmt.Errorf("%s: the data has no table", flag)
	}
	switch agg {
	case "sum", "avg", "max", "min", "last":
	default:
		return KPI{}, fmt.Errorf("%s: unknown aggregate %q (want sum, avg, max, min or last)", flag, agg)
	}
	i, err := t.column(col, file, flag)
	if err != nil {
		return KPI{}, err
	}
	vals, err := t.numbers(i, file, flag)
	if err != nil {
		return KPI{}, err
	}
	var v float64
	switch agg {
	case "sum", "avg":
		for _, x := range vals {
			v += x
		}
		if agg == "avg" {
			v /= float64(len(vals))
		}
	case "max", "min":
		v = vals[0]
		for _, x := range vals {
			if (agg == "max" && x > v) || (agg == "min" && x < v) {
				v = x
			}
		}
	case "last":
		v = vals[len(vals)-1]
	}
	return KPI{Label: label, Value: v}, nil
}

// DeriveChart builds a chart from columns: x gives the categories, ys the
// series (several make grouped bars or several lines, with a right axis
// for one an order of magnitude smaller). Rows with the same x add up, so
// --chart pie --chart-x 区域 gives each region's share. The title names the
// columns.
func DeriveChart(t *Table, typ, x string, ys []string, file string) (*chart.Chart, error) {
	if t == nil {
		return nil, fmt.Errorf("--chart: the data has no table")
	}
	switch typ {
	case chart.Line, chart.Bar, chart.Area, chart.Pie:
	default:
		return nil, fmt.Errorf("--chart %q: want %s", typ, strings.Join(vchart.Types, ", "))
	}
	if x == "" || len(ys) == 0 {
		return nil, fmt.Errorf("--chart needs --chart-x COLUMN and --chart-y COLUMN[,COLUMN]")
	}
	xi, err := t.column(x, file, "--chart-x")
	if err != nil {
		return nil, err
	}
	// Rows with the same x add up (stores by region), in first-seen order.
	c := &chart.Chart{Type: typ}
	slot := make([]int, len(t.Rows))
	seen := map[string]int{}
	for i, r := range t.Rows {
		x := fmt.Sprint(r[xi])
		if _, ok := seen[x]; !ok {
			seen[x] = len(c.X)
			c.X = append(c.X, x)
		}
		slot[i] = seen[x]
	}
	for _, y := range ys {
		yi, err := t.column(strings.TrimSpace(y), file, "--chart-y")
		if err != nil {
			return nil, err
		}
		vals, err := t.numbers(yi, file, "--chart-y")
		if err != nil {
			return nil, err
		}
		sums := make([]float64, len(c.X))
		for i, v := range vals {
			sums[slot[i]] += v
		}
		c.Series = append(c.Series, chart.Series{Name: t.Columns[yi], Values: sums})
	}
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	c.Title = fmt.Sprintf("%s（按%s）", strings.Join(names, "、"), t.Columns[xi])
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("--chart-y %s: %v", strings.Join(names, ","), err)
	}
	return c, nil
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
