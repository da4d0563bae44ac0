// Package cli implements the feishu-push commands. Each command is an
// options struct, a constructor that binds flags into it, and a run function
// that tests call directly.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// Factory holds what commands share: streams, the environment, the clock,
// and the global flags. Settings are resolved on first use, so a command
// that fails on its own flags never reads a secret.
type Factory struct {
	IO     *IOStreams
	Getenv func(string) string
	Now    func() time.Time

	// flags are the global flags, declared from the settings table.
	flags globalFlags

	settings *Settings
	// apiClient is the invocation's client; see client.
	apiClient *feishu.Client
	// metrics, when set, is the run the metrics file records.
	metrics *metricsRun
	// sleep, when set, replaces the wait between retries (tests).
	sleep func(context.Context, time.Duration) error
	// ran is set when a command's run function starts; an error before
	// that came from cobra's own flag or argument checks.
	ran bool
	// ctx is the running command's context: reads of files and stdin end
	// when it is cancelled (SIGINT, SIGTERM).
	ctx context.Context
}

// context returns the running command's context.
func (f *Factory) context() context.Context {
	if f.ctx == nil {
		return context.Background()
	}
	return f.ctx
}

// NewFactory returns a Factory reading the environment through getenv.
func NewFactory(ios *IOStreams, getenv func(string) string) *Factory {
	return &Factory{IO: ios, Getenv: getenv, Now: time.Now, flags: globalFlags{}}
}

// Settings resolves the settings once.
func (f *Factory) Settings() (*Settings, error) {
	if f.settings == nil {
		s, err := f.resolveSettings()
		if err != nil {
			return nil, err
		}
		f.settings = s
	}
	return f.settings, nil
}

// Main runs feishu-push with args and returns the exit code. SIGINT and
// SIGTERM cancel the run, which then exits 130. A panic is reported in one
// line and exits 1.
func Main(args []string, ios *IOStreams) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(ios.ErrOut, "feishu-push: internal error (a bug; please report it): "+oneLine(fmt.Sprint(r)))
			code = ExitInternal
		}
	}()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			cancel(&feishu.InterruptedError{Signal: s.String()})
		case <-ctx.Done():
		}
	}()
	return Run(ctx, NewFactory(ios, os.Getenv), args)
}

// Run executes one command line with f and returns the exit code, after
// printing the error, if any, as one line on stderr.
func Run(ctx context.Context, f *Factory, args []string) int {
	return runTree(ctx, f, newRootFor(f, args), args)
}

// runTree runs args through the command tree root, which was built on f.
func runTree(ctx context.Context, f *Factory, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if err != nil {
		var ie *feishu.InterruptedError
		if cause := context.Cause(ctx); errors.As(cause, &ie) && !errors.Is(err, cause) {
			err = fmt.Errorf("%w: %v", cause, err)
		}
	}
	code := ExitCode(err)
	if err != nil && !f.ran && code == ExitInternal {
		code = ExitUsage // cobra's own checks: unknown command, bad arguments
	}
	if f.metrics != nil {
		f.writeMetrics(f.metrics, code)
	}
	if err != nil {
		var rep *delivery.ReportedError
		if errors.As(err, &rep) {
			if rep.Summary != "" {
				fmt.Fprintln(f.IO.ErrOut, "feishu-push: "+f.mask(rep.Summary))
			}
		} else {
			fmt.Fprintln(f.IO.ErrOut, "feishu-push: "+f.mask(oneLine(err.Error())))
		}
	}
	return code
}

// mask hides the invocation's secrets in text, once they are known, and
// the secret parts of any URL in it (redactURLs), whatever flag or argument
// the URL came from.
func (f *Factory) mask(text string) string {
	text = redactURLs(text)
	if f.settings == nil {
		return text
	}
	return f.settings.Mask(text)
}

var urlPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)https?://[^\s"'<>` + "`" + `]+`) })

