package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/card"
)

// PushDashboardOptions are the options of push-dashboard.
type PushDashboardOptions struct {
	f *Factory
	SendOptions
	Title       string
	URL         string
	Content     string
	ContentFile string
	ButtonText  string
	Color       string
}

// defaultButtonText is the dashboard button's label: "view details".
const defaultButtonText = "查看详情"

func newPushDashboardCmd(f *Factory, runF func(context.Context, *PushDashboardOptions) error) *cobra.Command {
	opts := &PushDashboardOptions{f: f}
	cmd := &cobra.Command{
		Use:   "push-dashboard",
		Short: "Push a scheduled dashboard: title, summary and a button to the full board",
		Long: `Push the scheduled-dashboard card: the title, a summary in Feishu markdown,
and a primary button that opens the dashboard. It is send-card with a preset
layout, meant for a crontab line.
` + exitCodesHelp,
		Example: `  feishu-push push-dashboard --to oc_xxx --title "每日销售看板" \
      --url https://bi.example.com/sales --content "今日销售额 **¥128,430**"`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPushDashboard(cmd.Context(), opts)
		}),
	}
	opts.addFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Title, "title", "", "card title (required)")
	fl.StringVar(&opts.URL, "url", "", "dashboard URL the button opens (required)")
	fl.StringVar(&opts.Content, "content", "", "summary text, in Feishu markdown")
	fl.StringVar(&opts.ContentFile, "content-file", "", "read the summary from this file, - for stdin")
	fl.StringVar(&opts.ButtonText, "button-text", defaultButtonText, "label of the dashboard button")
	fl.StringVar(&opts.Color, "color", "blue", "header colour: "+strings.Join(card.Colors, ", "))
	return cmd
}

func runPushDashboard(ctx context.Context, opts *PushDashboardOptions) error {
	if strings.TrimSpace(opts.Title) == "" {
		return usageErrorf("--title is required")
	}
	if opts.URL == "" {
		return usageErrorf("--url is required: the dashboard the button opens")
	}
	if err := card.CheckURL(opts.URL); err != nil {
		return usageErrorf("--url: %v", err)
	}
	label := strings.TrimSpace(opts.ButtonText)
	if label == "" {
		return usageErrorf("--button-text is empty")
	}
	cf := CardFlags{Title: opts.Title, Content: opts.Content, ContentFile: opts.ContentFile, Color: opts.Color}
	msg, err := cf.message(opts.f, []card.Button{{Label: label, URL: opts.URL, Type: "primary"}})
	if err != nil {
		return err
	}
	return opts.f.deliver(ctx, "push-dashboard", &opts.SendOptions, msg)
}
