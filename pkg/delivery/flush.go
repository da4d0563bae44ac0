package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// FlushOptions say what a flush may send.
type FlushOptions struct {
	Spool *spool.Spool
	// AppID and WebhookURL are this run's; a message of another app or
	// webhook is kept.
	AppID, WebhookURL string
	HasApp            bool
	// ResendUncertain sends messages that may have landed already: webhook
	// posts, and app messages first tried longer ago than Feishu
	// de-duplicates their uuid.
	ResendUncertain bool
	// State is the update-key state spooled updates go through.
	State *KeyState
	// Now is the clock that ages entries; nil for time.Now.
	Now func() time.Time
}

// Flush sends the spool's messages again through e, oldest first. A
// delivered message is removed (durably: spool.Done); one Feishu rejects
// for good is moved to dead/; one that still fails transiently is kept.
// Messages of a run still sending them (spool.Busy) are left alone, and
// messages that may have landed and can no longer be de-duplicated
// (spool.Entry.Uncertain) are held unless o.ResendUncertain. At the end,
// what killed writes left behind is swept. The caller holds the spool's
// lock.
func (e *Engine) Flush(ctx context.Context, o FlushOptions) error {
	sp := o.Spool
	defer func() { _, _ = sp.Sweep(time.Hour) }()
	paths, err := sp.List()
	if err != nil {
		return feishu.Usagef("spool %s: %v", sp.Dir, err)
	}
	if len(paths) == 0 {
		return nil
	}
	rec := &flushRecorder{sp: sp, out: e.Out}
	var firstErr error
	fail := func(err error) {
		rec.failed++
		if firstErr == nil {
			firstErr = err
		}
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	plan := &Plan{}
	hookID := WebhookID(o.WebhookURL)
	for _, path := range paths {
		if sp.Busy(path) {
			continue // its run is still sending it
		}
		ent, err := sp.Load(path)
		if err != nil {
			dst, berr := sp.Bury(path, nil, err.Error())
			if berr != nil {
				dst = path
			}
			fmt.Fprintf(e.Out.ErrOut, "feishu-push: %s: %v; moved to %s\n", path, err, dst)
			rec.buried++
			fail(feishu.Usagef("%s: %v", path, err))
			continue
		}
		j, skip := flushJob(e.Client, o, hookID, ent, now())
		if skip != "" {
			fmt.Fprintf(e.Out.ErrOut, "feishu-push: %s: kept: %s\n", path, skip)
			rec.kept++
			if ent.Uncertain(now()) && !o.ResendUncertain {
				continue // parked for a person, not a failure of this run
			}
			fail(feishu.Usagef("%s: %s", path, skip))
			continue
		}
		j.Spooled = &SpoolRef{Path: path, Entry: ent}
		plan.Jobs = append(plan.Jobs, j)
	}
	// One at a time: oldest first.
	run := &Engine{Client: e.Client, Command: e.Command, Workers: 1, Log: e.Log, Recorder: rec, Out: e.Out}
	rep := run.Run(ctx, plan)
	e.mu.Lock()
	e.stats.Sent += rep.Stats.Sent
	e.stats.Failed += rep.Stats.Failed + rec.failed
	e.stats.Spooled += rep.Stats.Spooled
	e.mu.Unlock()
	if firstErr == nil && len(rep.Failures) > 0 {
		firstErr = rep.Failures[0].Err
	}
	if firstErr == nil {
		return nil
	}
	return &ReportedError{Err: firstErr, Summary: fmt.Sprintf("flush: %d delivered, %d kept, %d moved to %s/",
		rep.Stats.Sent, rec.kept, rec.buried, spool.DeadDir)}
}

// flushRecorder removes, keeps or buries each flushed message by its
// outcome.
type flushRecorder struct {
	sp                   *spool.Spool
	out                  *Output
	kept, buried, failed int
}

func (r *flushRecorder) Before(*Job) error { return nil }

func (r *flushRecorder) After(j *Job, res *Result, err error) string {
	path, ent := j.Spooled.Path, j.Spooled.Entry
	ent.Attempts += res.Attempts
	if err == nil {
		if rerr := r.sp.Done(path); rerr != nil {
			fmt.Fprintf(r.out.ErrOut, "feishu-push: %s: delivered but not removed: %v\n", path, rerr)
		}
		return ""
	}
	ent.LastError = err.Error()
	switch kind := feishu.Classify(err); {
	case kind == feishu.KindRejected:
		// The reason in dead/ says what Feishu said and what it means
		// (e.g. a recall past the tenant's time limit).
		reason := err.Error()
		if h := resultError(err).Hint; h != "" {
			reason += "; hint: " + h
		}
		dst, berr := r.sp.Bury(path, ent, reason)
		if berr == nil {
			r.buried++
			return "; moved to " + dst
		}
	case j.Mode == ModeWebhook && !feishu.NotDelivered(err) && !errors.As(err, new(*NotSentError)):
		ent.MaybeDelivered = true
	}
	_ = r.sp.Update(path, ent)
	r.kept++
	res.Spooled = path
	return "; kept in the spool"
}

// flushJob rebuilds the request of a spooled message with this run's
// settings, or says why it cannot be sent now.
func flushJob(c *feishu.Client, o FlushOptions, hookID string, e *spool.Entry, now time.Time) (Job, string) {
	msg := feishu.Message{MsgType: e.MsgType, Content: e.Content}
	if e.Mode == spool.ModeWebhook {
		switch {
		case e.WebhookID != hookID:
			return Job{}, "a webhook message for another webhook than FEISHU_WEBHOOK_URL"
		case e.MaybeDelivered && !o.ResendUncertain:
			return Job{}, "a webhook post that may have landed; --resend-uncertain sends it again"
		}
		req, err := c.Webhook.NewSendRequest(msg)
		if err != nil {
			return Job{}, err.Error()
		}
		return Job{To: "webhook", Mode: ModeWebhook, Msg: msg, Req: req}, ""
	}
	if !o.HasApp {
		return Job{}, "an app message, and no app credentials are set"
	}
	if e.AppID != o.AppID {
		return Job{}, fmt.Sprintf("a message of app %s, not of %s", e.AppID, o.AppID)
	}
	// An update edits a card in place and a recall done twice finds the
	// message gone: doing either again is harmless, so neither is held as
	// uncertain.
	if e.Uncertain(now) && !o.ResendUncertain && e.Kind != KindUpdate && e.Kind != KindRecall {
		if e.UUID == "" {
			return Job{}, "an app message without a uuid that may have landed; --resend-uncertain sends it again"
		}
		return Job{}, "first tried over an hour ago and may have landed; Feishu no longer de-duplicates its uuid; --resend-uncertain sends it again"
	}
	if e.Kind != "" {
		return flushLifeJob(c, o, e)
	}
	r := feishu.Recipient{IDType: e.ReceiveIDType, ID: e.ReceiveID}
	req, err := c.Messages.NewCreateRequest(r, msg, e.UUID)
	if err != nil {
		return Job{}, err.Error()
	}
	return Job{To: r.String(), Mode: ModeApp, Recipient: r, UUID: e.UUID, Msg: msg, Req: req}, ""
}
