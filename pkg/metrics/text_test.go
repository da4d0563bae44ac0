package metrics

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// testdata/expfmt.golden was written by github.com/prometheus/common's
// expfmt.MetricFamilyToText (v0.72.0), the encoder feishu-push used
// before: escapes, +Inf/-Inf/NaN, -0, extreme floats, CJK label values,
// counter and untyped families.
func TestParseReferenceEncoderOutput(t *testing.T) {
	golden, err := os.ReadFile("testdata/expfmt.golden")
	if err != nil {
		t.Fatal(err)
	}
	fams, err := Parse(bytes.NewReader(golden))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fams {
		names = append(names, f.Name+":"+f.Type)
	}
	want := "feishu_push_last_run_exit_code:gauge feishu_push_last_success_timestamp_seconds:gauge odd_values:gauge plain_counter_total:counter untyped_series:untyped"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("families %s, want %s", got, want)
	}
	if got := fams[1].Series[0].Labels[1].Value; got != "a\\b\"c\nd" {
		t.Errorf("escaped label value read as %q", got)
	}
	if got := fams[1].Series[2].Value; got != 1763712000.123 {
		t.Errorf("timestamp value %v", got)
	}
	if got := fams[2].Help; got != "Help with a backslash \\ and a\nnewline and \"quotes\"." {
		t.Errorf("help %q", got)
	}
	odd := map[string]float64{}
	for _, s := range fams[2].Series {
		odd[s.Labels[0].Value] = s.Value
	}
	if !math.IsInf(odd["inf"], 1) || !math.IsInf(odd["-inf"], -1) || !math.IsNaN(odd["nan"]) ||
		odd["tenth"] != 0.1 || odd["tiny"] != -2.5e-7 || odd["big"] != 1e21 || odd["max"] != math.MaxFloat64 ||
		odd["min"] != 5e-324 || odd["中文 ☃"] != 3 || odd["int"] != 123456789 {
		t.Errorf("values %v", odd)
	}
	if len(fams[3].Series) != 1 || fams[3].Series[0].Value != 42 || fams[3].Help != "" {
		t.Errorf("counter %+v", fams[3])
	}
	// Writing what was read gives back the reference encoder's bytes.
	var out bytes.Buffer
	if err := Format(&out, fams); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(golden) {
		t.Errorf("written differently from the reference encoder:\n%s\nwant\n%s", out.String(), golden)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"# TYPE a gauge\na 1\na 2\n", "line 3: a second a series"},
		{"a{x=\"1\"} 1\nb 1\na{x=\"2\"} 2\n", "line 3: a appears again"},
		{"a 1 1700000000000\n", "line 1: a: a timestamp"},
		{"# TYPE a histogram\n", "line 1: a: type histogram is not supported"},
		{"# TYPE a gauge\n# TYPE a gauge\n", "line 2: second TYPE"},
		{"# HELP a x\n# HELP a y\n", "line 2: second HELP"},
		{"a 1\n# TYPE a gauge\n", "line 2: TYPE line for a after its series"},
		{"\n\na{x=\"\\t\"} 1\n", `line 3: a: label x: invalid escape \t`},
		{"# HELP a say \\\"hi\\\"\n", `line 1: HELP of a: invalid escape \"`},
		{"a{x=\"1} 1\n", "line 1: a: label x: value not closed"},
		{"a{x=\"1\",x=\"2\"} 1\n", "line 1: a: label x appears twice"},
		{"a{x=\"1\" y=\"2\"} 1\n", "line 1: a: after label x: expected , or }"},
		{"a{1x=\"1\"} 1\n", "line 1: a: expected a label name"},
		{"a one\n", `line 1: a: value "one" is not a number`},
		{"a 0x1p3\n", `line 1: a: value "0x1p3" is not a number`},
		{"a\n", "line 1: a: expected a blank and a value"},
		{"a{} \n", "line 1: a: value \"\" is not a number"},
		{"9a 1\n", "line 1: expected a metric name"},
		{"a{x=\"\xff\"} 1\n", "line 1: not valid UTF-8"},
		{"# TYPE 1a gauge\n", "line 1: TYPE line: metric name \"1a\" is not valid"},
	} {
		_, err := Parse(strings.NewReader(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want %s…", c.in, err, c.want)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	in := "# a comment\n\n  # HELP a h\n# TYPE a counter\na{ x = \"1\" , } +inf\na{x=\"2\"}\t-Inf  \nb Nan\nc 1e3\n"
	fams, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(fams) != 3 || fams[0].Type != "counter" || len(fams[0].Series) != 2 || !math.IsInf(fams[0].Series[0].Value, 1) ||
		!math.IsNaN(fams[1].Series[0].Value) || fams[1].Type != "untyped" || fams[2].Series[0].Value != 1000 {
		t.Errorf("%+v", fams)
	}
}

func TestFormatRefuses(t *testing.T) {
	for _, f := range []Family{
		{Name: "a-b"},
		{Name: "a", Type: "histogram"},
		{Name: "a", Series: []Series{{Labels: []Label{{"l-1", "x"}}}}},
		{Name: "a", Series: []Series{{Labels: []Label{{"l", "\xff"}}}}},
	} {
		if err := Format(&bytes.Buffer{}, []Family{f}); err == nil {
			t.Errorf("Format(%+v) succeeded", f)
		}
	}
}

// TestWriteOverlapping: runs of different jobs writing one file at the same
// time all keep their series.
func TestWriteOverlapping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "feishu_push.prom")
	var wg sync.WaitGroup
	const jobs = 8
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			end := time.Unix(1_800_000_000+int64(i), 0)
			r := Run{Job: fmt.Sprintf("job%d", i), Command: "send-text", Start: end.Add(-time.Second), End: end, OK: true, Sent: i}
			if err := Write(path, r, func(w string) { t.Error(w) }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fams, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		want := jobs
		if f.Name == LastMessages {
			want = 3 * jobs
		}
		if len(f.Series) != want {
			t.Errorf("%s has %d series, want %d:\n%s", f.Name, len(f.Series), want, b)
		}
	}
	if len(fams) != 5 {
		t.Errorf("%d families:\n%s", len(fams), b)
	}
	// The text is sorted: writing it again from what was read changes nothing.
	var again bytes.Buffer
	if err := Format(&again, fams); err != nil || again.String() != string(b) {
		t.Errorf("not stable (%v):\n%s", err, again.String())
	}
}

