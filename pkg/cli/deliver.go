package cli

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/safefile"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// SendOptions are the flags every sending command shares.
type SendOptions struct {
	// To are the --to arguments, each possibly a comma-separated list.
	To []string
	// ToFile is a file of recipients, one a line, - for stdin.
	ToFile string
	// UUID is the --uuid de-duplication key.
	UUID string
	// Batch sends to users through message/v4/batch_send.
	Batch bool
	// ReplyTo replies to this message instead of sending to --to, in its
	// thread when InThread.
	ReplyTo  string
	InThread bool
	// UpdateKey, on the commands that take it, updates the card remembered
	// for the key instead of sending a new one.
	UpdateKey string

	// appOnly, when set, names what the message has that only an app
	// bot's messages can carry (a callback button); a webhook is refused.
	appOnly string
	// preview, set by the preview command, draws instead of sending.
	preview *previewOptions
}

func (o *SendOptions) addFlags(cmd *cobra.Command) {
	stringArrayVar(cmd.Flags(), &o.To, "to", "recipient `ID`: ou_/on_/oc_ id, email, user id, or type:id; repeatable, comma-separated")
	cmd.Flags().StringVar(&o.ToFile, "to-file", "", "read recipients from this `FILE`, one a line (# comments), - for stdin")
	cmd.Flags().StringVar(&o.UUID, "uuid", "", "de-duplication `KEY`: Feishu sends at most one message per key (per recipient) within an hour")
	cmd.Flags().BoolVar(&o.Batch, "batch", false, "send to many users with Feishu's batch_send (users only, 200 ids a request)")
	o.addReplyFlags(cmd)
}

// retryBaseDelay is the first backoff; tests shorten it.
var retryBaseDelay = 500 * time.Millisecond

// sendRun is one run of a sending command: its settings, its audience
// (resolved once), its client and the Sender its plans go to.
type sendRun struct {
	f       *Factory
	s       *Settings
	command string
	aud     delivery.Audience
	client  *feishu.Client
	sender  delivery.Sender
	engine  *delivery.Engine // nil unless really sending
	preview bool
	// reply and keyed are set for --reply-to and --update-key (life.go).
	reply *SendOptions
	keyed *keyedRun
}

// startSend resolves the settings and the audience of a sending command,
// and picks its Sender: a preview, a dry run, or the engine.
func (f *Factory) startSend(command string, o *SendOptions) (*sendRun, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	r := &sendRun{f: f, s: s, command: command, preview: o.preview != nil}
	if err := r.checkLife(o); err != nil {
		return nil, err
	}
	if o.preview == nil && !s.DryRun && s.MetricsFile != "" {
		if err := checkStatePath(s.MetricsFile); err != nil {
			return nil, usageErrorf("--metrics-file %s: %v", s.MetricsFile, unwrapPathError(err))
		}
		f.metrics = &metricsRun{command: command, start: time.Now(), settings: s}
	}
	r.aud, err = r.resolve(delivery.Selection{
		To: o.To, ToFile: o.ToFile, Batch: o.Batch, UUID: o.UUID, Defaults: s.DefaultTo,
		Webhook: s.HasWebhook(), WebhookFlag: s.WebhookFrom == "--webhook" || strings.HasPrefix(s.WebhookFrom, "--webhook-file"), HasApp: s.HasApp(),
		DryRun: s.DryRun, Preview: o.preview != nil, Read: f.readRaw,
	})
	if err != nil {
		return nil, err
	}
	if o.appOnly != "" && r.aud.Mode == delivery.ModeWebhook {
		return nil, usageErrorf("%s: callbacks need an app bot (app id and secret with --to); Feishu gives a webhook's cards links only", o.appOnly)
	}
	r.client = f.client(s)
	switch {
	case o.preview != nil:
		r.sender = o.preview.sender(f, command)
	case s.DryRun:
		r.sender = &delivery.DryRun{Client: r.client, Out: f.IO.Out}
	default:
		r.engine = &delivery.Engine{Client: r.client, Command: command, Workers: s.Workers, Log: zerolog.Nop(),
			Out: &delivery.Output{Out: f.IO.Out, ErrOut: f.stderr(), JSON: s.JSON, Terminal: f.stderrIsTerminal()}}
		if f.metrics != nil {
			f.metrics.engine = r.engine
		}
		if s.SpoolDir != "" {
			r.engine.Recorder = &delivery.Spooler{Spool: &spool.Spool{Dir: s.SpoolDir}, Command: command,
				AppID: s.AppID, BaseURL: s.BaseURL, WebhookURL: s.Webhook, Warn: f.stderr()}
		}
		r.sender = r.engine
	}
	if err := r.openState(o); err != nil {
		return nil, err
	}
	return r, nil
}

// plan prepares msg for the run's audience: a reply, an update by key, or
// a send.
func (r *sendRun) plan(msg feishu.Message) (*delivery.Plan, error) {
	switch {
	case r.reply != nil:
		return delivery.NewReplyPlan(r.client, r.reply.ReplyTo, r.reply.InThread, r.reply.UUID, msg)
	case r.keyed != nil:
		return delivery.NewKeyedPlan(r.client, r.aud, msg, r.keyed.key, r.keyed.state)
	}
	return delivery.NewPlan(r.client, r.aud, msg)
}

