package metrics

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads and writes the Prometheus text exposition format
// (version 0.0.4) for what feishu-push keeps in its textfile: counters,
// gauges and untyped series without timestamps. It is strict: anything
// else, and anything malformed, is an error naming the line.

// Family is one metric family: its HELP and TYPE and its series, in order.
type Family struct {
	Name string
	// Help is the HELP text, unescaped; "" writes no HELP line.
	Help string
	// Type is "counter", "gauge" or "untyped" ("" writes as untyped).
	Type   string
	Series []Series
}

// Series is one sample of a family: its labels, in order, and its value.
type Series struct {
	Labels []Label
	Value  float64
}

// Label is one name="value" pair; Value is unescaped.
type Label struct{ Name, Value string }

// Format writes fams in the text format, families and series in the order
// given. It fails on a name, label or type the format cannot carry.
func Format(w io.Writer, fams []Family) error {
	var b bytes.Buffer
	for _, f := range fams {
		if !validMetricName(f.Name) {
			return fmt.Errorf("metric name %q is not valid", f.Name)
		}
		typ := f.Type
		if typ == "" {
			typ = "untyped"
		}
		if !validType(typ) {
			return fmt.Errorf("%s: type %q is not supported", f.Name, f.Type)
		}
		if f.Help != "" {
			if !utf8.ValidString(f.Help) {
				return fmt.Errorf("%s: HELP is not valid UTF-8", f.Name)
			}
			b.WriteString("# HELP " + f.Name + " ")
			helpEscaper.WriteString(&b, f.Help)
			b.WriteByte('\n')
		}
		b.WriteString("# TYPE " + f.Name + " " + typ + "\n")
		for _, s := range f.Series {
			b.WriteString(f.Name)
			if len(s.Labels) > 0 {
				b.WriteByte('{')
				for i, l := range s.Labels {
					if !validLabelName(l.Name) {
						return fmt.Errorf("%s: label name %q is not valid", f.Name, l.Name)
					}
					if !utf8.ValidString(l.Value) {
						return fmt.Errorf("%s: value of label %s is not valid UTF-8", f.Name, l.Name)
					}
					if i > 0 {
						b.WriteByte(',')
					}
					b.WriteString(l.Name + `="`)
					labelEscaper.WriteString(&b, l.Value)
					b.WriteByte('"')
				}
				b.WriteByte('}')
			}
			b.WriteByte(' ')
			b.WriteString(FormatFloat(s.Value))
			b.WriteByte('\n')
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// FormatFloat writes a sample value as Prometheus does: +Inf, -Inf, NaN,
// and otherwise the shortest representation that reads back exactly.
func FormatFloat(v float64) string {
	switch {
	case v == 0:
		return "0" // also -0, as the reference encoder writes it
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Parse reads the text format. Comments other than HELP and TYPE and
// blank lines are skipped. A family's HELP and TYPE come before its
// series, and its series are contiguous; a repeated series, a timestamp
// (which the textfile collector refuses), a histogram or summary, invalid
// UTF-8, or an unknown escape is an error that names the line.
func Parse(r io.Reader) ([]Family, error) {
	var (
		fams []Family
		seen = map[string]bool{}
		keys map[string]bool // series of the current family
	)
	cur := func() *Family {
		if len(fams) == 0 {
			return nil
		}
		return &fams[len(fams)-1]
	}
	// family returns the family name's, starting it if need be.
	family := func(name string) (*Family, error) {
		if f := cur(); f != nil && f.Name == name {
			return f, nil
		}
		if seen[name] {
			return nil, fmt.Errorf("%s appears again after another family", name)
		}
		seen[name] = true
		keys = map[string]bool{}
		fams = append(fams, Family{Name: name, Type: "untyped"})
		return cur(), nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	sc.Split(splitLF) // a \r stays part of its line, as in Prometheus
	typed, helped := map[string]bool{}, map[string]bool{}
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		fail := func(format string, a ...any) error {
			return fmt.Errorf("line %d: %s", n, fmt.Sprintf(format, a...))
		}
		if !utf8.ValidString(line) {
			return nil, fail("not valid UTF-8")
		}
		rest := strings.TrimLeft(line, " \t")
		if rest == "" {
			continue
		}
		if strings.HasPrefix(rest, "#") {
			kw, after := token(strings.TrimLeft(rest[1:], " \t"))
			if kw != "HELP" && kw != "TYPE" {
				continue // a comment
			}
			name, text := token(strings.TrimLeft(after, " \t"))
			if !validMetricName(name) {
				return nil, fail("%s line: metric name %q is not valid", kw, name)
			}
			if text != "" {
				text = text[1:] // the blank after the name; the rest is the text
			}
			f, err := family(name)
			if err != nil {
				return nil, fail("%v", err)
			}
			if kw == "HELP" {
				switch {
				case helped[name]:
					return nil, fail("second HELP line for %s", name)
				case len(f.Series) > 0:
					return nil, fail("HELP line for %s after its series", name)
				}
				helped[name] = true
				help, err := unescape(text, false)
				if err != nil {
					return nil, fail("HELP of %s: %v", name, err)
				}
				f.Help = help
				continue
			}
			typ := strings.Trim(text, " \t")
			switch {
			case typed[name]:
				return nil, fail("second TYPE line for %s", name)
			case len(f.Series) > 0:
				return nil, fail("TYPE line for %s after its series", name)
			case typ == "histogram" || typ == "summary":
				return nil, fail("%s: type %s is not supported", name, typ)
			case !validType(typ):
				return nil, fail("%s: unknown type %q", name, typ)
			}
			typed[name] = true
			f.Type = typ
			continue
		}
		s, name, err := parseSample(rest)
		if err != nil {
			return nil, fail("%v", err)
		}
		f, err := family(name)
		if err != nil {
			return nil, fail("%v", err)
		}
		k := seriesKey(s.Labels)
		if keys[k] {
			return nil, fail("a second %s series with the same labels", name)
		}
		keys[k] = true
		f.Series = append(f.Series, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return fams, nil
}

// parseSample reads `name{labels} value` (labels optional).
func parseSample(line string) (Series, string, error) {
	var s Series
	i := 0
	for i < len(line) && isNameByte(line[i], i == 0, true) {
		i++
	}
	name := line[:i]
	if name == "" {
		return s, "", fmt.Errorf("expected a metric name, found %q", clip(line))
	}
	rest := line[i:]
	if strings.HasPrefix(rest, "{") {
		labels, after, err := parseLabels(rest[1:])
		if err != nil {
			return s, "", fmt.Errorf("%s: %v", name, err)
		}
		s.Labels, rest = labels, after
	}
	if rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return s, "", fmt.Errorf("%s: expected a blank and a value, found %q", name, clip(rest))
	}
	val, tail := token(strings.TrimLeft(rest, " \t"))
	if strings.TrimLeft(tail, " \t") != "" {
		return s, "", fmt.Errorf("%s: a timestamp or trailing text (%q) is not supported", name, clip(strings.TrimLeft(tail, " \t")))
	}
	v, err := parseValue(val)
	if err != nil {
		return s, "", fmt.Errorf("%s: value %q is not a number", name, clip(val))
	}
	s.Value = v
	return s, name, nil
}

// parseLabels reads `a="x",b="y"}` (the brace already read) and returns
// what follows the closing brace.
func parseLabels(in string) ([]Label, string, error) {
	var labels []Label
	names := map[string]bool{}
	for {
		in = strings.TrimLeft(in, " \t")
		if strings.HasPrefix(in, "}") {
			return labels, in[1:], nil
		}
		i := 0
		for i < len(in) && isNameByte(in[i], i == 0, false) {
			i++
		}
		name := in[:i]
		if name == "" {
			return nil, "", fmt.Errorf("expected a label name or }, found %q", clip(in))
		}
		if names[name] {
			return nil, "", fmt.Errorf("label %s appears twice", name)
		}
		names[name] = true
		in = strings.TrimLeft(in[i:], " \t")
		if !strings.HasPrefix(in, "=") {
			return nil, "", fmt.Errorf("label %s: expected =", name)
		}
		in = strings.TrimLeft(in[1:], " \t")
		if !strings.HasPrefix(in, `"`) {
			return nil, "", fmt.Errorf("label %s: expected a quoted value", name)
		}
		end := closingQuote(in[1:])
		if end < 0 {
			return nil, "", fmt.Errorf("label %s: value not closed", name)
		}
		value, err := unescape(in[1:1+end], true)
		if err != nil {
			return nil, "", fmt.Errorf("label %s: %v", name, err)
		}
		labels = append(labels, Label{name, value})
		in = strings.TrimLeft(in[2+end:], " \t")
		switch {
		case strings.HasPrefix(in, ","):
			in = in[1:]
		case strings.HasPrefix(in, "}"):
		default:
			return nil, "", fmt.Errorf("after label %s: expected , or }", name)
		}
	}
}

// closingQuote is the index of the first unescaped quote in s, or -1.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unescape undoes \\ and \n, and \" in a label value.
func unescape(s string, label bool) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("a lone \\ at the end")
		}
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case '"':
			if !label {
				return "", fmt.Errorf(`invalid escape \"`)
			}
			b.WriteByte('"')
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return "", fmt.Errorf("invalid escape \\%c", r)
		}
	}
	return b.String(), nil
}

// parseValue reads a sample value: a decimal or exponent float, or
// +Inf, -Inf, Inf, NaN (any case, as Prometheus reads them).
func parseValue(s string) (float64, error) {
	if s == "" || strings.ContainsAny(s, "_xXpP") {
		return 0, strconv.ErrSyntax // no hex floats or digit separators
	}
	return strconv.ParseFloat(s, 64)
}

func token(s string) (tok, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func isNameByte(c byte, first, colon bool) bool {
	switch {
	case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		return true
	case c == ':':
		return colon
	case '0' <= c && c <= '9':
		return !first
	}
	return false
}

func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0, colon) {
			return false
		}
	}
	return true
}

func validMetricName(s string) bool { return validName(s, true) }
func validLabelName(s string) bool  { return validName(s, false) }

func validType(t string) bool { return t == "counter" || t == "gauge" || t == "untyped" }

// seriesKey identifies a series by its labels, whatever their order.
func seriesKey(labels []Label) string {
	ls := make([]string, len(labels))
	for i, l := range labels {
		ls[i] = l.Name + "\x00" + l.Value
	}
	slices.Sort(ls)
	return strings.Join(ls, "\x01")
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// splitLF splits at \n only.
func splitLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
