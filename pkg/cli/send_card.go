package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/card"
	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// SendCardOptions are the options of send-card.
type SendCardOptions struct {
	f *Factory
	SendOptions
	CardFlags

	CardFile string

	Template string
	DataFile string
	Vars     []string

	TemplateID      string
	TemplateVersion string
}

// CardFlags build a simple card: title, markdown content, colour, link
// buttons and a note.
type CardFlags struct {
	Title       string
	Content     string
	ContentFile string
	Color       string
	Buttons     []string
	Note        string
	// CardVersion is the JSON version of the card the flags build: 1
	// (every client draws it; 0 is 1) or 2.
	CardVersion int

	// callback names the first callback --button, once message has run.
	callback string
}

func (c *CardFlags) any() bool {
	return c.Title != "" || c.Content != "" || c.ContentFile != "" || c.Color != "" || len(c.Buttons) > 0 || c.Note != ""
}

func newSendCardCmd(f *Factory, preview *previewOptions, runF func(context.Context, *SendCardOptions) error) *cobra.Command {
	opts := &SendCardOptions{f: f}
	opts.preview = preview
	cmd := &cobra.Command{
		Use:   "send-card",
		Short: "Send an interactive card",
		Long: `Send a card to users and chats (app bot) or to the webhook's group.

The card comes from exactly one source:
  flags          --title, --content or --content-file, --color, --button
                 (repeatable), --note; JSON 1.0, or 2.0 with --card-version 2
  a JSON file    --card-file F (card JSON 1.0 or "schema":"2.0", sent as is)
  a template     --template F with --data F.json and/or --var key=value: card
                 JSON with {{...}} inside its strings, rendered with Go's
                 text/template; inserted values are escaped for JSON
                 automatically, and a missing key is an error
  Feishu         --template-id ID [--template-version V] [--var k=v]: a card
                 built in Feishu's card builder

Every card is checked before anything is sent: valid JSON, 1.0/2.0 structure,
header colour, size within Feishu's limits (30 KB, or 20 KB by webhook).
Colours: ` + strings.Join(card.Colors, ", ") + `.

A --button is a link, "Label=URL", or a callback, 'Label=callback:{"k":"v"}':
a click sends card.action.trigger with that value to the app's event
listener (feishu-push listen --on card.action.trigger=CMD), whose answer can
show a toast or replace the card. Callbacks need an app bot: a webhook's
cards only open links, so a callback button through a webhook exits 2.
`,
		Example: `  feishu-push send-card --to oc_xxx --title "Backup done" --color green \
      --content "**42 GB** in 3m12s" --button "Logs=https://ci.example/42"
  feishu-push send-card --to oc_xxx --title "Disk 91%" --color red \
      --button 'Ack=callback:{"action":"ack","alert":"disk"}' --button "Runbook=https://wiki.example/disk"
  feishu-push send-card --to oc_xxx --card-file examples/cards/v2.json
  feishu-push send-card --to oc_xxx --template examples/templates/alert.tmpl \
      --data examples/templates/alert.json --var env=prod
  feishu-push send-card --to oc_xxx --template-id AAqk1234 --var total=1,024
  # edit the same card on every run (a new one after a recall or 14 days)
  feishu-push send-card --to oc_xxx --update-key status --card-file status.json`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSendCard(cmd.Context(), opts)
		}),
	}
	opts.addFlags(cmd)
	opts.addUpdateKeyFlag(cmd)
	addCardFlags(cmd, &opts.CardFlags)
	fl := cmd.Flags()
	fl.StringVar(&opts.CardFile, "card-file", "", "send this card JSON `FILE` as is, - for stdin")
	fl.StringVar(&opts.Template, "template", "", "render this card template `FILE` (Go text/template in card JSON)")
	fl.StringVar(&opts.DataFile, "data", "", "`FILE` with a JSON object of template data, - for stdin")
	stringArrayVar(fl, &opts.Vars, "var", "template variable `KEY=VALUE`; repeatable, wins over --data")
	fl.StringVar(&opts.TemplateID, "template-id", "", "`ID` of a card built in Feishu's card builder")
	fl.StringVar(&opts.TemplateVersion, "template-version", "", "`VERSION` of --template-id (default: latest published)")
	return cmd
}

func addCardFlags(cmd *cobra.Command, c *CardFlags) {
	fl := cmd.Flags()
	fl.StringVar(&c.Title, "title", "", "card `TITLE`")
	fl.StringVar(&c.Content, "content", "", "card `TEXT`, in Feishu markdown")
	fl.StringVar(&c.ContentFile, "content-file", "", "read the card text from this `FILE`, - for stdin")
	fl.StringVar(&c.Color, "color", "", "header `COLOR`: "+strings.Join(card.Colors, ", "))
	stringArrayVar(fl, &c.Buttons, "button", "button `LABEL=URL` (a link; also LABEL=url:URL), or LABEL=callback:{JSON} (a click sends card.action.trigger with that value to the app's listener); repeatable")
	fl.IntVar(&c.CardVersion, "card-version", 0, "JSON `VERSION` of the card the flags build: 1 (the default), or 2 for clients from 7.20")
	fl.StringVar(&c.Note, "note", "", "small grey `NOTE` at the bottom")
}

