package cli

import (
	"context"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// SendImageOptions are the options of send-image.
type SendImageOptions struct {
	f *Factory
	SendOptions
	Image string
}

func newSendImageCmd(f *Factory) *cobra.Command {
	opts := &SendImageOptions{f: f}
	cmd := &cobra.Command{
		Use:   "send-image",
		Short: "Upload an image and send it",
		Long: `Upload an image once (POST /open-apis/im/v1/images) and send it to every
recipient as an image message, or once through the webhook.

The image is checked before anything is sent: not empty, at most 10 MB, and
JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF or HEIC. A custom-bot webhook cannot
upload: sending an image through one needs app credentials as well, which are
used for the upload only.
`,
		Example: `  feishu-push send-image --to oc_xxx --image grafana.png
  curl -s "$PANEL_PNG_URL" | feishu-push send-image --to oc_xxx --image -
  feishu-push send-image --reply-to om_xxx --in-thread --image screenshot.png`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			return runSendImage(cmd.Context(), opts)
		}),
	}
	opts.addFlags(cmd)
	cmd.Flags().StringVar(&opts.Image, "image", "", "the image `FILE` to send, - for stdin")
	return cmd
}

func runSendImage(ctx context.Context, opts *SendImageOptions) error {
	f := opts.f
	if opts.Image == "" {
		return usageErrorf("--image is required: the image file, or - for stdin")
	}
	if err := oneStdin(map[string]string{"--image": opts.Image, "--to-file": opts.ToFile}); err != nil {
		return err
	}
	data, err := f.readBinary("--image", opts.Image, feishu.MaxImageSize)
	if err != nil {
		return err
	}
	name := "image"
	if opts.Image != "-" {
		name = filepath.Base(opts.Image)
	}
	run, err := f.startSend("send-image", &opts.SendOptions)
	if err != nil {
		return err
	}
	defer run.close()
	up, err := delivery.PrepareImage(run.client, name, data)
	if err != nil {
		return usageErrorf("--image %s: %v", displayName(opts.Image), err)
	}
	if run.aud.Mode == delivery.ModeWebhook && !run.s.HasApp() && !run.s.DryRun {
		return usageErrorf("send-image through a webhook needs app credentials for the upload (a custom bot cannot upload images): set FEISHU_APP_ID and FEISHU_APP_SECRET as well")
	}
	return run.sendUpload(ctx, up)
}

// sendUpload checks the messages with a placeholder key, uploads once, and
// sends the upload's message to the whole audience.
func (r *sendRun) sendUpload(ctx context.Context, up *delivery.Upload) error {
	placeholder := delivery.PlaceholderFileKey
	if up.Image {
		placeholder = delivery.PlaceholderImageKey
	}
	if _, err := r.plan(up.Message(placeholder)); err != nil {
		return err
	}
	key, err := r.upload(ctx, up)
	if err != nil {
		return err
	}
	p, err := r.plan(up.Message(key))
	if err != nil {
		return err
	}
	return r.deliver(ctx, p)
}
