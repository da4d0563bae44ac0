package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// FlushOptions are the options of the flush command.
type FlushOptions struct {
	f               *Factory
	ResendUncertain bool
}

func newFlushCmd(f *Factory, runF func(context.Context, *FlushOptions) error) *cobra.Command {
	opts := &FlushOptions{f: f}
	cmd := &cobra.Command{
		Use:   "flush",
		Short: "Send again the messages kept in the spool",
		Long: `Send again every message kept in the spool directory (--spool-dir or
FEISHU_PUSH_SPOOL_DIR), oldest first, with the settings of this run.

A message that is delivered is removed. One that still fails transiently is
kept for the next flush. One that Feishu rejects for good is moved to dead/
with the reason. App messages keep their uuid, so a message that had in fact
landed is not delivered twice. A webhook post that may have landed (a webhook
has no uuid) is kept as uncertain and sent again only with --resend-uncertain.
A lock makes concurrent flushes take turns, so none sends a message twice.
` + exitCodesHelp,
		Example: `  # in crontab, every 10 minutes:
  */10 * * * * pusher sh -c '. /etc/feishu-push.env && exec feishu-push flush --spool-dir /var/spool/feishu-push' >/dev/null`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFlush(cmd.Context(), opts)
		}),
	}
	cmd.Flags().BoolVar(&opts.ResendUncertain, "resend-uncertain", false, "also send webhook posts that may have landed already")
	return cmd
}

func runFlush(ctx context.Context, opts *FlushOptions) (err error) {
	f := opts.f
	start := time.Now()
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
	var stats runStats
	if s.MetricsFile != "" {
		defer func() { f.writeMetrics(s, "flush", start, stats, err) }()
	}
	log, closeLog, err := openRunLog(s.LogFile, "flush")
	if err != nil {
		return err
	}
	defer closeLog()
	ctx, cancel := withDeadline(ctx, s.Deadline)
	defer cancel()
	sp := &spool.Spool{Dir: s.SpoolDir}
	unlock, err := sp.Lock(ctx)
	if err != nil {
		return fmt.Errorf("spool %s: lock: %w", s.SpoolDir, err)
	}
	defer unlock()
	paths, err := sp.List()
	if err != nil {
		return usageErrorf("spool %s: %v", s.SpoolDir, err)
	}
	if len(paths) == 0 {
		return nil
	}
	client := f.client(s)
	hookID := webhookID(s.Webhook)

	var firstErr error
	fail := func(err error) {
		stats.failed++
		if firstErr == nil {
			firstErr = err
		}
	}
	kept, buried := 0, 0
	for _, path := range paths {
		e, err := sp.Load(path)
		if err != nil {
			dst, berr := sp.Bury(path, nil, err.Error())
			if berr != nil {
				dst = path
			}
			fmt.Fprintf(f.IO.ErrOut, "feishu-push: %s: %v; moved to %s\n", path, err, dst)
			buried++
			fail(usageErrorf("%s: %v", path, err))
			continue
		}
		j, skip := f.flushJob(s, client, hookID, e, opts.ResendUncertain)
		if skip != "" {
			fmt.Fprintf(f.IO.ErrOut, "feishu-push: %s: kept: %s\n", path, skip)
			kept++
			if e.MaybeDelivered && !opts.ResendUncertain {
				continue // parked for a person, not a failure of this run
			}
			fail(usageErrorf("%s: %s", path, skip))
			continue
		}
		res, err := f.attempt(ctx, client, j, log)
		e.Attempts += res.Attempts
		if err == nil {
			stats.sent++
			if rerr := sp.Remove(path); rerr != nil {
				fmt.Fprintf(f.IO.ErrOut, "feishu-push: %s: delivered but not removed: %v\n", path, rerr)
			}
			fmt.Fprintf(f.IO.Out, "%s\t%s\n", res.To, res.MessageID)
			continue
		}
		fail(err)
		e.LastError = err.Error()
		switch kind := feishu.Classify(err); {
		case kind == feishu.KindRejected:
			dst, berr := sp.Bury(path, e, err.Error())
			if berr == nil {
				buried++
				f.reportFailure(j.to, err, "; moved to "+dst)
				continue
			}
		case j.webhook() && !feishu.NotDelivered(err) && !errors.As(err, new(*notSentError)):
			e.MaybeDelivered = true
		}
		_ = sp.Update(path, e)
		kept++
		stats.spooled++
		f.reportFailure(j.to, err, "; kept in the spool")
	}
	if firstErr == nil {
		return nil
	}
	return &reportedError{err: firstErr, summary: fmt.Sprintf("flush: %d delivered, %d kept, %d moved to %s/", stats.sent, kept, buried, spool.DeadDir)}
}

// flushJob rebuilds the request of a spooled message with this run's
// settings, or says why it cannot be sent now.
func (f *Factory) flushJob(s *Settings, client *feishu.Client, hookID string, e *spool.Entry, resendUncertain bool) (job, string) {
	msg := feishu.Message{MsgType: e.MsgType, Content: e.Content}
	if e.Mode == spool.ModeWebhook {
		switch {
		case e.WebhookID != hookID:
			return job{}, "a webhook message for another webhook than FEISHU_WEBHOOK_URL"
		case e.MaybeDelivered && !resendUncertain:
			return job{}, "a webhook post that may have landed; --resend-uncertain sends it again"
		}
		req, err := client.Webhook.NewSendRequest(msg)
		if err != nil {
			return job{}, err.Error()
		}
		return job{to: "webhook", msg: msg, req: req}, ""
	}
	if !s.HasApp() {
		return job{}, "an app message, and no app credentials are set"
	}
	if e.AppID != s.AppID {
		return job{}, fmt.Sprintf("a message of app %s, not of %s", e.AppID, s.AppID)
	}
	r := feishu.Recipient{IDType: e.ReceiveIDType, ID: e.ReceiveID}
	req, err := client.Messages.NewCreateRequest(r, msg, e.UUID)
	if err != nil {
		return job{}, err.Error()
	}
	return job{to: r.String(), rcpt: r, uuid: e.UUID, msg: msg, req: req}, ""
}
