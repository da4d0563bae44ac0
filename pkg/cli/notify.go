package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// notifier sends the failure alert of a run.
type notifier struct {
	target string // as shown in logs and errors: a recipient or "webhook"
	client *feishu.Client
	rcpt   *feishu.Recipient // nil for a webhook
}

// alertTimeout bounds the alert, which may be sent after the deadline has
// cut the run short.
const alertTimeout = 15 * time.Second

// prepareNotify checks --notify-on-failure before anything is sent: a
// recipient (needs app credentials), "webhook" (the configured one), or a
// webhook URL of its own (signed with FEISHU_PUSH_NOTIFY_SECRET).
func (f *Factory) prepareNotify(s *Settings, client *feishu.Client) (*notifier, error) {
	t := s.Notify
	switch {
	case t == "":
		return nil, nil
	case t == "webhook":
		if !s.HasWebhook() {
			return nil, usageErrorf("--notify-on-failure webhook: no webhook URL is configured")
		}
		return &notifier{target: "webhook", client: client}, nil
	case strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") || strings.Contains(t, feishu.WebhookPathPrefix):
		if _, err := feishu.ParseWebhookURL(t); err != nil {
			return nil, usageErrorf("--notify-on-failure: webhook URL: %v", err)
		}
		c := feishu.New(feishu.WithWebhook(t, s.NotifySecret), feishu.WithTimeout(s.Timeout),
			feishu.WithUserAgent("feishu-push/"+version()))
		return &notifier{target: "webhook", client: c}, nil
	}
	r, err := feishu.ParseRecipient(t)
	if err != nil {
		return nil, usageErrorf("--notify-on-failure: %v", err)
	}
	if !s.HasApp() {
		return nil, usageErrorf("--notify-on-failure %s: alerting a recipient needs app credentials", t)
	}
	return &notifier{target: r.String(), client: client, rcpt: &r}, nil
}

// alert sends one short text about the failed messages. A failing alert is
// reported and logged; it never changes the run's exit code.
func (n *notifier) alert(ctx context.Context, f *Factory, log zerolog.Logger, command string, total int, failures []failure) {
	host, _ := os.Hostname()
	var b strings.Builder
	fmt.Fprintf(&b, "feishu-push %s failed on %s: %d of %d messages not delivered", command, host, len(failures), total)
	for i, fl := range failures {
		if i == 5 {
			fmt.Fprintf(&b, "\n... and %d more", len(failures)-5)
			break
		}
		fmt.Fprintf(&b, "\n- %s: %v", fl.to, fl.err)
	}
	msg := feishu.TextMessage(b.String())
	j := job{to: n.target, msg: msg}
	var err error
	if n.rcpt == nil {
		j.req, err = n.client.Webhook.NewSendRequest(msg)
	} else {
		j.rcpt = *n.rcpt
		j.uuid, _ = deriveUUID("", *n.rcpt, 1)
		j.req, err = n.client.Messages.NewCreateRequest(*n.rcpt, msg, j.uuid)
	}
	if err == nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), alertTimeout)
		defer cancel()
		_, err = f.sendOne(actx, n.client, j, log.With().Bool("alert", true).Logger())
	}
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: failure alert to %s failed: %v\n", n.target, err)
	}
}
