package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Version, Commit and Date are set at build time, e.g.
// -ldflags "-X .../pkg/cli.Version=v1.2.3"; a go install build takes them
// from the module and VCS information Go records in the binary.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// buildInfo describes the binary: version, commit, build date, Go version.
type buildInfo struct{ version, commit, date, goVersion string }

func readBuildInfo() buildInfo {
	b := buildInfo{version: Version, commit: Commit, date: Date, goVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.commit == "" {
					b.commit = s.Value
				}
			case "vcs.time":
				if b.date == "" {
					b.date = s.Value
				}
			}
		}
		if bi.GoVersion != "" {
			b.goVersion = bi.GoVersion
		}
	}
	if b.version == "" {
		b.version = "dev"
	}
	if len(b.commit) > 12 {
		b.commit = b.commit[:12]
	}
	return b
}

// version returns the version alone, for the User-Agent.
func version() string { return readBuildInfo().version }

// versionLine is what both `version` and `--version` print.
func versionLine() string {
	b := readBuildInfo()
	return fmt.Sprintf("feishu-push %s (commit %s, built %s, %s)", b.version, first(b.commit, "unknown"), first(b.date, "unknown"), b.goVersion)
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Print the version, commit, build date and Go version",
		Args:        cobra.NoArgs,
		Annotations: map[string]string{exitAnnotation: "0"},
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(f.IO.Out, versionLine())
			return err
		}),
	}
}

// exitAnnotation lists, in a command's annotations, the exit codes that
// apply to it; the help shows those only.
const exitAnnotation = "exit-codes"

// exitMeaning is the help's line for each exit code.
var exitMeaning = map[string]string{
	"0":   "success: every message accepted (or the token, page or dry run printed)",
	"1":   "unexpected internal error",
	"2":   "usage or input error; nothing was sent and no token fetched",
	"3":   "Feishu rejected the message (bot not in chat, user not visible, ...)",
	"4":   "authentication failed: app id/secret, token, webhook signature or token",
	"5":   "transient failure (network, timeout, HTTP 5xx, rate limit); retry later",
	"6":   "the spool could not be written (disk full, read-only, refused dir); nothing sent, nothing kept",
	"130": "interrupted",
}

const sendExitCodes = "0 1 2 3 4 5 6 130"

// ExitCodesHelp renders the exit codes that apply to cmd, one a line, as
// its help shows them; the man pages use it too.
func ExitCodesHelp(cmd *cobra.Command) string { return exitCodesOf(cmd) }

// exitCodesOf renders the exit codes that apply to cmd.
func exitCodesOf(cmd *cobra.Command) string {
	codes := sendExitCodes
	for c := cmd; c != nil; c = c.Parent() {
		if v, ok := c.Annotations[exitAnnotation]; ok {
			codes = v
			break
		}
	}
	var b strings.Builder
	for _, c := range strings.Fields(codes) {
		fmt.Fprintf(&b, "  %-4s %s\n", c, exitMeaning[c])
	}
	return strings.TrimRight(b.String(), "\n")
}

// helpTemplate puts what a command does and its usage first, then the
// details, the flags, and the exit codes that apply, once.
const helpTemplate = `{{with .Short}}{{.}}

{{end}}Usage:
{{- if .Runnable}}
  {{.UseLine}}{{end}}
{{- if .HasAvailableSubCommands}}
  {{.CommandPath}} COMMAND [flags]{{end}}
{{with .Long}}
{{. | trimTrailingWhitespaces}}
{{end}}{{if .HasExample}}
Examples:
{{.Example}}
{{end}}{{if .HasAvailableSubCommands}}
Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}
{{end}}{{if .HasAvailableLocalFlags}}
Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}
{{end}}{{if .HasAvailableInheritedFlags}}
Global flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}
{{end}}
Exit status:
{{exitCodes .}}
`

// addTemplateFuncs registers the help's functions with cobra, once: its
// table is global.
var addTemplateFuncs = sync.OnceFunc(func() {
	cobra.AddTemplateFunc("exitCodes", exitCodesOf)
	cobra.AddTemplateFunc("versionLine", versionLine)
})

// setHelp installs the help layout on root and its commands.
func setHelp(root *cobra.Command) {
	addTemplateFuncs()
	root.SetHelpTemplate(helpTemplate)
	root.SetUsageTemplate("Usage:\n  {{.UseLine}}\nRun '{{.CommandPath}} --help' for more.\n")
	root.SetVersionTemplate("{{versionLine}}\n")
}

// flagError turns cobra's flag errors into usage errors, suggesting the
// nearest flag for an unknown one.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if s := nearestFlag(cmd, name); s != "" {
			err = fmt.Errorf("%s (did you mean --%s?)", msg, s)
		}
	}
	return &UsageError{Err: err}
}

// nearestFlag returns the flag of cmd closest to name, or "" when none is
// close.
func nearestFlag(cmd *cobra.Command, name string) string {
	best, bestD := "", 3
	visit := func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		d := editDistance(name, fl.Name)
		if strings.HasPrefix(fl.Name, name) && len(name) >= 3 {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = fl.Name, d
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	if bestD > max(1, min(2, len(name)/3)) {
		return ""
	}
	return best
}

// editDistance is the edit distance of a and b, a swap of two neighbours
// counting as one edit (optimal string alignment).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