// FuzzParse: Parse never panics; what it accepts, written and read again,
// is the same families, and a written family reads back as written.
func FuzzParse(f *testing.F) {
	golden, _ := os.ReadFile("testdata/expfmt.golden")
	f.Add(golden, "help \\ \n", "v\"\\\n", 1.5)
	f.Add([]byte("a{x=\"1\"} NaN\n# TYPE b counter\nb 2\n"), "", "", math.Inf(-1))
	f.Fuzz(func(t *testing.T, data []byte, help, value string, v float64) {
		if fams, err := Parse(bytes.NewReader(data)); err == nil {
			roundTrip(t, fams)
		}
		fam := Family{Name: "fuzz_metric", Help: help, Type: "gauge", Series: []Series{{Labels: []Label{{"l", value}, {"m", help}}, Value: v}}}
		var b bytes.Buffer
		if err := Format(&b, []Family{fam}); err != nil {
			return // not UTF-8
		}
		got, err := Parse(&b)
		if err != nil {
			t.Fatalf("written text does not parse: %v\n%s", err, b.String())
		}
		if !equal(got, []Family{fam}) {
			t.Fatalf("read back %+v, wrote %+v", got, fam)
		}
	})
}

func roundTrip(t *testing.T, fams []Family) {
	t.Helper()
	var b bytes.Buffer
	if err := Format(&b, fams); err != nil {
		t.Fatalf("parsed families do not write: %v", err)
	}
	again, err := Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("written text does not parse: %v\n%s", err, b.String())
	}
	if !equal(again, fams) {
		t.Fatalf("read back %+v, was %+v", again, fams)
	}
}

// equal compares families, NaN equal to NaN and -0 to 0.
func equal(a, b []Family) bool {
	norm := func(fs []Family) []Family {
		out := make([]Family, len(fs))
		for i, f := range fs {
			if f.Type == "" {
				f.Type = "untyped"
			}
			f.Series = append([]Series(nil), f.Series...)
			for j := range f.Series {
				if math.IsNaN(f.Series[j].Value) {
					f.Series[j].Value = 0.5 // a value FormatFloat cannot produce from a NaN
					f.Series[j].Labels = append(f.Series[j].Labels, Label{"\x00nan", ""})
				}
				if len(f.Series[j].Labels) == 0 {
					f.Series[j].Labels = nil
				}
			}
			if len(f.Series) == 0 {
				f.Series = nil
			}
			out[i] = f
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
