package cli

import (
	"fmt"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
)

// previewOptions turn a sending command into a preview: the message is
// drawn to HTML instead of being sent.
type previewOptions struct {
	output string
	open   bool
}

// sender returns the preview Sender of one command.
func (p *previewOptions) sender(f *Factory, command string) delivery.Sender {
	s := &delivery.Preview{Command: command, Output: p.output, Out: f.IO.Out, Note: f.IO.ErrOut}
	if p.open {
		s.Open = func(path string) { openBrowser(f, path) }
	}
	return s
}

const previewLong = `Draw the message a send-text, send-card or push-dashboard command line would
send, as the Feishu client shows it, into one self-contained HTML file
(-o FILE, default stdout), offline: nothing is sent, no token is fetched and no
credentials are needed. The command line takes the same flags as the real one,
and the same checks apply; recipients (--to, --to-file) are read as a send
reads them. A dashboard's chart is embedded in the page. --open opens the file
in a browser where one exists. Without a subcommand, preview takes send-card's
flags.`

func newPreviewCmd(f *Factory) *cobra.Command {
	po := &previewOptions{}
	// preview itself is send-card's preview, so that
	// "preview --card-file x.json" needs no subcommand.
	cmd := newSendCardCmd(f, po, nil)
	cmd.Use = "preview"
	cmd.Short = "Draw a message as Feishu would show it, to a self-contained HTML file"
	cmd.Long = previewLong
	cmd.Annotations = map[string]string{exitAnnotation: "0 1 2"}
	cmd.Example = `  feishu-push preview --card-file examples/cards/v2.json -o card.html
  feishu-push preview send-text --to oc_xxx --text "backup done"
  feishu-push preview push-dashboard --title 每日销售看板 --url https://bi.example.com \
      --data examples/dashboard/sales.json -o dashboard.html --open`
	cmd.PersistentFlags().StringVarP(&po.output, "output", "o", "", "write the HTML to this `FILE` (default: stdout)")
	cmd.PersistentFlags().BoolVar(&po.open, "open", false, "open the file in a browser")
	for _, sub := range []*cobra.Command{newSendTextCmd(f, po, nil), newSendCardCmd(f, po, nil), newPushDashboardCmd(f, po)} {
		sub.Short = "Draw the message " + sub.Name() + " would send, without sending it"
		sub.Long = "Draw the message that " + sub.Name() + " with the same flags would send, as the\nFeishu client shows it, into one self-contained HTML file. Nothing is sent,\nno token is fetched and no credentials are needed."
		sub.Example = ""
		cmd.AddCommand(sub)
	}
	return cmd
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
	// Openers hand the file to the browser and return; a few run the
	// browser in the foreground. Wait for the first kind, so that its
	// failure is reported and it is not cut short by this process exiting
	// with its group, and leave the second kind running.
	cmd := exec.Command(opener, path)
	cmd.Stderr = f.IO.ErrOut
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: %s %s: %v\n", opener, path, err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: %s %s: %v\n", opener, path, err)
		}
	case <-time.After(openerWait):
	}
}

// openerWait is how long preview --open waits for the opener to return.
const openerWait = 3 * time.Second
