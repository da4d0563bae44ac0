package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder records failures instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.golden")
	if err := os.WriteFile(path, []byte("{\n  \"a\": [\n    1,\n    \"x\"\n  ]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		got  string
		fail bool
	}{
		{`{"a":[1,"x"]}`, false},
		{` {"a": [1, "x"]}`, false}, // whitespace inside does not count
		{`{"a":[1,"y"]}`, true},
		{`{"a":[1,"x"],"b":2}`, true},
		{`{"a":[1,"x"]}` + "\n", true}, // a trailing newline does
	} {
		rec := &recorder{TB: t}
		JSON(rec, path, []byte(tc.got))
		if failed := len(rec.errors) > 0; failed != tc.fail {
			t.Errorf("JSON(%q): failures %q, want failure %v", tc.got, rec.errors, tc.fail)
		}
	}
	rec := &recorder{TB: t}
	JSON(rec, path, []byte(`{"a":[1,"y"]}`))
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], `-      "x"`) || !strings.Contains(rec.errors[0], `+      "y"`) || !strings.Contains(rec.errors[0], "line 4") {
		t.Errorf("the failure does not show the differing line:\n%s", rec.errors)
	}
}

func TestText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(path, []byte("<p>a</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for got, fail := range map[string]bool{"<p>a</p>\n": false, "<p>a</p>": true, "<p> a</p>\n": true} {
		rec := &recorder{TB: t}
		Text(rec, path, []byte(got))
		if failed := len(rec.errors) > 0; failed != fail {
			t.Errorf("Text(%q): failures %q, want failure %v", got, rec.errors, fail)
		}
	}
}

func TestPretty(t *testing.T) {
	got, err := Pretty([]byte(`{"k":{"v":"<&>"},"n":[]}`))
	if want := "{\n  \"k\": {\n    \"v\": \"<&>\"\n  },\n  \"n\": []\n}\n"; err != nil || string(got) != want {
		t.Errorf("Pretty = %q, %v; want %q", got, err, want)
	}
	if _, err := Pretty([]byte(`{"k":`)); err == nil {
		t.Error("Pretty accepted invalid JSON")
	}
}
