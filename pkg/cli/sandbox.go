package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/inbox"
)

// SandboxOptions are the options of the sandbox command.
type SandboxOptions struct {
	f          *Factory
	Addr       string
	RateLimits bool
	// AppID, AppSecret and WebhookSecret are the global flags of the same
	// name: the credentials the fake accepts. JSON prints messages as JSON.
	AppID, AppSecret, WebhookSecret string
	JSON                            bool
	// CallbackURL, EncryptKey and VerificationToken describe a listener
	// (feishu-push listen) the sandbox sends events and card clicks to.
	CallbackURL       string
	EncryptKey        string
	VerificationToken string
	// Ready, when set, receives the base URL once the server listens.
	Ready func(baseURL string)
}

func newSandboxCmd(f *Factory) *cobra.Command {
	opts := &SandboxOptions{f: f}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve a local fake Feishu to try every command without a tenant",
		Long: `Serve the project's fake Feishu server on a local address until interrupted,
and print every message it receives. It issues tenant tokens to one app,
accepts im/v1 messages and webhook posts at any /open-apis/bot/v2/hook/<token>,
and validates them as Feishu does (receive ids, content, cards, sizes,
signatures), answering with Feishu's codes.

The app credentials it accepts are --app-id and --app-secret (default
cli_sandbox / sandbox_secret); with --webhook-secret, webhook posts must be
signed with it. Only these flags are read; the environment is not.
Open the printed URL in a browser for the inbox: every message, newest
first, drawn as the Feishu client shows it, with the exact request behind a
JSON toggle, updated live. GET /api/messages returns the same as JSON.`,
		Example: `  feishu-push sandbox --addr 127.0.0.1:9800 &
  export FEISHU_BASE_URL=http://127.0.0.1:9800 FEISHU_APP_ID=cli_sandbox FEISHU_APP_SECRET=sandbox_secret
  feishu-push send-text --to oc_demo --text hello`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{exitAnnotation: "0 1 2"},
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			opts.AppID, opts.AppSecret = f.flags.get("app-id"), f.flags.get("app-secret")
			opts.WebhookSecret, opts.JSON = f.flags.get("webhook-secret"), f.flags.bool("json")
			return runSandbox(cmd.Context(), opts)
		}),
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:9800", "`ADDR`ess to listen on, host:port")
	cmd.Flags().BoolVar(&opts.RateLimits, "rate-limits", false, "enforce Feishu's documented rate limits (50/s, 1000/min per app; 5/s per chat or user; 5/s, 100/min per webhook)")
	cmd.Flags().StringVar(&opts.CallbackURL, "callback-url", "", "send events and card button clicks to the listener (feishu-push listen) at this `URL`")
	cmd.Flags().StringVar(&opts.EncryptKey, "encrypt-key", "", "encrypt and sign what goes to --callback-url with this `KEY`")
	cmd.Flags().StringVar(&opts.VerificationToken, "verification-token", "", "put this verification `TOKEN` in what goes to --callback-url")
	return cmd
}

func runSandbox(ctx context.Context, opts *SandboxOptions) error {
	f, g := opts.f, opts
	appID, secret := first(g.AppID, feishutest.DefaultAppID), first(g.AppSecret, feishutest.DefaultAppSecret)
	var mu sync.Mutex // one message printed at a time
	fopts := []feishutest.Option{
		feishutest.WithApp(appID, secret),
		feishutest.WithAnyWebhook(g.WebhookSecret),
		feishutest.WithOnMessage(func(m feishutest.Message) {
			mu.Lock()
			defer mu.Unlock()
			if g.JSON {
				_ = writeJSON(f.IO.Out, m)
				return
			}
			fmt.Fprint(f.IO.Out, describeMessage(m))
		}),
	}
	if opts.RateLimits {
		fopts = append(fopts, feishutest.WithRateLimits(feishutest.DocumentedLimits))
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return usageErrorf("--addr %s: %v", opts.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	var iopts []inbox.Option
	if opts.CallbackURL != "" {
		iopts = append(iopts, inbox.WithListener(&feishutest.EventSender{URL: opts.CallbackURL, EncryptKey: opts.EncryptKey,
			VerificationToken: opts.VerificationToken, AppID: appID}))
	}
	srv := &http.Server{Handler: inbox.New(feishutest.New(fopts...), iopts...), ReadHeaderTimeout: 10 * time.Second}

	shownSecret := secret
	if g.AppSecret != "" {
		shownSecret = "(as given with --app-secret)"
	}
	signing := "not checked"
	if g.WebhookSecret != "" {
		signing = "signature checked with --webhook-secret"
	}
	fmt.Fprintf(f.IO.ErrOut, `feishu-push sandbox: a fake Feishu at %[1]s (Ctrl-C to stop)
  FEISHU_BASE_URL=%[1]s
  FEISHU_APP_ID=%[2]s
  FEISHU_APP_SECRET=%[3]s
  webhook:  %[1]s/open-apis/bot/v2/hook/<any token> (%[4]s)
  inbox:    %[1]s/ (what arrived, drawn as Feishu shows it; JSON at /api/messages)
`, base, appID, shownSecret, signing)
	if opts.CallbackURL != "" {
		fmt.Fprintf(f.IO.ErrOut, "  events:   to %s (card clicks and POST /api/events)\n", opts.CallbackURL)
	} else {
		fmt.Fprintln(f.IO.ErrOut, "  events:   to `feishu-push listen --long-connection` connected here (card clicks and POST /api/events)")
	}
	if opts.Ready != nil {
		opts.Ready(base)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutCtx)
		_ = ln.Close() // Serve may not have taken it yet; Shutdown would miss it
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

var fontTags = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`</?font[^>]*>`) })

