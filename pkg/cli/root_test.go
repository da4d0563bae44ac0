package cli

import (
	"context"
	"testing"

	"github.com/spf13/cobra"
)

// TestOneCommandTreeActsAsTheWholeOne holds the tree built for one named
// command to the whole tree: the same help, the same refusals, the same
// exit codes, for every command and preview's own subcommands.
func TestOneCommandTreeActsAsTheWholeOne(t *testing.T) {
	full := NewRootCmd(NewFactory(&IOStreams{}, func(string) string { return "" }))
	var lines [][]string
	for _, c := range commands {
		var sub *cobra.Command
		for _, s := range full.Commands() {
			if s.Name() == c.name {
				sub = s
			}
		}
		if sub == nil {
			t.Fatalf("commands has %q, which the tree does not", c.name)
		}
		lines = append(lines, []string{c.name, "--help"}, []string{c.name, "--no-such-flag"},
			[]string{c.name, "-h", "--log-level", "debug"}, []string{c.name, "--log-levl", "debug"}, []string{c.name, "--dry-runn"}, []string{c.name, "extra", "args", "--dry-run"})
		for _, s := range sub.Commands() {
			lines = append(lines, []string{c.name, s.Name(), "--help"}, []string{c.name, s.Name(), "--no-such-flag"})
		}
	}
	if len(full.Commands()) < len(commands) {
		t.Errorf("the tree has %d commands, the table %d", len(full.Commands()), len(commands))
	}
	run := func(args []string, whole bool) (int, string, string) {
		ios, _, out, errOut := TestStreams()
		f := NewFactory(ios, func(string) string { return "" })
		root := newRootFor(f, args)
		if whole {
			root = NewRootCmd(f)
		}
		code := runTree(context.Background(), f, root, args)
		return code, out.String(), errOut.String()
	}
	for _, args := range lines {
		c1, o1, e1 := run(args, false)
		c2, o2, e2 := run(args, true)
		if c1 != c2 || o1 != o2 || e1 != e2 {
			t.Errorf("%q: the one-command tree gives %d %q %q; the whole tree %d %q %q", args, c1, o1, e1, c2, o2, e2)
		}
	}
}
