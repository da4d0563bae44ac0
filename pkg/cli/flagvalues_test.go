package cli

import (
	"reflect"
	"testing"

	"github.com/spf13/pflag"
)

// TestStringArrayActsAsPflags holds stringArray to pflag's own: the same
// values from the same arguments, and the same help line.
func TestStringArrayActsAsPflags(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"--to", "a"},
		{"--to", "a,b", "--to=c", "--to", ""},
		{"--to", `"q",x`},
	} {
		var ours, theirs []string
		a, b := pflag.NewFlagSet("a", pflag.ContinueOnError), pflag.NewFlagSet("b", pflag.ContinueOnError)
		stringArrayVar(a, &ours, "to", "recipient `ID`; repeatable")
		b.StringArrayVar(&theirs, "to", nil, "recipient `ID`; repeatable")
		if err := a.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := b.Parse(args); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("%q: got %q, pflag gives %q", args, ours, theirs)
		}
		if a.FlagUsages() != b.FlagUsages() {
			t.Errorf("help: %q, pflag's %q", a.FlagUsages(), b.FlagUsages())
		}
	}
}