func runSendCard(ctx context.Context, opts *SendCardOptions) error {
	msg, err := opts.message()
	if err != nil {
		return err
	}
	opts.SendOptions.appOnly = opts.CardFlags.callback
	return opts.f.deliver(ctx, "send-card", &opts.SendOptions, msg)
}

// message builds and checks the card from whichever source was given.
func (o *SendCardOptions) message() (feishu.Message, error) {
	f := o.f
	n := countSet(o.CardFlags.any(), o.CardFile != "", o.Template != "", o.TemplateID != "")
	if n != 1 {
		return feishu.Message{}, usageErrorf("give exactly one card source: --title/--content flags, --card-file, --template or --template-id")
	}
	if (o.DataFile != "" || len(o.Vars) > 0) && o.Template == "" && o.TemplateID == "" {
		return feishu.Message{}, usageErrorf("--data and --var go with --template or --template-id")
	}
	if o.CardVersion != 0 && !o.CardFlags.any() {
		return feishu.Message{}, usageErrorf("--card-version goes with the --title/--content flags; a --card-file or --template says its own version")
	}
	if o.TemplateVersion != "" && o.TemplateID == "" {
		return feishu.Message{}, usageErrorf("--template-version goes with --template-id")
	}
	if err := oneStdin(map[string]string{"--card-file": o.CardFile, "--template": o.Template, "--data": o.DataFile, "--content-file": o.ContentFile, "--to-file": o.ToFile}); err != nil {
		return feishu.Message{}, err
	}
	switch {
	case o.CardFile != "":
		b, err := f.readInput("--card-file", o.CardFile)
		if err != nil {
			return feishu.Message{}, err
		}
		return validCard("--card-file "+displayName(o.CardFile), b)
	case o.Template != "":
		data, err := o.templateData()
		if err != nil {
			return feishu.Message{}, err
		}
		src, err := f.readInput("--template", o.Template)
		if err != nil {
			return feishu.Message{}, err
		}
		out, err := card.RenderContext(f.context(), filepath.Base(o.Template), src, data, card.DefaultBudget)
		if err != nil {
			return feishu.Message{}, f.templateError(err)
		}
		return validCard("--template "+filepath.Base(o.Template)+": rendered card", out)
	case o.TemplateID != "":
		data, err := o.templateData()
		if err != nil {
			return feishu.Message{}, err
		}
		return feishu.TemplateCardMessage(o.TemplateID, o.TemplateVersion, data), nil
	}
	return o.CardFlags.message(f)
}

// message builds a simple card from the flags.
func (c *CardFlags) message(f *Factory) (feishu.Message, error) {
	c.Color = strings.ToLower(strings.TrimSpace(c.Color))
	if c.Color != "" && !card.ValidColor(c.Color) {
		return feishu.Message{}, usageErrorf("--color %q: want one of %s", c.Color, strings.Join(card.Colors, ", "))
	}
	if c.Content != "" && c.ContentFile != "" {
		return feishu.Message{}, usageErrorf("give --content or --content-file, not both")
	}
	content := c.Content
	if c.ContentFile != "" {
		b, err := f.readInput("--content-file", c.ContentFile)
		if err != nil {
			return feishu.Message{}, err
		}
		content = string(b)
	}
	s := card.Simple{Title: c.Title, Color: c.Color, Content: content, Note: c.Note}
	if c.CardVersion == 0 {
		c.CardVersion = 1
	}
	if c.CardVersion != 1 && c.CardVersion != 2 {
		return feishu.Message{}, usageErrorf("--card-version %d: want 1 or 2", c.CardVersion)
	}
	var buttons []flagButton
	for _, b := range c.Buttons {
		btn, err := parseFlagButton(b)
		if err != nil {
			return feishu.Message{}, usageErrorf("--button %q: %v", b, err)
		}
		if btn.Value != nil && c.callback == "" {
			c.callback = fmt.Sprintf("--button %q", b)
		}
		buttons = append(buttons, btn)
	}
	raw, err := flagCard(s, buttons, c.CardVersion)
	if err != nil {
		return feishu.Message{}, &UsageError{Err: err}
	}
	return validCard("card", raw)
}

// flagButton is one --button: a link (URL) or a callback (Value).
type flagButton struct {
	Label, URL string
	Value      json.RawMessage
}

