package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// Spooler is the Recorder of a sending run: a message that failed
// transiently, or was cut off by an interrupt or the deadline, goes to the
// spool for flush.
type Spooler struct {
	Spool   *spool.Spool
	Command string
	// AppID and BaseURL tie an app message to its app; WebhookURL names
	// (by a hash) the webhook of a webhook message.
	AppID, BaseURL, WebhookURL string
	// Warn receives trouble writing the spool.
	Warn io.Writer
}

// Before does nothing yet: a write-ahead spool puts the message on disk
// here, before its first attempt.
func (s *Spooler) Before(*Job) error { return nil }

// After spools a failed message when the failure is transient or an
// interrupt, and says where it went.
func (s *Spooler) After(j *Job, res *Result, err error) string {
	if err == nil || j.Mode == ModeRecall {
		return ""
	}
	if k := feishu.Classify(err); k != feishu.KindTransient && k != feishu.KindInterrupted {
		return ""
	}
	e := &spool.Entry{Command: s.Command, MsgType: j.Msg.MsgType, Content: j.Msg.Content, UUID: j.UUID,
		Attempts: res.Attempts, LastError: err.Error()}
	if j.Mode == ModeWebhook {
		e.Mode, e.WebhookID = spool.ModeWebhook, WebhookID(s.WebhookURL)
		// Without a uuid only a failure that proves the post never landed
		// lets flush send it again by itself.
		e.MaybeDelivered = !errors.As(err, new(*NotSentError)) && !feishu.NotDelivered(err)
	} else {
		e.Mode, e.AppID, e.BaseURL = spool.ModeApp, s.AppID, s.BaseURL
		e.ReceiveIDType, e.ReceiveID = j.Recipient.IDType, j.Recipient.ID
	}
	if j.Life != nil {
		j.Life.spoolFields(j, e)
	}
	p, werr := s.Spool.Put(e)
	if werr != nil {
		fmt.Fprintf(s.Warn, "feishu-push: spool %s: %v\n", s.Spool.Dir, unwrapPathError(werr))
		return ""
	}
	res.Spooled = p
	if e.MaybeDelivered {
		return "; the post may have landed, so it is spooled as uncertain to " + p + " (`feishu-push flush --resend-uncertain` sends it again)"
	}
	return "; spooled to " + p + " for `feishu-push flush`"
}

// WebhookID names a webhook in the spool without revealing its token.
func WebhookID(hookURL string) string {
	tok, err := feishu.ParseWebhookURL(hookURL)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:6])
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Notifier sends the failure alert of a run.
type Notifier struct {
	// Target is shown in logs and errors: a recipient or "webhook".
	Target string
	Client *feishu.Client
	// Recipient is nil for a webhook.
	Recipient *feishu.Recipient
}

// AlertTimeout bounds the alert, which may be sent after the deadline has
// cut the run short.
const AlertTimeout = 15 * time.Second

// NotifyTarget is what --notify-on-failure needs to build a Notifier.
type NotifyTarget struct {
	// Spec is a recipient, "webhook" (the configured one), or a webhook
	// URL of its own, signed with Secret.
	Spec, Secret string
	// From names where Spec came from, for errors.
	From string
	// Client is the run's client; NewClient builds one for a webhook URL.
	Client    *feishu.Client
	NewClient func(hookURL, secret string) *feishu.Client
	// HasApp and HasWebhook say what the run's client can do.
	HasApp, HasWebhook bool
}

// NewNotifier checks the alert target before anything is sent; nil when
// there is none.
func NewNotifier(t NotifyTarget) (*Notifier, error) {
	spec, from := t.Spec, first(t.From, "--notify-on-failure")
	switch {
	case spec == "":
		return nil, nil
	case spec == "webhook":
		if !t.HasWebhook {
			return nil, feishu.Usagef("%s webhook: no webhook URL is configured", from)
		}
		return &Notifier{Target: "webhook", Client: t.Client}, nil
	case strings.HasPrefix(spec, "http://") || strings.HasPrefix(spec, "https://") || strings.Contains(spec, feishu.WebhookPathPrefix):
		if _, err := feishu.ParseWebhookURL(spec); err != nil {
			return nil, feishu.Usagef("%s: webhook URL: %v", from, err)
		}
		return &Notifier{Target: "webhook", Client: t.NewClient(spec, t.Secret)}, nil
	}
	r, err := feishu.ParseRecipient(spec)
	if err != nil {
		return nil, feishu.Usagef("%s: %v", from, err)
	}
	if !t.HasApp {
		return nil, feishu.Usagef("%s %s: alerting a recipient needs app credentials", from, spec)
	}
	return &Notifier{Target: r.String(), Client: t.Client, Recipient: &r}, nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// Alert sends one short text about the failed messages. A failing alert is
// reported and logged; it never changes the run's outcome.
func (n *Notifier) Alert(ctx context.Context, e *Engine, total int, failures []Failure) {
	host, _ := os.Hostname()
	var b strings.Builder
	fmt.Fprintf(&b, "feishu-push %s failed on %s: %d of %d messages not delivered", e.Command, host, len(failures), total)
	for i, fl := range failures {
		if i == 5 {
			fmt.Fprintf(&b, "\n... and %d more", len(failures)-5)
			break
		}
		fmt.Fprintf(&b, "\n- %s: %v", fl.To, fl.Err)
	}
	msg := feishu.TextMessage(b.String())
	j := &Job{To: n.Target, Mode: ModeWebhook, Msg: msg}
	var err error
	if n.Recipient == nil {
		j.Req, err = n.Client.Webhook.NewSendRequest(msg)
	} else {
		j.Mode, j.Recipient = ModeApp, *n.Recipient
		j.UUID, _ = DeriveUUID("", *n.Recipient, 1)
		j.Req, err = n.Client.Messages.NewCreateRequest(*n.Recipient, msg, j.UUID)
	}
	if err == nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), AlertTimeout)
		defer cancel()
		alerter := &Engine{Client: n.Client, Command: e.Command, Out: e.Out}
		outs := alerter.send(actx, j, e.Log.With().Bool("alert", true).Logger())
		err = outs[0].err
	}
	if err != nil {
		fmt.Fprintf(e.Out.ErrOut, "feishu-push: failure alert to %s failed: %v\n", n.Target, err)
	}
}
