package cli

import (
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/render"
)

// previewConfig, set on the Factory, turns a sending command into a
// preview: the message is drawn to HTML instead of being sent.
type previewConfig struct {
	output string
	open   bool
	// images are drawn but not uploaded images, by placeholder key.
	images map[string][]byte
}

func newPreviewCmd(f *Factory) *cobra.Command {
	pc := &previewConfig{images: map[string][]byte{}}
	cmd := &cobra.Command{
		Use:   "preview (send-text|send-card|push-dashboard) [flags]",
		Short: "Draw a message as Feishu would show it, to a self-contained HTML file",
		Long: `Draw the message a send-text, send-card or push-dashboard command line would
send, as the Feishu client shows it, into one self-contained HTML file
(-o FILE, default stdout), offline: nothing is sent, no token is fetched and no
credentials are needed. The command line takes the same flags as the real one,
and the same checks apply. A dashboard's chart is embedded in the page.
--open opens the file in a browser where one exists.`,
		Example: `  feishu-push preview send-card --card-file examples/cards/v2.json -o card.html
  feishu-push preview push-dashboard --title 每日销售看板 --url https://bi.example.com \
      --data examples/dashboard/sales.json -o dashboard.html --open`,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			f.preview = pc
			return nil
		},
	}
	cmd.PersistentFlags().StringVarP(&pc.output, "output", "o", "", "write the HTML to this file (default: stdout)")
	cmd.PersistentFlags().BoolVar(&pc.open, "open", false, "open the file in a browser")
	cmd.AddCommand(newSendTextCmd(f, nil), newSendCardCmd(f, nil), newPushDashboardCmd(f, nil))
	return cmd
}

// writePreview draws msg and writes the page.
func (f *Factory) writePreview(command string, s *Settings, o *SendOptions, msg feishu.Message) error {
	pc := f.preview
	to := "webhook"
	if !s.HasWebhook() {
		args := o.To
		if len(args) == 0 {
			args = s.DefaultTo
		}
		// Parsed as a send would, so a mistyped recipient fails here too
		// and a pasted webhook URL is never written into the page.
		rcpts, err := feishu.ParseRecipients(args)
		if err != nil {
			return usageErrorf("--to: %v", err)
		}
		names := make([]string, len(rcpts))
		for i, r := range rcpts {
			names[i] = r.String()
		}
		to = strings.Join(names, ", ")
	}
	opts := render.Options{ImageURL: func(key string) string {
		if b, ok := pc.images[key]; ok {
			return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)
		}
		return ""
	}}
	meta := fmt.Sprintf(`<div style="font:12px sans-serif;color:#646A73">%s → %s · %s · %d bytes of content</div>`,
		html.EscapeString(command), html.EscapeString(first(to, "(no recipient)")), html.EscapeString(msg.MsgType), len(msg.Content))
	page := render.Page("feishu-push preview: "+command, meta+render.Message(msg.MsgType, msg.Content, opts))

	out := pc.output
	if out == "" && pc.open {
		fh, err := os.CreateTemp("", "feishu-push-preview-*.html")
		if err != nil {
			return err
		}
		fh.Close()
		out = fh.Name()
		fmt.Fprintln(f.IO.ErrOut, "feishu-push: preview written to "+out)
	}
	if out == "" {
		_, err := f.IO.Out.Write([]byte(page))
		return err
	}
	if err := os.WriteFile(out, []byte(page), 0o644); err != nil {
		return usageErrorf("-o %s: %v", out, unwrapPathError(err))
	}
	if pc.open {
		openBrowser(f, out)
	}
	return nil
}

// openBrowser opens path with the desktop's opener, if there is one.
func openBrowser(f *Factory, path string) {
	opener := "xdg-open"
	if runtime.GOOS == "darwin" {
		opener = "open"
	}
	if _, err := exec.LookPath(opener); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: no %s here; open %s yourself\n", opener, path)
		return
	}
	if err := exec.Command(opener, path).Start(); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: %s %s: %v\n", opener, path, err)
	}
}