// parseFlagButton parses "LABEL=URL", "LABEL=url:URL" or
// "LABEL=callback:{JSON object}". The label may not contain "=".
func parseFlagButton(s string) (flagButton, error) {
	label, target, ok := strings.Cut(s, "=")
	label = strings.TrimSpace(label)
	if !ok || label == "" {
		return flagButton{}, errors.New("want Label=URL or Label=callback:{JSON}")
	}
	target = strings.TrimSpace(target)
	if v, ok := strings.CutPrefix(target, "callback:"); ok {
		var obj map[string]any
		if err := json.Unmarshal([]byte(v), &obj); err != nil || obj == nil {
			return flagButton{}, errors.New(`callback: want a JSON object as the value, e.g. Ack=callback:{"action":"ack"}`)
		}
		return flagButton{Label: label, Value: card.Compact([]byte(v))}, nil
	}
	target = strings.TrimPrefix(target, "url:")
	if err := card.CheckURL(target); err != nil {
		return flagButton{}, err
	}
	return flagButton{Label: label, URL: target}, nil
}

// flagCard builds the card of the flags: card.Simple's 1.0 card, with
// callback buttons given their value; or the same card in JSON 2.0, where
// a button's behaviors open its URL or send its value.
func flagCard(s card.Simple, buttons []flagButton, version int) ([]byte, error) {
	for _, b := range buttons {
		// Simple draws the buttons' row; the callbacks get their value below.
		s.Buttons = append(s.Buttons, card.Button{Label: b.Label, URL: b.URL, Type: "default"})
	}
	raw, err := s.JSON()
	if err != nil {
		return nil, err
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	elements, _ := c["elements"].([]any)
	var out []any
	for _, e := range elements {
		el, _ := e.(map[string]any)
		switch {
		case el["tag"] == "action":
			actions, _ := el["actions"].([]any)
			for i, a := range actions {
				if btn := a.(map[string]any); buttons[i].Value != nil {
					delete(btn, "url")
					btn["value"] = buttons[i].Value
				}
			}
			if version == 2 {
				out = append(out, buttonRow(actions, buttons))
				continue
			}
		case el["tag"] == "note" && version == 2:
			// 2.0 has no note: small grey markdown says the same.
			var text string
			if els, _ := el["elements"].([]any); len(els) > 0 {
				first, _ := els[0].(map[string]any)
				text, _ = first["content"].(string)
			}
			el = map[string]any{"tag": "markdown", "content": "<font color='grey'>" + text + "</font>", "text_size": "notation"}
		}
		out = append(out, el)
	}
	if version == 1 {
		c["elements"] = out
	} else {
		delete(c, "elements")
		c["schema"] = "2.0"
		c["config"] = map[string]any{"update_multi": true, "width_mode": "fill"}
		c["body"] = map[string]any{"elements": out}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err = enc.Encode(c)
	return b.Bytes(), err
}

// buttonRow is a 2.0 row of buttons: a column_set of auto-width columns,
// each button with its behaviour.
func buttonRow(actions []any, buttons []flagButton) map[string]any {
	cols := make([]any, len(actions))
	for i, a := range actions {
		btn := a.(map[string]any)
		delete(btn, "url")
		delete(btn, "value")
		if b := buttons[i]; b.Value != nil {
			btn["behaviors"] = []any{map[string]any{"type": "callback", "value": b.Value}}
		} else {
			btn["behaviors"] = []any{map[string]any{"type": "open_url", "default_url": b.URL}}
		}
		cols[i] = map[string]any{"tag": "column", "width": "auto", "elements": []any{btn}}
	}
	return map[string]any{"tag": "column_set", "flex_mode": "flow", "horizontal_spacing": "8px", "columns": cols}
}

// validCard is the one road from card JSON to a card message: validated
// (structure, tags, colours, ...) once, then compacted; everything after it
// trusts the message. origin names the source in errors.
func validCard(origin string, raw []byte) (feishu.Message, error) {
	if err := card.Validate(raw); err != nil {
		return feishu.Message{}, usageErrorf("%s: %v", origin, err)
	}
	return feishu.CardMessage(card.Compact(raw)), nil
}

// templateData merges --data and --var; --var wins.
func (o *SendCardOptions) templateData() (map[string]any, error) {
	data := map[string]any{}
	if o.DataFile != "" {
		b, err := o.f.readInput("--data", o.DataFile)
		if err != nil {
			return nil, err
		}
		data, err = card.DecodeData(bytes.NewReader(b))
		if err != nil {
			return nil, usageErrorf("--data %s: %v", displayName(o.DataFile), describeJSONError(b, err))
		}
	}
	for _, v := range o.Vars {
		key, val, ok := strings.Cut(v, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, usageErrorf("--var %q: want key=value", v)
		}
		data[key] = val
	}
	return data, nil
}

func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		_, perr := card.Parse(data)
		if perr != nil {
			return perr
		}
	}
	return err
}

func displayName(path string) string {
	if path == "-" {
		return "stdin"
	}
	return path
}
