package cli

import (
	"strings"

	"github.com/spf13/pflag"
)

// stringArray is pflag's stringArray without its cost at start-up: pflag
// renders every default through encoding/csv and a 4 KB buffer, once per
// flag of every command, whichever command runs. Each use adds one value,
// commas included; the first replaces the default.
type stringArray struct {
	value   *[]string
	changed bool
}

// stringArrayVar defines a repeatable string flag on fs.
func stringArrayVar(fs *pflag.FlagSet, p *[]string, name, usage string) {
	*p = nil
	fs.Var(&stringArray{value: p}, name, usage)
}

func (s *stringArray) Set(v string) error {
	if !s.changed {
		*s.value, s.changed = nil, true
	}
	*s.value = append(*s.value, v)
	return nil
}

func (s *stringArray) Type() string { return "stringArray" }

// String is empty for no values, so that help shows no default.
func (s *stringArray) String() string {
	if s.value == nil || len(*s.value) == 0 {
		return ""
	}
	return "[" + strings.Join(*s.value, ",") + "]"
}

// Append, Replace and GetSlice make it a pflag.SliceValue.
func (s *stringArray) Append(v string) error { *s.value = append(*s.value, v); return nil }

func (s *stringArray) Replace(vs []string) error {
	*s.value = append([]string(nil), vs...)
	return nil
}

func (s *stringArray) GetSlice() []string { return append([]string(nil), *s.value...) }
