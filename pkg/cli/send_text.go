package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/validate"
)

// SendTextOptions are the options of send-text.
type SendTextOptions struct {
	f *Factory
	SendOptions
	Text     string
	TextFile string
	At       []string
}

func newSendTextCmd(f *Factory, preview *previewOptions, runF func(context.Context, *SendTextOptions) error) *cobra.Command {
	opts := &SendTextOptions{f: f}
	opts.preview = preview
	cmd := &cobra.Command{
		Use:   "send-text",
		Short: "Send a text message",
		Long: `Send a text message to users and chats (app bot) or to the webhook's group.

The text is sent exactly as given: UTF-8, quotes and real newlines intact.
--at adds mentions in the text-message syntax: an open_id/user_id, or "all".
Each recipient gets its own message and its own result line on stdout:
<recipient><TAB><message_id>. Failures go to stderr, one line each.
`,
		Example: `  feishu-push send-text --to oc_xxx --text "backup done"
  df -h | feishu-push send-text --to ops@example.com --text-file -
  FEISHU_WEBHOOK_URL="$(cat /etc/feishu-push/hook)" feishu-push send-text --text "deploy failed" --at all
  feishu-push send-text --webhook-file /etc/feishu-push/hook --text "deploy failed"`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSendText(cmd.Context(), opts)
		}),
	}
	opts.addFlags(cmd)
	cmd.Flags().StringVar(&opts.Text, "text", "", "the `TEXT` to send")
	cmd.Flags().StringVar(&opts.TextFile, "text-file", "", "read the text from this `FILE`, - for stdin")
	stringArrayVar(cmd.Flags(), &opts.At, "at", "mention a user (`ID`: open_id or user_id) or \"all\"; repeatable")
	return cmd
}

func runSendText(ctx context.Context, opts *SendTextOptions) error {
	f := opts.f
	if countSet(opts.Text != "", opts.TextFile != "") != 1 {
		return usageErrorf("give exactly one of --text or --text-file")
	}
	if err := oneStdin(map[string]string{"--text-file": opts.TextFile, "--to-file": opts.ToFile}); err != nil {
		return err
	}
	text := opts.Text
	if err := validate.Text("--text", text); err != nil {
		return usageErrorf("%v", err)
	}
	if opts.TextFile != "" {
		b, err := f.readInput("--text-file", opts.TextFile)
		if err != nil {
			return err
		}
		text = string(b)
	}
	if strings.TrimSpace(text) == "" {
		return usageErrorf("the text is empty")
	}
	mentions, err := textMentions(opts.At)
	if err != nil {
		return err
	}
	if mentions != "" {
		if !strings.HasSuffix(text, "\n") {
			text += " "
		}
		text += mentions
	}
	return f.deliver(ctx, "send-text", &opts.SendOptions, feishu.TextMessage(text))
}

// textMentions renders --at values in the text-message syntax
// <at user_id="ou_xxx"></at>; Feishu fills in the name.
func textMentions(ids []string) (string, error) {
	var parts []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if err := feishu.CheckMention(id); err != nil {
			return "", usageErrorf("--at: %v", err)
		}
		switch {
		case id == "all":
			parts = append(parts, `<at user_id="all">所有人</at>`)
		default:
			parts = append(parts, fmt.Sprintf(`<at user_id="%s"></at>`, id))
		}
	}
	return strings.Join(parts, " "), nil
}
