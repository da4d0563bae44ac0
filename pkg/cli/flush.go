package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// FlushOptions are the options of the flush command.
type FlushOptions struct {
	f               *Factory
	ResendUncertain bool
}

func newFlushCmd(f *Factory) *cobra.Command {
	opts := &FlushOptions{f: f}
	cmd := &cobra.Command{
		Use:   "flush",
		Short: "Send again the messages kept in the spool",
		Long: `Send again every message kept in the spool directory (--spool-dir or
FEISHU_PUSH_SPOOL_DIR), oldest first, with the settings of this run.

A message that is delivered is removed. One that still fails transiently is
kept for the next flush. One that Feishu rejects for good is moved to dead/
with the reason. App messages keep their uuid, so a message that had in fact
landed is not delivered twice within Feishu's de-duplication hour. A webhook
post that may have landed (a webhook has no uuid), and an app message first
tried too long ago for its uuid to protect it, are kept as uncertain and sent
again only with --resend-uncertain. Messages of a run still sending them are
left alone; a killed run's are sent. A lock makes concurrent flushes take
turns, so none sends a message twice. Spool files feishu-push did not write
(another owner, a loose mode, a bad checksum, a message type it never sends)
are refused and moved to dead/.
`,
		Example: `  # in crontab, every 10 minutes:
  */10 * * * * pusher flock -n /run/lock/feishu-push-flush.lock sh -c 'set -a && . /etc/feishu-push.env && set +a && exec /usr/local/bin/feishu-push flush' >/dev/null`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			return runFlush(cmd.Context(), opts)
		}),
	}
	cmd.Flags().BoolVar(&opts.ResendUncertain, "resend-uncertain", false, "also send messages that may have landed already: webhook posts, and app messages past the uuid's de-duplication hour")
	return cmd
}

func runFlush(ctx context.Context, opts *FlushOptions) error {
	f := opts.f
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if s.SpoolDir == "" {
		return usageErrorf("flush needs a spool: --spool-dir or FEISHU_PUSH_SPOOL_DIR")
	}
	if s.DryRun {
		return usageErrorf("flush has no dry run; the spool files are JSON, read them")
	}
	engine := &delivery.Engine{Client: f.client(s), Command: "flush", Workers: 1,
		Out: &delivery.Output{Out: f.IO.Out, ErrOut: f.stderr()}}
	if s.MetricsFile != "" {
		if err := checkStatePath(s.MetricsFile); err != nil {
			return usageErrorf("--metrics-file %s: %v", s.MetricsFile, unwrapPathError(err))
		}
		f.metrics = &metricsRun{command: "flush", start: time.Now(), settings: s, engine: engine}
	}
	log, closeLog, err := openRunLog(s.LogFile, "flush")
	if err != nil {
		return err
	}
	defer closeLog()
	engine.Log = log
	ctx, cancel := delivery.WithDeadline(ctx, s.Deadline)
	defer cancel()
	sp := &spool.Spool{Dir: s.SpoolDir}
	unlock, err := sp.Lock(ctx)
	if err != nil {
		return fmt.Errorf("spool %s: lock: %w", s.SpoolDir, err)
	}
	defer unlock()
	// Spooled updates by key go through the update-key state, if there is
	// one.
	var state *delivery.KeyState
	if dir, derr := f.stateDir(s); derr == nil && s.HasApp() {
		if _, serr := os.Stat(dir); serr == nil {
			if state, err = f.openKeyState(); err != nil {
				return err
			}
			defer state.Close()
		}
	}
	return engine.Flush(ctx, delivery.FlushOptions{Spool: sp, AppID: s.AppID, WebhookURL: s.Webhook,
		HasApp: s.HasApp(), ResendUncertain: opts.ResendUncertain, State: state})
}
