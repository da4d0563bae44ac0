package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// SendPostOptions are the options of send-post.
type SendPostOptions struct {
	f *Factory
	SendOptions
	Title       string
	Content     string
	ContentFile string
	Locale      string
}

func newSendPostCmd(f *Factory) *cobra.Command {
	opts := &SendPostOptions{f: f}
	cmd := &cobra.Command{
		Use:   "send-post",
		Short: "Send a rich-text post: a title and paragraphs with links and mentions",
		Long: `Send a rich-text post message to users and chats (app bot) or to the
webhook's group.

The content is a small markdown, one paragraph a line:
  [text](https://...)            a link
  @all, @ou_..., <at user_id="ID">Name</at>
                                 a mention
  **bold** *italic* ~~strike~~ __underline__
                                 styles (app bot only: a webhook post takes none)
  ---                            a rule
  ` + "```lang ... ```" + `                 a code block
A backslash before * _ ~ [ @ < \ or a backtick writes it literally.
--locale sets the post's language: zh_cn (default) or en_us.
`,
		Example: `  feishu-push send-post --to oc_xxx --title "Release 1.4" \
      --content "**Shipped** to prod. Notes: [changelog](https://git.example/1.4) @all"
  git log -5 --format='- %s' | feishu-push send-post --to oc_xxx --title "Last commits" --content-file -`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			return runSendPost(cmd.Context(), opts)
		}),
	}
	opts.addFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Title, "title", "", "the post's `TITLE`")
	fl.StringVar(&opts.Content, "content", "", "the post's `TEXT`, in the markdown above")
	fl.StringVar(&opts.ContentFile, "content-file", "", "read the post's text from this `FILE`, - for stdin")
	fl.StringVar(&opts.Locale, "locale", feishu.LocaleZhCN, "the post's `LOCALE`: zh_cn or en_us")
	return cmd
}

func runSendPost(ctx context.Context, opts *SendPostOptions) error {
	f := opts.f
	if countSet(opts.Content != "", opts.ContentFile != "") != 1 {
		return usageErrorf("give exactly one of --content or --content-file")
	}
	if opts.Locale != feishu.LocaleZhCN && opts.Locale != feishu.LocaleEnUS {
		return usageErrorf("--locale %q: want zh_cn or en_us", opts.Locale)
	}
	if err := oneStdin(map[string]string{"--content-file": opts.ContentFile, "--to-file": opts.ToFile}); err != nil {
		return err
	}
	src := opts.Content
	if opts.ContentFile != "" {
		b, err := f.readInput("--content-file", opts.ContentFile)
		if err != nil {
			return err
		}
		src = string(b)
	}
	run, err := f.startSend("send-post", &opts.SendOptions)
	if err != nil {
		return err
	}
	defer run.close()
	webhook := run.aud.Mode == delivery.ModeWebhook
	msg, err := feishu.PostMessage(map[string]feishu.Post{
		opts.Locale: {Title: opts.Title, Content: feishu.ParsePost(src)},
	}, feishu.PostOptions{Webhook: webhook})
	if err != nil {
		if webhook {
			return usageErrorf("send-post through a webhook: %v (use app credentials and --to for styles)", err)
		}
		return usageErrorf("send-post: %v", err)
	}
	p, err := run.plan(msg)
	if err != nil {
		return err
	}
	return run.deliver(ctx, p)
}