// describeMessage renders a received message for people: a header line and
// the text or the card's title, text and buttons, indented.
func describeMessage(m feishutest.Message) string {
	var b strings.Builder
	to := "webhook"
	if m.Mode == "app" {
		to = m.ReceiveIDType + ":" + m.ReceiveID
	}
	fmt.Fprintf(&b, "[%s] #%d %s -> %s %s", m.Time.Format("15:04:05"), m.Seq, m.Mode, to, m.MsgType)
	if m.MessageID != "" {
		b.WriteString(" " + m.MessageID)
	}
	b.WriteString("\n")
	for _, line := range summarize(m.MsgType, m.Content) {
		b.WriteString("    " + line + "\n")
	}
	return b.String()
}

// summarize returns the readable lines of a message's content.
func summarize(msgType string, content json.RawMessage) []string {
	var obj map[string]any
	if json.Unmarshal(content, &obj) != nil {
		return nil
	}
	var lines []string
	add := func(s string) {
		s = fontTags().ReplaceAllString(s, "")
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			lines = append(lines, l)
		}
	}
	switch msgType {
	case "text":
		if t, ok := obj["text"].(string); ok {
			add(t)
		}
		return lines
	case "interactive":
	default:
		return []string{string(content)}
	}
	if obj["type"] == "template" {
		d, _ := obj["data"].(map[string]any)
		add(fmt.Sprintf("(card template %v %v)", d["template_id"], d["template_variable"]))
		return lines
	}
	if h, ok := obj["header"].(map[string]any); ok {
		title := ""
		if t, ok := h["title"].(map[string]any); ok {
			title, _ = t["content"].(string)
		}
		color, _ := h["template"].(string)
		add(fmt.Sprintf("# %s [%s]", title, first(color, "default")))
	}
	elements, _ := obj["elements"].([]any)
	if body, ok := obj["body"].(map[string]any); ok {
		elements, _ = body["elements"].([]any)
	}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case []any:
			for _, c := range t {
				walk(c)
			}
		case map[string]any:
			switch t["tag"] {
			case "markdown", "lark_md", "plain_text":
				if s, ok := t["content"].(string); ok {
					add(s)
				}
				return
			case "button":
				label := ""
				if tx, ok := t["text"].(map[string]any); ok {
					label, _ = tx["content"].(string)
				}
				u, _ := t["url"].(string)
				if bs, ok := t["behaviors"].([]any); ok && len(bs) > 0 {
					if b0, ok := bs[0].(map[string]any); ok {
						u, _ = b0["default_url"].(string)
					}
				}
				add(fmt.Sprintf("[%s] %s", label, u))
				return
			case "hr":
				add("----")
				return
			case "table":
				cols, _ := t["columns"].([]any)
				rows, _ := t["rows"].([]any)
				var head []string
				for _, c := range cols {
					cm, _ := c.(map[string]any)
					head = append(head, fmt.Sprint(cm["display_name"]))
				}
				add("| " + strings.Join(head, " | ") + " |")
				for i, r := range rows {
					if i == 5 {
						add(fmt.Sprintf("| ... %d rows in all", len(rows)))
						break
					}
					rm, _ := r.(map[string]any)
					var cells []string
					for _, c := range cols {
						cm, _ := c.(map[string]any)
						cells = append(cells, fmt.Sprint(rm[fmt.Sprint(cm["name"])]))
					}
					add("| " + strings.Join(cells, " | ") + " |")
				}
				return
			case "img":
				add(fmt.Sprintf("(image %v)", t["img_key"]))
				return
			case "chart":
				spec, _ := t["chart_spec"].(map[string]any)
				title, _ := spec["title"].(map[string]any)
				add(fmt.Sprintf("(chart %v: %v)", spec["type"], title["text"]))
				return
			}
			for _, k := range []string{"text", "fields", "elements", "columns", "actions"} {
				if c, ok := t[k]; ok {
					walk(c)
				}
			}
		}
	}
	walk(elements)
	return lines
}
