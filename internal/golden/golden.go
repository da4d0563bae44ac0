// Package golden compares test output with golden files under testdata,
// and rewrites them when the tests run with -update. It is the one golden
// helper of the module's tests; it imports only the standard library, so
// any package's tests can use it.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

// JSON compares the JSON document got with the golden file at path. The
// golden is stored pretty-printed (Pretty) so that a change reads as a
// small diff; got is formatted the same way before the comparison, so
// values, keys, key order and what follows the document count, whitespace
// inside it does not. Invalid JSON fails the test.
func JSON(t testing.TB, path string, got []byte) {
	t.Helper()
	pretty, err := Pretty(got)
	if err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", path, err, got)
	}
	Text(t, path, pretty)
}

// Pretty returns the JSON document b indented by two spaces, then a
// newline. Whitespace after the document is kept, as json.Indent does, so
// the golden of output that ends in a newline shows it as a blank last
// line and still checks it.
func Pretty(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// Text compares got byte for byte with the golden file at path: for
// output whose exact form is the point (HTML, a template's text).
func Text(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update to accept):\n%s", path, Diff(got, want))
	}
}

// Diff describes the first difference between got and want by line, with
// two lines of context.
func Diff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (got %d lines, want %d)\n", i+1, len(g), len(w))
	from := max(i-2, 0)
	for j := from; j < i; j++ {
		fmt.Fprintf(&b, "   %s\n", g[j])
	}
	for j := i; j < min(i+3, len(w)); j++ {
		fmt.Fprintf(&b, "-  %s\n", w[j])
	}
	for j := i; j < min(i+3, len(g)); j++ {
		fmt.Fprintf(&b, "+  %s\n", g[j])
	}
	return b.String()
}
