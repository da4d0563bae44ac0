package cli

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// SendFileOptions are the options of send-file.
type SendFileOptions struct {
	f *Factory
	SendOptions
	File     string
	FileName string
}

func newSendFileCmd(f *Factory) *cobra.Command {
	opts := &SendFileOptions{f: f}
	cmd := &cobra.Command{
		Use:   "send-file",
		Short: "Upload a file and send it",
		Long: `Upload a file once (POST /open-apis/im/v1/files) and send it to every
recipient: a file message, or audio for .opus and media for .mp4.

The upload's file_type comes from the name's extension: opus, mp4, pdf, doc,
xls, ppt, and stream for any other file (CSV, xlsx, zip, ...). The file is
checked before anything is sent: not empty and at most 30 MB. Recipients see
--file-name, or the file's base name; reading stdin needs --file-name.
Only app bots send files: a custom-bot webhook cannot.
`,
		Example: `  feishu-push send-file --to oc_xxx --file /var/reports/daily.xlsx
  psql --csv -f report.sql | feishu-push send-file --to oc_xxx --file - --file-name report.csv`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			return runSendFile(cmd.Context(), opts)
		}),
	}
	opts.addFlags(cmd)
	cmd.Flags().StringVar(&opts.File, "file", "", "the `FILE` to send, - for stdin")
	cmd.Flags().StringVar(&opts.FileName, "file-name", "", "the `NAME` recipients see (default: the file's base name)")
	return cmd
}

func runSendFile(ctx context.Context, opts *SendFileOptions) error {
	f := opts.f
	switch {
	case opts.File == "":
		return usageErrorf("--file is required: the file, or - for stdin")
	case opts.File == "-" && strings.TrimSpace(opts.FileName) == "":
		return usageErrorf("--file - needs --file-name: the name recipients see, whose extension sets the file type")
	}
	if err := oneStdin(map[string]string{"--file": opts.File, "--to-file": opts.ToFile}); err != nil {
		return err
	}
	name := opts.FileName
	if name == "" {
		name = filepath.Base(opts.File)
	}
	data, err := f.readBinary("--file", opts.File, feishu.MaxFileSize)
	if err != nil {
		return err
	}
	run, err := f.startSend("send-file", &opts.SendOptions)
	if err != nil {
		return err
	}
	defer run.close()
	up, err := delivery.PrepareFile(run.client, name, data)
	if err != nil {
		return usageErrorf("--file %s: %v", displayName(opts.File), err)
	}
	if run.aud.Mode == delivery.ModeWebhook {
		return usageErrorf("send-file cannot go through a webhook: a custom bot cannot send files; use app credentials (FEISHU_APP_ID, FEISHU_APP_SECRET) and --to")
	}
	return run.sendUpload(ctx, up)
}