// deliver checks the alert target, then hands p to the Sender: sent
// within --deadline, logged to --log-file.
func (r *sendRun) deliver(ctx context.Context, p *delivery.Plan) error {
	s := r.s
	if r.preview {
		return r.sender.Deliver(ctx, p) // a page: no alert to check
	}
	notifier, err := r.f.notifier(s, r.client)
	if err != nil {
		return err
	}
	if r.engine == nil {
		r.describe(p)
		return r.sender.Deliver(ctx, p)
	}
	log, closeLog, err := openRunLog(s.LogFile, r.command)
	if err != nil {
		return err
	}
	defer closeLog()
	r.engine.Log, r.engine.Notifier = log, notifier
	ctx, cancel := delivery.WithDeadline(ctx, s.Deadline)
	defer cancel()
	return r.engine.Deliver(ctx, p)
}

// deliver sends msg to the command line's recipients (or once through the
// webhook), through the run's Sender.
func (f *Factory) deliver(ctx context.Context, command string, o *SendOptions, msg feishu.Message) error {
	r, err := f.startSend(command, o)
	if err != nil {
		return err
	}
	defer r.close()
	p, err := r.plan(msg)
	if err != nil {
		return err
	}
	return r.deliver(ctx, p)
}

// notifier checks --notify-on-failure before anything is sent.
func (f *Factory) notifier(s *Settings, client *feishu.Client) (*delivery.Notifier, error) {
	return delivery.NewNotifier(delivery.NotifyTarget{
		Spec: s.Notify, Secret: s.NotifySecret, From: s.NotifyFrom, Client: client,
		NewClient: func(hookURL, secret string) *feishu.Client {
			return feishu.New(feishu.WithWebhook(hookURL, secret), feishu.WithTimeout(s.Timeout),
				feishu.WithUserAgent("feishu-push/"+version()))
		},
		HasApp: s.HasApp(), HasWebhook: s.HasWebhook(),
	})
}

// Placeholders stand for credentials a dry run does not need.
const (
	placeholderAppID  = "cli_placeholder"
	placeholderSecret = "placeholder"
)

// client returns the invocation's one API client, built on first use from
// s (the Factory's settings, themselves resolved once), so that every
// request of a run shares its tenant token and its rate limiter.
func (f *Factory) client(s *Settings) *feishu.Client {
	if f.apiClient != nil {
		return f.apiClient
	}
	opts := []feishu.Option{
		feishu.WithBaseURL(s.BaseURL),
		feishu.WithTimeout(s.Timeout),
		feishu.WithUserAgent("feishu-push/" + version()),
		feishu.WithClock(f.Now),
		feishu.WithRetryPolicy(feishu.RetryPolicy{Retries: s.Retries, BaseDelay: retryBaseDelay,
			MaxDelay: 10 * time.Second, MaxWait: s.RetryMaxWait}),
	}
	// One budget for the run's waits between retries, shared by every
	// message, each wait inside --deadline.
	opts = append(opts, feishu.WithSleep((&delivery.RetryBudget{Total: s.RetryBudget, Wait: f.sleep}).Sleep))
	opts = append(opts, feishu.WithRateLimiter(feishu.NewRateLimiter(s.Limits, feishu.WebhookLimits)))
	switch {
	case s.HasApp():
		opts = append(opts, feishu.WithCredentials(s.AppID, s.AppSecret))
	case s.DryRun:
		opts = append(opts, feishu.WithCredentials(first(s.AppID, placeholderAppID), placeholderSecret))
	}
	if s.HasWebhook() {
		opts = append(opts, feishu.WithWebhook(s.Webhook, s.WebhookSecret))
	}
	if s.TokenCache != "" {
		opts = append(opts, feishu.WithTokenStore(newTokenStore(s.TokenCache, f.IO.ErrOut)))
	}
	f.apiClient = feishu.New(opts...)
	return f.apiClient
}

func writeJSON(w io.Writer, v any) error {
	return delivery.WriteJSON(w, v)
}

// checkStatePath checks a file feishu-push writes on its own (log,
// metrics): its directory is created (0700) when missing, and the path must
// be a regular file or absent, ours, in a directory only we can write to
// (safefile.CheckFile). /dev/null, a symlink or a planted file is refused,
// never clobbered.
func checkStatePath(path string) error {
	if err := safefile.EnsureDir(filepath.Dir(path)); err != nil {
		return err
	}
	return safefile.CheckFile(path)
}

// openRunLog opens the log file for appending, creating its directory
// (0700) like every file feishu-push keeps, or returns a no-op logger when
// path is empty. Every line carries the time and the command.
func openRunLog(path, command string) (zerolog.Logger, func(), error) {
	if path == "" {
		return zerolog.Nop(), func() {}, nil
	}
	if err := checkStatePath(path); err != nil {
		return zerolog.Nop(), nil, usageErrorf("--log-file %s: %v", path, unwrapPathError(err))
	}
	fh, err := safefile.OpenAppend(path, 0o640)
	if err != nil {
		return zerolog.Nop(), nil, usageErrorf("--log-file %s: %v", path, unwrapPathError(err))
	}
	l := zerolog.New(fh).With().Timestamp().Str("command", command).Logger()
	return l, func() { _ = fh.Close() }, nil
}
