package delivery

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"os"
	"strings"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/render"
)

// Preview draws a plan's message as the Feishu client shows it, into one
// self-contained HTML page, and sends nothing.
type Preview struct {
	Command string
	// Output is the page's file; empty writes it to Out, unless Open asks
	// for a file, then a temporary one is made.
	Output string
	Out    io.Writer
	// Note receives the name of a temporary page.
	Note io.Writer
	// Open, if set, opens the written page.
	Open func(path string)

	images map[string][]byte
}

// AttachImage keeps png to embed in the page and returns the placeholder
// key.
func (p *Preview) AttachImage(_ context.Context, _ string, png []byte) (string, error) {
	if p.images == nil {
		p.images = map[string][]byte{}
	}
	p.images[PlaceholderImageKey] = png
	return PlaceholderImageKey, nil
}

// Deliver draws the plan's message and writes the page.
func (p *Preview) Deliver(_ context.Context, plan *Plan) error {
	msg := plan.Msg
	to := strings.Join(plan.Audience.Names(), ", ")
	opts := render.Options{ImageURL: func(key string) string {
		if b, ok := p.images[key]; ok {
			return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)
		}
		return ""
	}}
	meta := fmt.Sprintf(`<div style="font:12px sans-serif;color:#646A73">%s → %s · %s · %d bytes of content</div>`,
		html.EscapeString(p.Command), html.EscapeString(first(to, "(no recipient)")), html.EscapeString(msg.MsgType), len(msg.Content))
	page := render.Page("feishu-push preview: "+p.Command, meta+render.Message(msg.MsgType, msg.Content, opts))

	out := p.Output
	if out == "" && p.Open != nil {
		fh, err := os.CreateTemp("", "feishu-push-preview-*.html")
		if err != nil {
			return err
		}
		fh.Close()
		out = fh.Name()
		fmt.Fprintln(p.Note, "feishu-push: preview written to "+out)
	}
	if out == "" {
		_, err := p.Out.Write([]byte(page))
		return err
	}
	if err := os.WriteFile(out, []byte(page), 0o644); err != nil {
		return feishu.Usagef("-o %s: %v", out, unwrapPathError(err))
	}
	if p.Open != nil {
		p.Open(out)
	}
	return nil
}
