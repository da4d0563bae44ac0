package cli

import (
	"context"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/msgstate"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// RecallOptions are the options of recall.
type RecallOptions struct {
	f         *Factory
	UpdateKey string
}

func newRecallCmd(f *Factory) *cobra.Command {
	opts := &RecallOptions{f: f}
	cmd := &cobra.Command{
		Use:   "recall [MESSAGE_ID...]",
		Short: "Recall messages the bot sent",
		Long: `Recall (take back) messages the app bot sent: DELETE /open-apis/im/v1/messages/{id}.

Give the om_ ids printed when they were sent, or --update-key KEY to recall
the cards a --update-key run keeps up to date (for every recipient), which
then forgets them. A recall that still fails transiently after its retries
is kept in the spool (--spool-dir) and finished by flush. Feishu lets a bot recall only its own messages, and only
within the recall time limit the tenant's administrator set; both are
reported clearly (exit 3) and the key keeps a message it could not recall.
A message already recalled counts as recalled. Webhook messages cannot be
recalled.
`,
		Example: `  feishu-push recall om_dc13264520392913993dd051dba21dcf
  feishu-push recall --update-key status-board`,
		RunE: f.runE(func(cmd *cobra.Command, args []string) error {
			return runRecall(cmd.Context(), opts, args)
		}),
	}
	cmd.Flags().StringVar(&opts.UpdateKey, "update-key", "", "recall the messages this update `KEY` refers to")
	return cmd
}

func runRecall(ctx context.Context, opts *RecallOptions, ids []string) error {
	f := opts.f
	if (len(ids) > 0) == (opts.UpdateKey != "") {
		return usageErrorf("give message ids or --update-key, one of them")
	}
	if opts.UpdateKey != "" {
		if err := msgstate.ValidateKey(opts.UpdateKey); err != nil {
			return usageErrorf("--update-key: %v", err)
		}
	}
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if !s.HasApp() && !s.DryRun {
		return usageErrorf("recall needs app credentials (FEISHU_APP_ID and FEISHU_APP_SECRET): messages sent through a webhook cannot be recalled")
	}
	var (
		targets []delivery.RecallTarget
		state   *delivery.KeyState
	)
	for _, id := range ids {
		for _, one := range strings.Split(id, ",") {
			if one = strings.TrimSpace(one); one != "" {
				targets = append(targets, delivery.RecallTarget{MessageID: one})
			}
		}
	}
	if opts.UpdateKey != "" {
		if state, err = f.openKeyState(); err != nil {
			return err
		}
		defer state.Close()
		for _, rk := range state.Recipients(opts.UpdateKey) {
			e, _ := state.Get(opts.UpdateKey, rk)
			targets = append(targets, delivery.RecallTarget{MessageID: e.MessageID, Key: opts.UpdateKey, RecipientKey: rk})
		}
		if len(targets) == 0 {
			return usageErrorf("--update-key %s: no message is remembered for this key", opts.UpdateKey)
		}
	}
	client := f.client(s)
	p, err := delivery.NewRecallPlan(client, targets, state)
	if err != nil {
		return err
	}
	if s.DryRun {
		describePlan(f.stderr(), p)
		return (&delivery.DryRun{Client: client, Out: f.IO.Out}).Deliver(ctx, p)
	}
	engine := &delivery.Engine{Client: client, Command: "recall", Workers: s.Workers, Log: zerolog.Nop(),
		Out: &delivery.Output{Out: f.IO.Out, ErrOut: f.stderr(), JSON: s.JSON, Terminal: f.stderrIsTerminal()}}
	if s.SpoolDir != "" {
		// A recall that still fails transiently after its retries is
		// spooled, and flush recalls it again.
		engine.Recorder = &delivery.Spooler{Spool: &spool.Spool{Dir: s.SpoolDir}, Command: "recall",
			AppID: s.AppID, BaseURL: s.BaseURL, Warn: f.stderr()}
	}
	notifier, err := f.notifier(s, client)
	if err != nil {
		return err
	}
	log, closeLog, err := openRunLog(s.LogFile, "recall")
	if err != nil {
		return err
	}
	defer closeLog()
	engine.Log, engine.Notifier = log, notifier
	ctx, cancel := delivery.WithDeadline(ctx, s.Deadline)
	defer cancel()
	return engine.Deliver(ctx, p)
}