// redactURLs replaces what may be a credential in every http(s) URL of
// text with "****": a webhook token (anything after "/hook/"), a user and
// password, and a query that names a token, secret, key or signature. An
// API URL of Feishu stays readable.
func redactURLs(text string) string {
	return urlPattern().ReplaceAllStringFunc(text, func(s string) string {
		// Punctuation that ends a sentence is not part of the URL.
		tail := ""
		for len(s) > 0 && strings.ContainsRune(".,;:)]}", rune(s[len(s)-1])) {
			s, tail = s[:len(s)-1], s[len(s)-1:]+tail
		}
		if i := strings.Index(strings.ToLower(s), "/hook/"); i >= 0 {
			return s[:i+len("/hook/")] + "****" + tail
		}
		scheme, rest, _ := strings.Cut(s, "://")
		authority, path := rest, ""
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			authority, path = rest[:i], rest[i:]
		}
		if i := strings.LastIndexByte(authority, '@'); i >= 0 {
			authority = "****" + authority[i:]
		}
		if i := strings.IndexByte(path, '?'); i >= 0 {
			q := strings.ToLower(path[i+1:])
			if strings.Contains(q, "token") || strings.Contains(q, "secret") || strings.Contains(q, "key") ||
				strings.Contains(q, "sign") || strings.Contains(q, "access") {
				path = path[:i+1] + "****"
			}
		}
		return scheme + "://" + authority + path + tail
	})
}

// oneLine folds a multi-line message, such as cobra's suggestions, into one
// line, so that a failure is always one line on stderr.
func oneLine(msg string) string {
	head, suggestions, found := strings.Cut(msg, "\n\nDid you mean this?\n")
	if found {
		return head + " (did you mean " + strings.Join(strings.Fields(suggestions), ", ") + "?)"
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", " ")), " ")
}

// runE marks the start of a command's own work, for exit-code purposes.
func (f *Factory) runE(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		f.ran = true
		f.ctx = cmd.Context()
		return fn(cmd, args)
	}
}

// newRoot returns the root command, with the global flags and no
// subcommands.
func newRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "feishu-push",
		Short: "Push text and cards to Feishu/Lark as a bot, from cron, shell and CI",
		Long: `feishu-push sends messages to Feishu or Lark as a bot: through an app bot
(app id + app secret) to users and chats, or through a group custom bot
(webhook URL, optional signing secret). It is built for cron and CI: quiet on
success, one line on stderr per failure, a JSON log line per message with
--log-file, and an exit status that says what happened.

Settings come from flags, then the environment, then the config file, then
defaults. Secrets belong in the environment or a file, not in argv.

Environment (see --help of each flag):
` + envHelp() + `
`,
		// Only --version needs the version line (setHelp's template):
		// reading the build information is left to it.
		Version:       "see the version template",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(flagError)
	setHelp(root)
	f.flags.addFlags(root.PersistentFlags())
	return root
}

// NewRootCmd returns the feishu-push command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := newRoot(f)
	for _, c := range commands {
		root.AddCommand(c.build(f))
	}
	return root
}

// commands are the subcommands, in the order help lists them.
var commands = []struct {
	name  string
	build func(*Factory) *cobra.Command
}{
	{"token", newTokenCmd},
	{"send-text", func(f *Factory) *cobra.Command { return newSendTextCmd(f, nil, nil) }},
	{"send-card", func(f *Factory) *cobra.Command { return newSendCardCmd(f, nil, nil) }},
	{"push-dashboard", func(f *Factory) *cobra.Command { return newPushDashboardCmd(f, nil) }},
	{"send-image", newSendImageCmd},
	{"send-file", newSendFileCmd},
	{"send-post", newSendPostCmd},
	{"recall", newRecallCmd},
	{"sandbox", newSandboxCmd},
	{"listen", func(f *Factory) *cobra.Command { return newListenCmd(f, nil) }},
	{"flush", newFlushCmd},
	{"lint", newLintCmd},
	{"preview", newPreviewCmd},
	{"version", newVersionCmd},
}

// newRootFor returns the command tree that args need. When args start
// with a subcommand's name, that is the one subcommand built: a cron job's
// send does not pay for declaring the flags of every other command. Help,
// completion, an unknown command or a global flag first get the whole
// tree, so that listings and suggestions are complete.
func newRootFor(f *Factory, args []string) *cobra.Command {
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] {
				root := newRoot(f)
				root.AddCommand(c.build(f))
				// Only `completion` itself needs it, which gets the whole tree.
				root.CompletionOptions.DisableDefaultCmd = true
				return root
			}
		}
	}
	return NewRootCmd(f)
}
