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

// Spooler is the write-ahead Recorder of a sending run (the mail-queue
// model): Begin puts every message of the plan on disk (one spool batch,
// fsync'd, mode 0600) before the first is attempted; a message Feishu
// accepted leaves the spool; one that failed transiently, or was cut off
// by an interrupt or the deadline, stays for flush; one rejected for good
// leaves it too, its failure reported. So SIGKILL at any instant loses
// nothing: flush finishes the job, each app message under its uuid.
//
// Batch sends (batch_send has no uuid) and message types the spool does
// not keep are not written ahead.
type Spooler struct {
	Spool   *spool.Spool
	Command string
	// AppID and BaseURL tie an app message to its app; WebhookURL names
	// (by a hash) the webhook of a webhook message.
	AppID, BaseURL, WebhookURL string
	// Warn receives trouble with the spool after a message was sent.
	Warn io.Writer

	// paths are the spool files of the run's jobs, by job index; "" for a
	// job not written ahead.
	paths []string
}

// spoolable reports whether j is written ahead: app and webhook messages
// of the types a spool keeps. Replies, updates, recalls and uploaded media
// are spooled only once they fail (spoolFailure).
func spoolable(j *Job) bool {
	if j.Life != nil || (j.Mode != ModeApp && j.Mode != ModeWebhook) {
		return false
	}
	return j.Msg.MsgType == feishu.MsgTypeText || j.Msg.MsgType == feishu.MsgTypeInteractive
}

// entry is the spool entry of j as written ahead of its first attempt.
func (s *Spooler) entry(j *Job) *spool.Entry {
	e := &spool.Entry{Command: s.Command, MsgType: j.Msg.MsgType, Content: j.Msg.Content, UUID: j.UUID}
	if j.Mode == ModeWebhook {
		// A webhook has no uuid: a kill during the attempt leaves the
		// outcome open, so the entry is uncertain until proven otherwise.
		e.Mode, e.WebhookID, e.MaybeDelivered = spool.ModeWebhook, WebhookID(s.WebhookURL), true
	} else {
		e.Mode, e.AppID, e.BaseURL = spool.ModeApp, s.AppID, s.BaseURL
		e.ReceiveIDType, e.ReceiveID = j.Recipient.IDType, j.Recipient.ID
		e.MaybeDelivered = j.UUID == ""
	}
	if j.Life != nil {
		j.Life.spoolFields(j, e)
	}
	return e
}

// Begin writes every message of p to the spool, in one batch that enters
// it at once, before anything is sent. A failure is a *spool.WriteError
// (nothing was sent, nothing is kept); an interrupt while writing returns
// the context's cause and leaves nothing behind.
func (s *Spooler) Begin(ctx context.Context, p *Plan) (func(), error) {
	b, err := s.Spool.NewBatch()
	if err != nil {
		return nil, err
	}
	n := p.Len()
	s.paths = make([]string, n)
	for i := 0; i < n; i++ {
		if i%64 == 0 && ctx.Err() != nil {
			b.Abort()
			return nil, context.Cause(ctx)
		}
		j, err := p.Job(i)
		if err != nil || !spoolable(&j) {
			continue // a job that cannot be built fails on its own
		}
		path, err := b.Add(s.entry(&j))
		if err != nil {
			b.Abort()
			return nil, err
		}
		s.paths[i] = path
	}
	if err := b.Commit(); err != nil {
		b.Abort()
		return nil, err
	}
	return b.Close, nil
}

// Before does nothing: Begin wrote the message ahead of the run.
func (s *Spooler) Before(*Job) error { return nil }

// After removes a message Feishu accepted or rejected for good; a message
// that failed transiently or was interrupted stays, its entry updated with
// the attempts and the error, and After says where it is.
func (s *Spooler) After(j *Job, res *Result, err error) string {
	path := ""
	if j.Index < len(s.paths) {
		path = s.paths[j.Index]
	}
	if path == "" {
		return s.spoolFailure(j, res, err)
	}
	if err == nil {
		if derr := s.Spool.Done(path); derr != nil {
			fmt.Fprintf(s.Warn, "feishu-push: %s: delivered, but not removed from the spool (%v): a flush sends it again under its uuid\n", path, unwrapPathError(derr))
		}
		return ""
	}
	if k := feishu.Classify(err); k != feishu.KindTransient && k != feishu.KindInterrupted {
		if derr := s.Spool.Done(path); derr != nil {
			fmt.Fprintf(s.Warn, "feishu-push: %s: not removed from the spool: %v\n", path, unwrapPathError(derr))
		}
		return ""
	}
	notSent := errors.As(err, new(*NotSentError))
	if notSent && j.Mode != ModeWebhook {
		// Never attempted: the entry written ahead is right as it is, and
		// an interrupted fan-out does not rewrite thousands of files.
		res.Spooled = path
		return "; spooled to " + path + " for `feishu-push flush`"
	}
	e, lerr := s.Spool.Load(path)
	if lerr == nil {
		e.Attempts += res.Attempts
		e.LastError = err.Error()
		// An app message is retried after failures that may have landed,
		// so only a single attempt proven not to have landed counts; a
		// webhook post is retried only after a failure that proves it.
		neverSent := notSent || (feishu.NotDelivered(err) && (res.Attempts <= 1 || j.Mode == ModeWebhook))
		if j.Mode == ModeWebhook {
			// Without a uuid only a failure that proves the post never
			// landed lets flush send it again by itself.
			e.MaybeDelivered = !neverSent
		}
		e.NotDelivered = neverSent
		if uerr := s.Spool.Update(path, e); uerr != nil {
			fmt.Fprintf(s.Warn, "feishu-push: %s: %v\n", path, uerr)
		}
	}
	res.Spooled = path
	if j.Mode == ModeWebhook && (lerr != nil || e.MaybeDelivered) {
		return "; the post may have landed, so it is spooled as uncertain to " + path + " (`feishu-push flush --resend-uncertain` sends it again)"
	}
	return "; spooled to " + path + " for `feishu-push flush`"
}

// spoolFailure spools a job that was not written ahead (a reply, an
// update, a recall, a message carrying an upload) once it failed
// transiently or was interrupted, and says where it went.
func (s *Spooler) spoolFailure(j *Job, res *Result, err error) string {
	if err == nil {
		return ""
	}
	if k := feishu.Classify(err); k != feishu.KindTransient && k != feishu.KindInterrupted {
		return ""
	}
	e := s.entry(j)
	e.Attempts, e.LastError = res.Attempts, err.Error()
	if j.Mode == ModeWebhook {
		// Without a uuid only a failure that proves the post never landed
		// lets flush send it again by itself.
		e.MaybeDelivered = !errors.As(err, new(*NotSentError)) && !feishu.NotDelivered(err)
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
